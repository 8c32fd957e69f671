package offsitebot

import (
	"reflect"
	"testing"
	"time"
)

func datep(d Date) *Date { return &d }

// TestBreaches: each duty on both sides of its deadline, done and not done.
// The case starts Mon 30 Nov 2026, so the notice was due by Thu 26 Nov.
func TestBreaches(t *testing.T) {
	cont := func(told time.Time) ReviewOutcome {
		return ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-21", NoticeSent: told}
	}
	invited := func(m Meeting, on Date) Meeting {
		m.Invitations = []Invitation{{To: parentID, Sent: on.At(9, 0)}}
		return m
	}
	request := ReviewRequest{ID: "R1", At: ldn(2026, 12, 7, 10, 0), From: FromParent, DutyApplies: true}
	for _, tc := range []struct {
		name string
		edit func(c *Case)
		now  time.Time
		want []Breach
	}{
		{"notice given on its deadline", func(c *Case) { c.NoticeGiven = ldn(2026, 11, 26, 16, 0) }, ldn(2026, 12, 10, 9, 0), nil},
		{"notice given a day late", func(c *Case) { c.NoticeGiven = ldn(2026, 11, 27, 9, 0) }, ldn(2026, 12, 10, 9, 0),
			[]Breach{{Kind: BreachNotice, On: "2026-11-30", Deadline: "2026-11-26", Done: datep("2026-11-27")}}},
		{"notice not given, deadline today", nil, ldn(2026, 11, 26, 17, 0), nil},
		{"notice not given, deadline passed", nil, ldn(2026, 11, 27, 9, 0),
			[]Breach{{Kind: BreachNotice, On: "2026-11-30", Deadline: "2026-11-26"}}},
		{"withdrawn case", func(c *Case) { c.Status = Void }, ldn(2026, 12, 10, 9, 0), nil},

		{"invited 6 days before a meeting held", func(c *Case) {
			c.Meetings = []Meeting{invited(plannedOn("M1", "2026-12-09", 15, 30, InPerson), "2026-12-03")}
		}, ldn(2026, 12, 9, 17, 0), nil},
		{"invited 5 days before a meeting held", func(c *Case) {
			c.Meetings = []Meeting{invited(plannedOn("M1", "2026-12-09", 15, 30, InPerson), "2026-12-04")}
		}, ldn(2026, 12, 9, 17, 0), []Breach{{Kind: BreachInvitation, Subject: "M1", On: "2026-12-09", Deadline: "2026-12-03", Done: datep("2026-12-04")}}},
		{"nobody invited to a meeting held, outcome or not", func(c *Case) {
			c.Meetings = []Meeting{plannedOn("M1", "2026-12-09", 15, 30, InPerson)}
		}, ldn(2026, 12, 9, 15, 30), []Breach{{Kind: BreachInvitation, Subject: "M1", On: "2026-12-09", Deadline: "2026-12-03"}}},
		{"nobody invited yet, meeting still to come", func(c *Case) {
			c.Meetings = []Meeting{plannedOn("M1", "2026-12-09", 15, 30, InPerson)}
		}, ldn(2026, 12, 9, 15, 29), nil},
		{"nobody invited to a meeting cancelled", func(c *Case) {
			m := plannedOn("M1", "2026-12-09", 15, 30, InPerson)
			m.Cancelled = true
			c.Meetings = []Meeting{m}
		}, ldn(2026, 12, 10, 9, 0), nil},

		{"decision told on the 6th day", func(c *Case) {
			c.Meetings = []Meeting{invited(heldOn("M1", "2026-12-02", InPerson, cont(ldn(2026, 12, 8, 18, 0))), "2026-11-20")}
		}, ldn(2026, 12, 20, 9, 0), nil},
		{"decision told on the 7th day", func(c *Case) {
			c.Meetings = []Meeting{invited(heldOn("M1", "2026-12-02", InPerson, cont(ldn(2026, 12, 9, 9, 0))), "2026-11-20")}
		}, ldn(2026, 12, 20, 9, 0), []Breach{{Kind: BreachDecision, Subject: "M1", On: "2026-12-02", Deadline: "2026-12-08", Done: datep("2026-12-09")}}},
		{"decision not told, 6th day", func(c *Case) {
			c.Meetings = []Meeting{invited(heldOn("M1", "2026-12-02", InPerson, cont(time.Time{})), "2026-11-20")}
		}, ldn(2026, 12, 8, 23, 0), nil},
		{"decision not told, 7th day", func(c *Case) {
			c.Meetings = []Meeting{invited(heldOn("M1", "2026-12-02", InPerson, cont(time.Time{})), "2026-11-20")}
		}, ldn(2026, 12, 9, 0, 30), []Breach{{Kind: BreachDecision, Subject: "M1", On: "2026-12-02", Deadline: "2026-12-08"}}},

		{"request met on the 15th school day", func(c *Case) {
			c.Requests = []ReviewRequest{request}
			c.Meetings = []Meeting{invited(plannedOn("M1", "2026-12-30", 10, 0, InPerson), "2026-12-08")}
		}, ldn(2027, 1, 10, 9, 0), nil},
		{"request met on the 16th school day", func(c *Case) {
			c.Requests = []ReviewRequest{request}
			c.Meetings = []Meeting{invited(plannedOn("M1", "2026-12-31", 10, 0, InPerson), "2026-12-08")}
		}, ldn(2027, 1, 10, 9, 0), []Breach{{Kind: BreachRequest, Subject: "R1", On: "2026-12-07", Deadline: "2026-12-30", Done: datep("2026-12-31")}}},
		{"request not met, 15th school day", func(c *Case) {
			c.Requests = []ReviewRequest{request}
		}, ldn(2026, 12, 30, 18, 0), nil},
		{"request not met, meeting booked after the deadline", func(c *Case) {
			c.Requests = []ReviewRequest{request}
			c.Meetings = []Meeting{invited(plannedOn("M1", "2027-03-01", 10, 0, InPerson), "2026-12-08")}
		}, ldn(2026, 12, 31, 9, 0), []Breach{{Kind: BreachRequest, Subject: "R1", On: "2026-12-07", Deadline: "2026-12-30", Booked: "2027-03-01"}}},
		{"request the duty does not apply to", func(c *Case) {
			r := request
			r.DutyApplies = false
			c.Requests = []ReviewRequest{r}
		}, ldn(2027, 1, 10, 9, 0), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			c.NoticeGiven = ldn(2026, 11, 20, 9, 0)
			if tc.name[:6] == "notice" {
				c.NoticeGiven = time.Time{}
			}
			if tc.edit != nil {
				tc.edit(c)
			}
			got := Breaches(c, tc.now, testCalendar(), Settings{})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Breaches =\n %s\nwant\n %s", show(got), show(tc.want))
			}
		})
	}
}

func show(bs []Breach) string {
	s := ""
	for _, b := range bs {
		done := "nil"
		if b.Done != nil {
			done = string(*b.Done)
		}
		s += b.Kind + " " + b.Subject + " on " + string(b.On) + " by " + string(b.Deadline) + " done " + done + " booked " + string(b.Booked) + "; "
	}
	return s
}

// TestRequestDeadlineSetting: the number of school days is a setting.
func TestRequestDeadlineSetting(t *testing.T) {
	c := testCase()
	r := ReviewRequest{At: ldn(2026, 12, 7, 10, 0)}
	for _, tc := range []struct {
		set  Settings
		want Date
	}{
		{Settings{}, "2026-12-30"},
		{Settings{RequestMeetingSchoolDays: 5}, "2026-12-14"},
	} {
		if got := RequestDeadline(c, r, testCalendar(), tc.set); got != tc.want {
			t.Errorf("RequestDeadline(%+v) = %s, want %s", tc.set, got, tc.want)
		}
	}
}

// TestDoneOnDates: notice and decision take the day they were done, never a
// day to come; a decision can't be told before its meeting.
func TestDoneOnDates(t *testing.T) {
	now := ldn(2026, 12, 10, 11, 0)
	for _, tc := range []struct {
		name    string
		on      Date
		wantErr bool
		want    time.Time
	}{
		{"no date: now", "", false, now},
		{"today: now", "2026-12-10", false, now},
		{"yesterday: its start", "2026-12-09", false, ldn(2026, 12, 9, 0, 0)},
		{"tomorrow: refused", "2026-12-11", true, time.Time{}},
		{"before the meeting: refused", "2026-12-01", true, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(heldOn("M1", "2026-12-02", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-16"}))
			_, err := c.DecisionTold(as(RoleHome, now), "M1", tc.on, "phone")
			if (err != nil) != tc.wantErr {
				t.Fatalf("DecisionTold(%s): %v", tc.on, err)
			}
			if !tc.wantErr && !c.Meetings[0].Outcome.NoticeSent.Equal(tc.want) {
				t.Errorf("told at %v, want %v", c.Meetings[0].Outcome.NoticeSent, tc.want)
			}
			if tc.on < "2026-12-02" && tc.on != "" {
				return // a notice may be given before the meeting's date
			}
			_, err = c.RecordNotice(as(RoleHome, now), tc.on, "letter")
			if (err != nil) != tc.wantErr || (!tc.wantErr && !c.NoticeGiven.Equal(tc.want)) {
				t.Errorf("RecordNotice(%s): %v at %v", tc.on, err, c.NoticeGiven)
			}
		})
	}
}
