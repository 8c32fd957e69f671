package web

import (
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
)

// TestCasePageNamesWhomTheLawNames: the case page's duties and breaches say
// the pupil once 18, the parents before.
func TestCasePageNamesWhomTheLawNames(t *testing.T) {
	for _, tc := range []struct {
		name, dob, named string
	}{
		{"under 18", "2012-03-04", "the parents"},
		{"18", "2008-05-20", "the pupil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &offsitebot.Case{DOB: offsitebot.Date(tc.dob)}
			adult := k.Adult("2026-12-02")
			for _, got := range []struct{ text, want string }{
				{dutyWhat(offsitebot.DueItem{Kind: offsitebot.DueNotice, Adult: adult}), "Written notice to " + tc.named},
				{dutyWhat(offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", Adult: adult}), "Invitation to " + tc.named + " (M2)"},
				{dutyWhat(offsitebot.DueItem{Kind: offsitebot.DueContinuation, Subject: "M1", Adult: adult}), "Decision to continue to tell " + tc.named + " (M1)"},
				{breachWhat(k, offsitebot.Breach{Kind: offsitebot.BreachNotice, On: "2026-11-16", Deadline: "2026-11-12"}), "Written notice to " + tc.named + ", before the first day (Mon 16 Nov)"},
				{breachWhat(k, offsitebot.Breach{Kind: offsitebot.BreachInvitation, Subject: "M1", On: "2026-11-24", Deadline: "2026-11-18"}), "Invitation of " + tc.named + " to M1 (Tue 24 Nov), 6 days ahead"},
				{breachWhat(k, offsitebot.Breach{Kind: offsitebot.BreachDecision, Subject: "M1", On: "2026-11-24", Deadline: "2026-11-30"}), "Decision of M1 (Tue 24 Nov) told to " + tc.named},
			} {
				if got.text != got.want {
					t.Errorf("%q, want %q", got.text, got.want)
				}
			}
		})
	}
}
