package conversations

import (
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
)

// TestDueWords words one item of each kind and stage as the case core
// reports it, for home-school staff (the command that does it) and for an LA
// officer (whose duty it is, and no command).
func TestDueWords(t *testing.T) {
	const ref = "OSD-7K2Q"
	home, la := offsitebot.RoleHome, offsitebot.RoleLA
	for _, tc := range []struct {
		name       string
		it         offsitebot.DueItem
		role       offsitebot.Role
		text, next string
	}{
		{"notice in time", offsitebot.DueItem{Kind: offsitebot.DueNotice, By: "2026-12-03", On: "2026-12-07", Party: offsitebot.HomeSchool}, home,
			"written notice to the parents must reach them by Thu 3 Dec (2 school days before the start on Mon 7 Dec)", "notice OSD-7K2Q given"},
		{"notice late", offsitebot.DueItem{Kind: offsitebot.DueNotice, By: "2026-12-03", On: "2026-12-07", Overdue: true, Party: offsitebot.HomeSchool}, home,
			"written notice to the parents was due by Thu 3 Dec (2 school days before the start on Mon 7 Dec) — send it now", "notice OSD-7K2Q given"},
		{"notice late, for the LA", offsitebot.DueItem{Kind: offsitebot.DueNotice, By: "2026-12-03", On: "2026-12-07", Overdue: true, Party: offsitebot.HomeSchool}, la,
			"written notice to the parents was due by Thu 3 Dec (2 school days before the start on Mon 7 Dec)", "for the home school"},
		{"notice not given by the start", offsitebot.DueItem{Kind: offsitebot.DueNotice, By: "2026-12-03", On: "2026-12-07", Overdue: true, Stage: offsitebot.StageStarted, Party: offsitebot.HomeSchool}, home,
			"written notice to the parents was due by Thu 3 Dec (2 school days before the start on Mon 7 Dec) and is not recorded as given — give it now", "notice OSD-7K2Q given"},
		{"agreed end passed", offsitebot.DueItem{Kind: offsitebot.DueEnd, By: "2026-11-27", On: "2026-11-27", Overdue: true, Party: offsitebot.HomeSchool}, home,
			"the agreed end date (Fri 27 Nov) has passed — end the direction, or record the decision to continue", "end OSD-7K2Q reintegrated|managed-move|semh|other"},
		{"review decided to end", offsitebot.DueItem{Kind: offsitebot.DueEnd, Subject: "M1", By: "2026-11-20", On: "2026-11-20", Decision: offsitebot.DecisionReintegrate, Party: offsitebot.HomeSchool}, home,
			"the Fri 20 Nov review decided: reintegrate — end the direction when the pupil leaves", "end OSD-7K2Q reintegrated"},
		{"review decided to end, for the LA", offsitebot.DueItem{Kind: offsitebot.DueEnd, Subject: "M1", By: "2026-11-20", On: "2026-11-20", Decision: offsitebot.DecisionManagedMove, Party: offsitebot.HomeSchool}, la,
			"the Fri 20 Nov review decided: managed-move", "for the home school"},
		{"contact nudge", offsitebot.DueItem{Kind: offsitebot.DueContact, By: "2026-12-09", Days: 6, Party: offsitebot.BothSchools}, home,
			"no contact with the receiving school for 6 days — due by Wed 9 Dec (weekly)", "contact OSD-7K2Q receiving phone …"},
		{"contact overdue", offsitebot.DueItem{Kind: offsitebot.DueContact, By: "2026-12-09", Days: 8, Overdue: true, Party: offsitebot.BothSchools}, home,
			"no contact with the receiving school for 8 days — overdue, was due by Wed 9 Dec (weekly)", "contact OSD-7K2Q receiving phone …"},
		{"contact overdue, for the receiving school", offsitebot.DueItem{Kind: offsitebot.DueContact, By: "2026-12-09", Days: 8, Overdue: true, Party: offsitebot.BothSchools}, offsitebot.RoleReceiving,
			"no contact with the home school for 8 days — overdue, was due by Wed 9 Dec (weekly)", "contact OSD-7K2Q home phone …"},
		{"contact overdue, for the LA", offsitebot.DueItem{Kind: offsitebot.DueContact, By: "2026-12-09", Days: 8, Overdue: true, Party: offsitebot.BothSchools}, la,
			"no contact between the schools for 8 days — overdue, was due by Wed 9 Dec (weekly)", "for both schools"},
		{"attendance, one day", offsitebot.DueItem{Kind: offsitebot.DueAttendance, By: "2026-12-01", On: "2026-12-01", Days: 1, Overdue: true, Party: offsitebot.ReceivingSchool}, offsitebot.RoleReceiving,
			"attendance not confirmed for Tue 1 Dec", "attendance OSD-7K2Q 2026-12-01 AM PM"},
		{"attendance, several days, for the LA", offsitebot.DueItem{Kind: offsitebot.DueAttendance, By: "2026-11-27", On: "2026-11-27", Days: 3, Overdue: true, Party: offsitebot.ReceivingSchool}, la,
			"attendance not confirmed for 3 school days, the earliest Fri 27 Nov", "for the receiving school"},
		{"review soon", offsitebot.DueItem{Kind: offsitebot.DueReview, By: "2026-12-10", Party: offsitebot.HomeSchool}, home,
			"next review meeting due by Thu 10 Dec — schedule it by Fri 4 Dec so the parents can have 6 days' notice", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"review too late for notice, none face to face yet", offsitebot.DueItem{Kind: offsitebot.DueReview, By: "2026-12-04", Stage: offsitebot.StageTooLate, InPerson: true, Party: offsitebot.HomeSchool}, home,
			"next review meeting due by Fri 4 Dec — not yet scheduled, and the parents can no longer have 6 days' notice for it", "review OSD-7K2Q schedule DATE TIME in-person"},
		{"review overdue", offsitebot.DueItem{Kind: offsitebot.DueReview, By: "2026-12-04", Overdue: true, Party: offsitebot.HomeSchool}, home,
			"review meeting was due by Fri 4 Dec and none is scheduled — overdue", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"review soon, for the LA", offsitebot.DueItem{Kind: offsitebot.DueReview, By: "2026-12-10", Party: offsitebot.HomeSchool}, la,
			"next review meeting due by Thu 10 Dec", "for the home school"},
		{"continuation", offsitebot.DueItem{Kind: offsitebot.DueContinuation, Subject: "M1", By: "2026-11-26", On: "2026-11-20", Party: offsitebot.HomeSchool}, home,
			"decision to continue from the Fri 20 Nov meeting must reach the parents by Thu 26 Nov (6 days after)", "review OSD-7K2Q told M1"},
		{"continuation late", offsitebot.DueItem{Kind: offsitebot.DueContinuation, Subject: "M1", By: "2026-11-26", On: "2026-11-20", Overdue: true, Party: offsitebot.HomeSchool}, home,
			"decision to continue from the Fri 20 Nov meeting was due to the parents by Thu 26 Nov (6 days after) — tell them now", "review OSD-7K2Q told M1"},
		{"outcome", offsitebot.DueItem{Kind: offsitebot.DueOutcome, Subject: "M2", By: "2026-12-01", On: "2026-12-01", Party: offsitebot.HomeSchool}, home,
			"outcome of the Tue 1 Dec meeting not recorded yet", "review OSD-7K2Q outcome"},
		{"invitation", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-12-04", On: "2026-12-10", Party: offsitebot.HomeSchool}, home,
			"invitation for the Thu 10 Dec meeting must go to the parents by Fri 4 Dec (6 days before) — no parent is linked on offsitebot", "link OSD-7K2Q parent"},
		{"invitation on its last day", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-12-02", On: "2026-12-08", Stage: offsitebot.StageLastDay, Party: offsitebot.HomeSchool}, home,
			"invitation for the Tue 8 Dec meeting must go to the parents today (6 days before) — no parent is linked on offsitebot", "link OSD-7K2Q parent"},
		{"invitation late", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-11-28", On: "2026-12-04", Overdue: true, Party: offsitebot.HomeSchool}, home,
			"invitation for the Fri 4 Dec meeting should have gone to the parents by Sat 28 Nov (6 days before) — no parent is linked on offsitebot, invite them now", "link OSD-7K2Q parent"},
		{"invitation late, for the LA", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-11-28", On: "2026-12-04", Overdue: true, Party: offsitebot.HomeSchool}, la,
			"invitation for the Fri 4 Dec meeting should have gone to the parents by Sat 28 Nov (6 days before) — no parent is linked on offsitebot", "for the home school"},
		{"invitation, the linked parent blocked offsitebot", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-12-04", On: "2026-12-10", Linked: true, Unreachable: true, Party: offsitebot.HomeSchool}, home,
			"invitation for the Thu 10 Dec meeting must go to the parents by Fri 4 Dec (6 days before) — no linked parent could be reached on offsitebot (they may have blocked it): invite them another way (phone, letter), then record it", "review OSD-7K2Q invited M2 letter"},
		{"invitation late, the linked parent not reached", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-11-28", On: "2026-12-04", Overdue: true, Linked: true, Party: offsitebot.HomeSchool}, home,
			"invitation for the Fri 4 Dec meeting should have gone to the parents by Sat 28 Nov (6 days before) — no linked parent could be reached on offsitebot: invite them another way (phone, letter), then record it", "review OSD-7K2Q invited M2 letter"},
		// A pupil of 18 or over: the pupil is the one the regulations name.
		{"notice, pupil of 18", offsitebot.DueItem{Kind: offsitebot.DueNotice, By: "2026-12-03", On: "2026-12-07", Adult: true, Party: offsitebot.HomeSchool}, home,
			"written notice to the pupil must reach them by Thu 3 Dec (2 school days before the start on Mon 7 Dec)", "notice OSD-7K2Q given"},
		{"review soon, pupil of 18", offsitebot.DueItem{Kind: offsitebot.DueReview, By: "2026-12-10", Adult: true, Party: offsitebot.HomeSchool}, home,
			"next review meeting due by Thu 10 Dec — schedule it by Fri 4 Dec so the pupil can have 6 days' notice", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"continuation late, pupil of 18", offsitebot.DueItem{Kind: offsitebot.DueContinuation, Subject: "M1", By: "2026-11-26", On: "2026-11-20", Overdue: true, Adult: true, Party: offsitebot.HomeSchool}, home,
			"decision to continue from the Fri 20 Nov meeting was due to the pupil by Thu 26 Nov (6 days after) — tell them now", "review OSD-7K2Q told M1"},
		{"invitation, pupil of 18 not linked", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-12-04", On: "2026-12-10", Adult: true, Party: offsitebot.HomeSchool}, home,
			"invitation for the Thu 10 Dec meeting must go to the pupil by Fri 4 Dec (6 days before) — the pupil is not linked on offsitebot", "link OSD-7K2Q pupil"},
		{"invitation, pupil of 18 blocked offsitebot", offsitebot.DueItem{Kind: offsitebot.DueInvitation, Subject: "M2", By: "2026-12-02", On: "2026-12-08", Stage: offsitebot.StageLastDay, Adult: true, Linked: true, Unreachable: true, Party: offsitebot.HomeSchool}, home,
			"invitation for the Tue 8 Dec meeting must go to the pupil today (6 days before) — the pupil could not be reached on offsitebot (they may have blocked it): invite them another way (phone, letter), then record it", "review OSD-7K2Q invited M2 letter"},
		{"request, duty does not apply", offsitebot.DueItem{Kind: offsitebot.DueRequest, Subject: "R1", By: "2026-12-01", On: "2026-12-01", From: offsitebot.FromParent, LastMet: "2026-11-20", Party: offsitebot.HomeSchool}, home,
			"review request from parent, Tue 1 Dec — not yet scheduled (duty does not apply: met Fri 20 Nov)", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"request, duty applies", offsitebot.DueItem{Kind: offsitebot.DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", From: offsitebot.FromLA, DutyApplies: true, Overdue: true, Party: offsitebot.HomeSchool}, home,
			"review request from the local authority, Tue 1 Dec — not yet scheduled (duty applies: hold one as soon as reasonably practicable, by Tue 22 Dec)", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"request, meeting booked in time", offsitebot.DueItem{Kind: offsitebot.DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", From: offsitebot.FromParent, DutyApplies: true, Booked: "2026-12-10", Party: offsitebot.HomeSchool}, home,
			"review request from parent, Tue 1 Dec — meeting booked for Thu 10 Dec (open until it is held; due by Tue 22 Dec)", ""},
		{"request, meeting booked too far", offsitebot.DueItem{Kind: offsitebot.DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", From: offsitebot.FromParent, DutyApplies: true, Booked: "2027-03-01", Far: true, Overdue: true, Party: offsitebot.HomeSchool}, home,
			"review request from parent, Tue 1 Dec — meeting booked for Mon 1 Mar, later than Tue 22 Dec: not as soon as reasonably practicable — hold one sooner", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"review due sooner than the meeting booked", offsitebot.DueItem{Kind: offsitebot.DueReview, By: "2026-12-04", Booked: "2027-03-01", Party: offsitebot.HomeSchool}, home,
			"next review meeting due by Fri 4 Dec — the meeting booked for Mon 1 Mar is later than that; schedule one by Sat 28 Nov so the parents can have 6 days' notice", "review OSD-7K2Q schedule DATE TIME in-person|online"},
		{"face to face", offsitebot.DueItem{Kind: offsitebot.DueFaceToFace, By: "2026-12-18", InPerson: true, Party: offsitebot.HomeSchool}, home,
			"no face-to-face review meeting yet — make the next one in person", "review OSD-7K2Q schedule DATE TIME in-person"},
		{"face to face, for the LA", offsitebot.DueItem{Kind: offsitebot.DueFaceToFace, By: "2026-12-18", InPerson: true, Party: offsitebot.HomeSchool}, la,
			"no face-to-face review meeting yet", "for the home school"},
		{"an admin gets the command", offsitebot.DueItem{Kind: offsitebot.DueOutcome, Subject: "M2", By: "2026-12-01", On: "2026-12-01", Party: offsitebot.HomeSchool}, offsitebot.RoleAdmin,
			"outcome of the Tue 1 Dec meeting not recorded yet", "review OSD-7K2Q outcome"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.it.Ref = ref
			text, next, command := dueText(tc.it, tc.role)
			if text != tc.text || next != tc.next {
				t.Errorf("dueText =\n  %q → %q\nwant\n  %q → %q", text, next, tc.text, tc.next)
			}
			if command == (tc.role == offsitebot.RoleLA) { // the LA reads; everyone here else may act
				t.Errorf("command = %v for %s, next step %q", command, tc.role, next)
			}

		})
	}
}

// TestDueWordsEveryKind makes sure no kind the core reports falls back to the
// generic wording.
func TestDueWordsEveryKind(t *testing.T) {
	for _, kind := range []string{offsitebot.DueNotice, offsitebot.DueContact, offsitebot.DueAttendance, offsitebot.DueReview,
		offsitebot.DueInvitation, offsitebot.DueContinuation, offsitebot.DueRequest, offsitebot.DueOutcome, offsitebot.DueFaceToFace, offsitebot.DueEnd} {
		if dueRenderers[kind] == nil {
			t.Errorf("no words for %q", kind)
		}
	}
}

func TestDueNudge(t *testing.T) {
	c := &offsitebot.Case{Ref: "OSD-7K2Q", Pupil: "Sam Taylor"}
	contact := offsitebot.DueItem{Ref: c.Ref, Kind: offsitebot.DueContact, By: "2026-12-09", Days: 8, Overdue: true, Party: offsitebot.BothSchools}
	outcome := offsitebot.DueItem{Ref: c.Ref, Kind: offsitebot.DueOutcome, Subject: "M2", By: "2026-12-01", On: "2026-12-01", Party: offsitebot.HomeSchool}
	booked := offsitebot.DueItem{Ref: c.Ref, Kind: offsitebot.DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", From: offsitebot.FromParent, DutyApplies: true, Booked: "2026-12-10", Party: offsitebot.HomeSchool}
	for _, tc := range []struct {
		it   offsitebot.DueItem
		want string
	}{
		{contact, "⚠ Weekly contact overdue — OSD-7K2Q (S.T.): no contact with the receiving school for 8 days — overdue, was due by Wed 9 Dec (weekly).\nRecord it: contact OSD-7K2Q receiving phone …"},
		{outcome, "OSD-7K2Q (S.T.): outcome of the Tue 1 Dec meeting not recorded yet.\nDo it: review OSD-7K2Q outcome"},
		// A meeting booked in time leaves nothing to run: no command, no button.
		{booked, "OSD-7K2Q (S.T.): review request from parent, Tue 1 Dec — meeting booked for Thu 10 Dec (open until it is held; due by Tue 22 Dec)."},
	} {
		if got := DueNudge(c, tc.it); got != tc.want {
			t.Errorf("DueNudge(%s) =\n%s\nwant\n%s", tc.it.Kind, got, tc.want)
		}
		if tc.it.Booked != "" {
			if bs := DueButtons(tc.it); bs != nil {
				t.Errorf("DueButtons(booked request) = %+v, want none", bs)
			}
			continue
		}
		// The button runs the command the nudge names, with what is still to say asked after.
		if bs := DueButtons(tc.it); len(bs) != 1 || !strings.HasPrefix(tc.want[strings.LastIndex(tc.want, ": ")+2:], strings.TrimPrefix(bs[0][0].Data, "/")) {
			t.Errorf("DueButtons(%s) = %+v", tc.it.Kind, bs)
		}
	}
}
