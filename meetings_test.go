package offsitebot

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func meetingIDs(c *Case) []string {
	var out []string
	for _, m := range c.Meetings {
		id := m.ID
		if m.Cancelled {
			id += "×"
		}
		out = append(out, id)
	}
	return out
}

func TestMeetingNumbering(t *testing.T) {
	schedule := func(c *Case) error {
		_, _, err := c.ScheduleMeeting(as(RoleHome, tNow), ldn(2026, 12, 9+len(c.Meetings), 10, 0), InPerson, "")
		return err
	}
	cancel := func(id string) func(c *Case) error {
		return func(c *Case) error { _, _, err := c.CancelMeeting(as(RoleHome, tNow), id); return err }
	}
	for _, tc := range []struct {
		name string
		ops  []func(*Case) error
		want []string // IDs in order, × for cancelled
	}{
		{"one after another", []func(*Case) error{schedule, schedule, schedule}, []string{"M1", "M2", "M3"}},
		{"a cancelled meeting keeps its number", []func(*Case) error{schedule, schedule, cancel("M1"), schedule}, []string{"M1×", "M2", "M3"}},
		{"the last one cancelled is not reused", []func(*Case) error{schedule, cancel("M1"), schedule}, []string{"M1×", "M2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			for _, op := range tc.ops {
				must(t, op(c))
			}
			if got := meetingIDs(c); !slices.Equal(got, tc.want) {
				t.Errorf("meetings %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScheduleMeeting(t *testing.T) {
	for _, tc := range []struct {
		name       string
		at         time.Time
		mode       string
		wantShort  bool
		wantDetail string
		wantErr    string
	}{
		{"a week ahead", ldn(2026, 12, 9, 10, 0), InPerson, false, "M1 2026-12-09 10:00 in-person", ""},
		{"6 days ahead is enough", ldn(2026, 12, 8, 16, 0), Online, false, "M1 2026-12-08 16:00 online", ""},
		{"under 6 days, confirmed", ldn(2026, 12, 4, 10, 0), InPerson, true, "M1 2026-12-04 10:00 in-person (confirmed at 2 days' notice)", ""},
		{"an unknown mode", ldn(2026, 12, 9, 10, 0), "by pigeon", false, "", "isn't a kind of meeting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			m, ch, err := c.ScheduleMeeting(as(RoleHome, tNow), tc.at, tc.mode, "Room 4")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tc.wantErr) || len(c.Meetings) != 0 {
					t.Fatalf("err %v, meetings %v", err, c.Meetings)
				}
				return
			}
			must(t, err)
			if m.ShortNotice != tc.wantShort || !m.Scheduled.Equal(tNow) || m.By != homeID || m.Place != "Room 4" || !sameMeetings(c.Meetings, []Meeting{m}) {
				t.Errorf("meeting %+v", m)
			}
			if len(ch.Audit) != 1 || ch.Audit[0].Action != "review scheduled" || ch.Audit[0].Detail != tc.wantDetail {
				t.Errorf("audit %+v", ch.Audit)
			}
			if got := kinds(ch); !slices.Equal(got, []string{"invitation to concerned M1"}) {
				t.Errorf("notices %v", got)
			}
		})
	}
}

func sameMeetings(a, b []Meeting) bool {
	return slices.EqualFunc(a, b, func(x, y Meeting) bool { return x.ID == y.ID && x.At.Equal(y.At) && x.Mode == y.Mode })
}

func answered(c *Case) []string {
	var out []string
	for _, r := range c.Requests {
		out = append(out, r.ID+":"+r.Answered)
	}
	return out
}

func TestScheduleAnswersOpenRequests(t *testing.T) {
	c := testCase(plannedOn("M1", "2026-12-03", 10, 0, InPerson))
	c.Requests = []ReviewRequest{{ID: "R1"}, {ID: "R2", Answered: "M1"}, {ID: "R3"}}
	_, _, err := c.ScheduleMeeting(as(RoleHome, tNow), ldn(2026, 12, 9, 10, 0), InPerson, "")
	must(t, err)
	if got, want := answered(c), []string{"R1:M2", "R2:M1", "R3:M2"}; !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

func TestCancelPassesRequestsOn(t *testing.T) {
	earlier := heldOn("M0", "2026-11-18", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-02"})
	first := plannedOn("M1", "2026-12-04", 10, 0, InPerson)
	later := plannedOn("M2", "2026-12-11", 10, 0, InPerson)
	laterOff := later
	laterOff.Cancelled = true
	for _, tc := range []struct {
		name     string
		meetings []Meeting
		want     []string
	}{
		{"to the next meeting booked", []Meeting{earlier, first, later}, []string{"R1:M2", "R2:M2", "R3:M0"}},
		{"or open again", []Meeting{earlier, first}, []string{"R1:", "R2:", "R3:M0"}},
		{"a cancelled meeting takes none", []Meeting{earlier, first, laterOff}, []string{"R1:", "R2:", "R3:M0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(tc.meetings...)
			c.Meetings[0].Invitations = []Invitation{{To: parentID}}
			c.Requests = []ReviewRequest{{ID: "R1", Answered: "M1"}, {ID: "R2", Answered: "M1"}, {ID: "R3", Answered: "M0"}}
			m, ch, err := c.CancelMeeting(as(RoleHome, tNow), "M1")
			must(t, err)
			if !m.Cancelled || m.ID != "M1" {
				t.Errorf("meeting %+v", m)
			}
			if got := answered(c); !slices.Equal(got, tc.want) {
				t.Errorf("requests %v, want %v", got, tc.want)
			}
			if got := kinds(ch); !slices.Equal(got, []string{"meeting cancelled to invited M1"}) || actions(ch)[0] != "review cancelled" {
				t.Errorf("notices %v, audit %v", got, actions(ch))
			}
		})
	}
	for _, id := range []string{"M0", "M9"} {
		c := testCase(earlier, first)
		if _, _, err := c.CancelMeeting(as(RoleHome, tNow), id); ErrorCode(err) != EInvalid {
			t.Errorf("cancel %s: %v", id, err)
		}
	}
}

func TestMoveMeeting(t *testing.T) {
	planned := plannedOn("M1", "2026-12-09", 10, 0, InPerson)
	planned.Place = "Room 4"
	planned.Invitations = []Invitation{
		{To: parentID, Sent: tNow.Add(-time.Hour), Answer: AnswerOtherTime, Answered: tNow, Suggestion: "after 3pm"},
		{To: "outside offsitebot: letter", Sent: tNow.Add(-time.Hour)},
	}
	held := heldOn("M2", "2026-11-25", InPerson, ReviewOutcome{Decision: DecisionContinue})
	off := plannedOn("M3", "2026-12-16", 10, 0, InPerson)
	off.Cancelled = true
	for _, tc := range []struct {
		name      string
		id        string
		to        time.Time
		place     string
		wantPlace string
		wantErr   bool
	}{
		{"to a later time, same place", "M1", ldn(2026, 12, 10, 15, 30), "", "Room 4", false},
		{"to another place", "M1", ldn(2026, 12, 10, 15, 30), "Library", "Library", false},
		{"into the past", "M1", ldn(2026, 12, 1, 10, 0), "", "", true},
		{"a meeting held", "M2", ldn(2026, 12, 10, 10, 0), "", "", true},
		{"a meeting cancelled", "M3", ldn(2026, 12, 10, 10, 0), "", "", true},
		{"no such meeting", "M9", ldn(2026, 12, 10, 10, 0), "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(planned, held, off)
			c.Meetings[0].Invitations = slices.Clone(planned.Invitations)
			before := c.Clone()
			m, ch, err := c.MoveMeeting(as(RoleHome, tNow), tc.id, tc.to, tc.place)
			if tc.wantErr {
				if ErrorCode(err) != EInvalid || !sameMeetings(c.Meetings, before.Meetings) || c.Meetings[0].Invitations[0].Answer == "" {
					t.Fatalf("err %v, case %+v", err, c.Meetings)
				}
				return
			}
			must(t, err)
			if !m.At.Equal(tc.to) || m.Place != tc.wantPlace || m.ShortNotice {
				t.Errorf("moved %+v", m)
			}
			for _, inv := range m.Invitations {
				if inv.Answer != "" || inv.Suggestion != "" || !inv.Answered.IsZero() || inv.Sent.IsZero() {
					t.Errorf("invitation kept its old answer: %+v", inv)
				}
			}
			if len(ch.Notices) != 1 || ch.Notices[0].Kind != NoticeMoved || ch.Notices[0].To != ToInvited || !ch.Notices[0].Was.Equal(planned.At) {
				t.Errorf("notices %+v", ch.Notices)
			}
			if ch.Audit[0].Detail != "M1 from 2026-12-09 10:00 to 2026-12-10 15:30" {
				t.Errorf("audit %+v", ch.Audit)
			}
		})
	}
}

func TestRecordOutcome(t *testing.T) {
	past := plannedOn("M1", "2026-11-30", 10, 0, InPerson)
	soon := plannedOn("M2", "2026-12-03", 10, 0, InPerson)
	held := heldOn("M3", "2026-11-18", Online, ReviewOutcome{Decision: DecisionContinue, Next: "2026-11-30"})
	off := plannedOn("M4", "2026-11-27", 10, 0, InPerson)
	off.Cancelled = true
	cont := func(until, next Date) ReviewOutcome {
		return ReviewOutcome{Decision: DecisionContinue, Until: until, Next: next}
	}
	for _, tc := range []struct {
		name        string
		id          string
		out         ReviewOutcome
		wantEnd     Date
		wantAudit   []string
		wantNotices []string
		wantErr     string
	}{
		{"continue until a new date sets the end", "M1", cont("2027-02-26", "2026-12-14"), "2027-02-26",
			[]string{"review outcome recorded", "end date changed"}, []string{"decision to family and la M1"}, ""},
		{"continue until the agreed end changes nothing", "M1", cont("2027-01-29", "2026-12-14"), "2027-01-29",
			[]string{"review outcome recorded"}, []string{"decision to family and la M1"}, ""},
		{"continue with no date keeps the end", "M1", cont("", "2026-12-14"), "2027-01-29",
			[]string{"review outcome recorded"}, []string{"decision to family and la M1"}, ""},
		{"reintegrate: no end changed, the decision owed all the same", "M1", ReviewOutcome{Decision: DecisionReintegrate, Until: "2027-02-26"}, "2027-01-29",
			[]string{"review outcome recorded"}, []string{"decision to family and la M1"}, ""},
		{"continue needs a next meeting", "M1", cont("2027-02-26", ""), "2027-01-29", nil, nil, "needs the date of the next review meeting"},
		{"the next meeting must come after", "M1", cont("", "2026-11-30"), "2027-01-29", nil, nil, "must come after this one (Mon 30 Nov)"},
		{"not yet held", "M2", cont("", "2026-12-14"), "2027-01-29", nil, nil, "still to come"},
		{"already recorded", "M3", cont("", "2026-12-14"), "2027-01-29", nil, nil, "already recorded"},
		{"cancelled", "M4", cont("", "2026-12-14"), "2027-01-29", nil, nil, "was cancelled"},
		{"no such meeting", "M9", cont("", "2026-12-14"), "2027-01-29", nil, nil, "has no meeting M9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(past, soon, held, off)
			m, ch, err := c.RecordOutcome(as(RoleHome, tNow), tc.id, tc.out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
			} else {
				must(t, err)
				if !m.Held() || !m.Outcome.Recorded.Equal(tNow) || m.Outcome.By != homeID {
					t.Errorf("meeting %+v", m)
				}
			}
			if c.End != tc.wantEnd {
				t.Errorf("end %s, want %s", c.End, tc.wantEnd)
			}
			if got := actions(ch); !slices.Equal(got, tc.wantAudit) {
				t.Errorf("audit %v, want %v", got, tc.wantAudit)
			}
			if got := kinds(ch); !slices.Equal(got, tc.wantNotices) {
				t.Errorf("notices %v, want %v", got, tc.wantNotices)
			}
		})
	}
}

func TestAnswerInvitation(t *testing.T) {
	c := testCase(plannedOn("M1", "2026-12-09", 10, 0, InPerson), plannedOn("M2", "2026-12-01", 10, 0, InPerson))
	c.Meetings[0].Invitations = []Invitation{{To: parentID, Sent: tNow.Add(-24 * time.Hour)}}
	for i, tc := range []struct {
		answer, suggestion string
		wantNotice         bool
		wantSummary        string
	}{
		{AnswerOtherTime, "after 3pm", true, "Answer to invitation M1: asked for another time: after 3pm"},
		{AnswerYes, "ignored", false, "Answer to invitation M1: can come"},
	} {
		at := tNow.Add(time.Duration(i) * time.Hour)
		m, ch, err := c.AnswerInvitation(as(RoleParent, at), "M1", tc.answer, tc.suggestion)
		must(t, err)
		// One invitation a person: a new answer replaces the old.
		if len(m.Invitations) != 1 || m.Invitations[0].Answer != tc.answer || !m.Invitations[0].Answered.Equal(at) || !m.Invitations[0].Sent.Equal(tNow.Add(-24*time.Hour)) {
			t.Errorf("invitations %+v", m.Invitations)
		}
		if tc.answer == AnswerYes && m.Invitations[0].Suggestion != "" {
			t.Errorf("suggestion kept with a yes: %+v", m.Invitations[0])
		}
		if got := len(ch.Notices) == 1 && ch.Notices[0].Kind == NoticeSuggestion && ch.Notices[0].Text == tc.suggestion; got != tc.wantNotice {
			t.Errorf("notices %+v", ch.Notices)
		}
		if ct := c.Contacts[len(c.Contacts)-1]; ct.Summary != tc.wantSummary || !ct.Auto || ct.By != parentID {
			t.Errorf("contact %+v", ct)
		}
	}
	// Someone not invited yet (joined after) answers too, and gets an invitation entry.
	m, _, err := c.AnswerInvitation(as(RolePupil, tNow), "M1", AnswerYes, "")
	must(t, err)
	if !m.WasInvited(pupilID) || len(m.Invitations) != 2 {
		t.Errorf("invitations %+v", m.Invitations)
	}
	for _, tc := range []struct{ id, answer string }{{"M2", AnswerYes}, {"M9", AnswerYes}, {"M1", "maybe"}} {
		if _, _, err := c.AnswerInvitation(as(RoleParent, tNow), tc.id, tc.answer, ""); ErrorCode(err) != EInvalid {
			t.Errorf("answer %s %s: %v", tc.id, tc.answer, err)
		}
	}
}

func TestInvitedAndDecisionTold(t *testing.T) {
	untold := heldOn("M1", "2026-11-25", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-09"})
	ended := heldOn("M2", "2026-11-27", InPerson, ReviewOutcome{Decision: DecisionReintegrate})
	c := testCase(untold, ended, plannedOn("M3", "2026-12-09", 10, 0, InPerson))

	m, ch, err := c.Invited(as(RoleHome, tNow), "M3", "phone")
	must(t, err)
	if !m.WasInvited("outside offsitebot: phone") || ch.Audit[0].Detail != "M3 by phone" {
		t.Errorf("invited %+v %+v", m, ch.Audit)
	}
	if _, _, err := c.Invited(as(RoleHome, tNow), "M1", "phone"); ErrorCode(err) != EInvalid {
		t.Errorf("invited to a meeting held: %v", err)
	}

	ch, err = c.DecisionTold(as(RoleHome, tNow), "M1", "", "")
	must(t, err)
	if m, _ := c.Meeting("M1"); m.AwaitsTelling() || !m.Outcome.NoticeSent.Equal(tNow) || actions(ch)[0] != "decision notice given" {
		t.Errorf("told %+v", m.Outcome)
	}
	for _, id := range []string{"M1", "M2", "M3"} {
		if _, err := c.DecisionTold(as(RoleHome, tNow), id, "", ""); ErrorCode(err) != EInvalid {
			t.Errorf("told %s: %v", id, err)
		}
	}
	var summaries []string
	for _, ct := range c.Contacts {
		summaries = append(summaries, ct.ID+" "+ct.How+": "+ct.Summary)
	}
	if want := []string{"C1 phone: Invitation to review meeting M3 given", "C2 letter: Decision to continue after M1 told to parents"}; !slices.Equal(summaries, want) {
		t.Errorf("contacts %v, want %v", summaries, want)
	}
}

func TestEndCallsOffOnlyMeetingsToCome(t *testing.T) {
	held := heldOn("M1", "2026-11-25", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-02"})
	begun := plannedOn("M2", "2026-12-02", 9, 30, InPerson) // earlier today, outcome not recorded yet
	toCome := plannedOn("M3", "2026-12-09", 10, 0, InPerson)
	alreadyOff := plannedOn("M4", "2026-12-16", 10, 0, InPerson)
	alreadyOff.Cancelled = true
	c := testCase(held, begun, toCome, alreadyOff)
	ch, err := c.EndDirection(as(RoleHome, tNow), OutcomeReintegrated)
	must(t, err)
	if c.Status != Ended || c.Outcome != OutcomeReintegrated || c.EndedOn != "2026-12-02" {
		t.Errorf("ended as %s %s %s", c.Status, c.Outcome, c.EndedOn)
	}
	if got, want := meetingIDs(c), []string{"M1", "M2", "M3×", "M4×"}; !slices.Equal(got, want) {
		t.Errorf("meetings %v, want %v", got, want)
	}
	if got, want := kinds(ch), []string{"meeting cancelled to invited M3", "ended to concerned "}; !slices.Equal(got, want) {
		t.Errorf("notices %v, want %v", got, want)
	}
	if got := actions(ch); !slices.Equal(got, []string{"direction ended"}) {
		t.Errorf("audit %v", got)
	}
	if _, err := testCase().EndDirection(as(RoleHome, tNow), "expelled"); ErrorCode(err) != EInvalid {
		t.Errorf("an unknown outcome: %v", err)
	}
}

// TestOutcomePlan: the plan for reintegration or the onward pathway is kept
// with a decision to end, and has no place beside a decision to continue.
func TestOutcomePlan(t *testing.T) {
	for _, tc := range []struct {
		decision, want string
	}{
		{DecisionReintegrate, "Back at Oakfield from 1 Feb"},
		{DecisionContinue, ""},
	} {
		t.Run(tc.decision, func(t *testing.T) {
			c := testCase(heldOn("M1", "2026-12-01", InPerson, ReviewOutcome{Decision: DecisionOther, Plan: "Onward to the SEMH base"}))
			out := ReviewOutcome{Decision: tc.decision, Plan: "Back at Oakfield from 1 Feb"}
			if tc.decision == DecisionContinue {
				out.Next = "2026-12-15"
			}
			m, _, err := c.CorrectOutcome(as(RoleHome, tNow), "M1", out)
			must(t, err)
			if m.Outcome.Plan != tc.want || m.Outcome.Answer("plan") != tc.want {
				t.Errorf("plan %q, want %q", m.Outcome.Plan, tc.want)
			}
		})
	}
}
