package conversations_test

import (
	"regexp"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
)

// TestStaffNameWhomTheLawNames: once the pupil is 18 the pupil is the one
// the regulations name, so every staff text about the notice, invitations
// and decisions says the pupil (linked parents get them as well, said as
// such); before, it says the parents. Where offsitebot could not reach the
// one named, the reply says why (nobody linked, or linked but unreachable)
// and what to do instead.
func TestStaffNameWhomTheLawNames(t *testing.T) {
	const (
		under18 = "2012-05-20"
		adult   = "2008-05-20" // 18 on the first day, Mon 23 Nov 2026
		kid     = "telegram:511"
		pupil   = "telegram:512"
	)
	type step struct {
		at      string // the clock, London; "" keeps it
		line    string // REF stands for the case's reference
		want    []string
		notWant []string
		summary []string // what an outcome's summary says before it is sent
	}
	outcome := `review REF outcome M1 met=partly successes="Good start" voice="Likes art" concerns=Journey interventions=Mentor decision=continue until=29/1/2027 next=18/12/2026`
	for _, tc := range []struct {
		name     string
		dob      string
		link     []string // roles linked: parent, pupil
		blocked  bool     // everyone linked blocked offsitebot
		openWant []string
		steps    []step
	}{
		{name: "under 18, a parent linked", dob: under18, link: []string{"parent"},
			openWant: []string{"The written notice to the parents (due", "link REF parent gives you a join link for the family"},
			steps: []step{
				{line: "review REF schedule 2026-12-09 15:30 in-person", want: []string{"Invitation sent now to 1 linked parent and 1 receiving-school contact."}, notWant: []string{"invite the parents", "the pupil"}},
				{at: "2026-12-09 17:00", line: outcome},
				{line: "Alex", summary: []string{"1 linked parent will be told now:", "about Jo's off-site direction", "Send it?"}, want: []string{"The decision to continue was sent to 1 linked parent now (it must reach them by Tue 15 Dec)."},
					notWant: []string{"not invited", "another way"}},
			}},
		{name: "under 18, nobody linked", dob: under18,
			steps: []step{
				{line: "review REF schedule 2026-12-09 15:30 in-person", want: []string{"No parent is linked on offsitebot: please invite the parents yourself by Thu 3 Dec (6 days before), then record it: review REF invited M1 letter. To reach them here next time: link REF parent makes a join link."}},
				{line: "due REF", want: []string{"invitation for the Wed 9 Dec meeting must go to the parents by Thu 3 Dec (6 days before) — no parent is linked on offsitebot  → link REF parent"}},
				{at: "2026-12-09 17:00", line: outcome},
				{line: "Alex", summary: []string{"No parent is linked on offsitebot, so the decision must reach the parents another way by Tue 15 Dec.\nRecord it?"},
					want: []string{"The parents were not invited to M1: they should have been by Thu 3 Dec (6 days before).",
						"No parent is linked on offsitebot, so the decision to continue must reach the parents another way by Tue 15 Dec (6 days after the meeting); then record it: review REF told M1 letter."}},
				{at: "2026-12-16 10:00", line: "show REF", want: []string{"Invitation to M1 (Wed 9 Dec): due by Thu 3 Dec (6 days before); the parents were not invited.",
					"Decision of M1 (Wed 9 Dec) told to the parents: due by Tue 15 Dec (6 days after); not told yet."}},
				{line: "review REF told M1", want: []string{"Recorded for REF: the parents were told of the decision to continue after M1 (letter, Wed 16 Dec). That is late"}},
				{line: "notice REF given", want: []string{"Recorded: the written notice for REF reached the parents (letter, Wed 16 Dec)."}},
			}},
		{name: "under 18, the linked parent blocked offsitebot", dob: under18, link: []string{"parent"}, blocked: true,
			steps: []step{
				{line: "review REF schedule 2026-12-09 15:30 in-person", want: []string{"No linked parent could be reached on offsitebot (they may have blocked it): please invite the parents another way by Thu 3 Dec (6 days before), then record it: review REF invited M1 letter."},
					notWant: []string{"linked parent and", "join link"}},
				{line: "due REF", want: []string{"invitation for the Wed 9 Dec meeting must go to the parents by Thu 3 Dec (6 days before) — no linked parent could be reached on offsitebot (they may have blocked it): invite them another way (phone, letter), then record it  → review REF invited M1 letter"},
					notWant: []string{"no parent is linked"}},
				{line: "review REF invited M1 phone", want: []string{"Recorded: the parents were invited to M1"}},
				{line: "due REF", notWant: []string{"invitation for the Wed 9 Dec meeting"}},
			}},
		{name: "18, the pupil and a parent linked", dob: adult, link: []string{"parent", "pupil"},
			openWant: []string{"The written notice to the pupil (due", "link REF pupil gives you a join link for the pupil, link REF parent one for a parent",
				"The pupil is 18 or over, so the notice, invitations and decisions go to them, and to linked parents as well"},
			steps: []step{
				{line: "review REF schedule 2026-12-09 19:30 in-person", want: []string{"Invitation sent now to the pupil, 1 linked parent and 1 receiving-school contact.", "check it suits the pupil."},
					notWant: []string{"invite the pupil", "the parents"}},
				{line: "review REF", want: []string{"review REF told M1 when the pupil was told of a decision to continue another way"}},
				{line: "notice REF", want: []string{"To record that the written notice reached the pupil: notice REF given"}},
				{at: "2026-12-09 21:00", line: outcome},
				{line: "Alex", summary: []string{"The pupil and 1 linked parent will be told now:", "about your off-site direction", "Send it?"},
					want:    []string{"The decision to continue was sent to the pupil and 1 linked parent now (it must reach them by Tue 15 Dec)."},
					notWant: []string{"not invited", "another way", "the parents"}},
				{line: "notice REF given", want: []string{"Recorded: the written notice for REF reached the pupil (letter, Wed 9 Dec)."}},
			}},
		{name: "18, only a parent linked", dob: adult, link: []string{"parent"},
			steps: []step{
				{line: "review REF schedule 2026-12-09 15:30 in-person", want: []string{"Invitation sent now to 1 linked parent and 1 receiving-school contact.",
					"The pupil is not linked on offsitebot: please invite the pupil yourself by Thu 3 Dec (6 days before), then record it: review REF invited M1 letter. To reach them here next time: link REF pupil makes a join link."}},
				{line: "due REF", want: []string{"invitation for the Wed 9 Dec meeting must go to the pupil by Thu 3 Dec (6 days before) — the pupil is not linked on offsitebot  → link REF pupil"}},
				{at: "2026-12-09 17:00", line: outcome},
				{line: "Alex", summary: []string{"1 linked parent will be told now:", "The pupil is not linked on offsitebot, so the decision must reach the pupil another way by Tue 15 Dec.\nSend it?"},
					want: []string{"The pupil was not invited to M1: they should have been by Thu 3 Dec (6 days before).",
						"The decision to continue was sent to 1 linked parent now",
						"The pupil is not linked on offsitebot, so the decision to continue must reach the pupil another way by Tue 15 Dec"}},
				{at: "2026-12-16 10:00", line: "show REF", want: []string{"Invitation to M1 (Wed 9 Dec): due by Thu 3 Dec (6 days before); the pupil was not invited.",
					"Decision of M1 (Wed 9 Dec) told to the pupil: due by Tue 15 Dec (6 days after); not told yet."}},
				{line: "due REF", want: []string{"decision to continue from the Wed 9 Dec meeting was due to the pupil by Tue 15 Dec (6 days after) — tell them now"}},
				{line: "review REF told M1", want: []string{"Recorded for REF: the pupil was told of the decision to continue after M1 (letter, Wed 16 Dec). That is late"}},
			}},
		{name: "18, the pupil blocked offsitebot", dob: adult, link: []string{"pupil"}, blocked: true,
			steps: []step{
				{line: "review REF schedule 2026-12-09 15:30 in-person", want: []string{"The pupil could not be reached on offsitebot (they may have blocked it): please invite the pupil another way by Thu 3 Dec (6 days before), then record it: review REF invited M1 letter."}},
				{line: "due REF", want: []string{"must go to the pupil by Thu 3 Dec (6 days before) — the pupil could not be reached on offsitebot (they may have blocked it): invite them another way (phone, letter), then record it  → review REF invited M1 letter"}},
			}},
		{name: "18, nobody linked", dob: adult,
			openWant: []string{"The written notice to the pupil (due"},
			steps: []step{
				{line: "review REF schedule 2026-12-09 15:30 in-person", want: []string{"The pupil is not linked on offsitebot: please invite the pupil yourself by Thu 3 Dec"}},
				{line: "notice REF given yesterday email", want: []string{"Recorded: the written notice for REF reached the pupil (email, Tue 1 Dec)."}},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			opened := w.say(home, `new pupil="Jo Reed" dob=`+tc.dob+` ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-29`)
			if strings.Contains(opened, "has already passed") {
				opened = w.say(home, "yes")
			}
			ref := regexp.MustCompile(`OSD-[0-9A-Z]{4}`).FindString(opened)
			if ref == "" {
				t.Fatalf("no case opened: %s", opened)
			}
			fill := func(s string) string { return strings.ReplaceAll(s, "REF", ref) }
			for _, want := range tc.openWant {
				if !strings.Contains(opened, fill(want)) {
					t.Errorf("opening reply lacks %q:\n%s", fill(want), opened)
				}
			}
			for _, role := range tc.link {
				id := map[string]string{"parent": kid, "pupil": pupil}[role]
				code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+ref+" "+role))[1]
				w.sayOn(offsitebot.Telegram, id, "/start "+code)
				w.out.Block(id, tc.blocked)
			}
			for _, st := range tc.steps {
				if st.at != "" {
					w.clk.Set(london(st.at))
				}
				got := w.say(home, fill(st.line))
				if strings.Contains(got, "Send it?") || strings.Contains(got, "Record it?") {
					for _, want := range st.summary {
						if !strings.Contains(got, fill(want)) {
							t.Errorf("the summary of %q:\n%s\nwant %q in it", fill(st.line), got, fill(want))
						}
					}
					got = w.say(home, "yes")
				} else if len(st.summary) > 0 {
					t.Errorf("%q gave no summary to check:\n%s", fill(st.line), got)
				}
				for _, want := range st.want {
					if !strings.Contains(got, fill(want)) {
						t.Errorf("%q answered:\n%s\nwant %q in it", fill(st.line), got, fill(want))
					}
				}
				for _, bad := range st.notWant {
					if strings.Contains(got, fill(bad)) {
						t.Errorf("%q answered:\n%s\nwhich must not say %q", fill(st.line), got, fill(bad))
					}
				}
			}
		})
	}
}
