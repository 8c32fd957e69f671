package offsitebot

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// attended records "/ \" for every school day from from to to, except skip.
func attended(cal Calendar, from, to Date, skip ...Date) []AttendanceDay {
	var out []AttendanceDay
outer:
	for d := from; d <= to; d = d.AddDays(1) {
		for _, s := range skip {
			if s == d {
				continue outer
			}
		}
		if cal.IsSchoolDay(d) {
			out = append(out, AttendanceDay{Date: d, AM: "/", PM: `\`})
		}
	}
	return out
}

// dueCase is an active case started Mon 2 Nov 2026 with contact, attendance and
// an in-person review held (next one by 18 Dec), all up to date as of Mon 30
// Nov, so nothing is due on Tue 1 Dec.
func dueCase(cal Calendar) *Case {
	return &Case{
		Ref: "OSD-7K2Q", Status: Active, Pupil: "Sam Taylor", DOB: "2012-03-04",
		Start: "2026-11-02", NoticeGiven: ldn(2026, 10, 20, 10, 0), LastSchoolContact: ldn(2026, 11, 30, 10, 0),
		Attendance: attended(cal, "2026-11-02", "2026-11-30"),
		Contacts:   []Contact{{ID: "C1", At: ldn(2026, 11, 30, 11, 0), With: "parent", How: "phone", By: "slack:T1:UHOME", Via: Slack}},
		Meetings: []Meeting{heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{
			Decision: DecisionContinue, Next: "2026-12-18", NoticeSent: ldn(2026, 11, 20, 15, 0),
		})},
	}
}

// dueTest is one case as of a moment, and every item Due must list for it
// (Ref is filled in), most urgent first.
type dueTest struct {
	name   string
	change func(c *Case)
	now    time.Time
	want   []DueItem
}

// runDue checks each test's items whole: kind, subject, deadline, whose duty,
// key and the facts the wording needs. The keys name reminders already sent,
// so a change to one is a change to what reminders send again.
func runDue(t *testing.T, tests []dueTest) {
	t.Helper()
	cal := testCalendar()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dueCase(cal)
			if tc.change != nil {
				tc.change(c)
			}
			for i := range tc.want {
				tc.want[i].Ref = c.Ref
			}
			got := Due(c, tc.now, cal, Settings{})
			if !slices.ContainsFunc(tc.want, func(it DueItem) bool { return it.Kind == DueReply }) {
				got = withoutReplies(got) // a request's reply owed is tested on its own
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Due =\n%s\nwant\n%s", dump(got), dump(tc.want))
			}
		})
	}
}

func withoutReplies(items []DueItem) []DueItem {
	items = slices.DeleteFunc(items, func(it DueItem) bool { return it.Kind == DueReply })
	if len(items) == 0 {
		return nil
	}
	return items
}

func dump(items []DueItem) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "  %+v\n", it)
	}
	return b.String()
}

// fresh is the case started on 7 Dec, nothing done yet.
func fresh(c *Case) { *c = Case{Ref: c.Ref, Status: Active, Start: "2026-12-07"} }

func TestDueNothing(t *testing.T) {
	runDue(t, []dueTest{
		{name: "up to date", now: ldn(2026, 12, 1, 9, 0)},
		{name: "ended case", change: func(c *Case) { c.Status = Ended; c.LastSchoolContact = time.Time{} }, now: ldn(2026, 12, 30, 9, 0)},
		{name: "notice recorded as given", change: func(c *Case) { c.Start = "2026-12-07"; c.NoticeGiven = ldn(2026, 12, 1, 9, 0) }, now: ldn(2026, 12, 2, 9, 0)},
		{name: "review 10 days away", change: func(c *Case) { c.Meetings[0].Outcome.Next = "2026-12-11" }, now: ldn(2026, 12, 1, 9, 0)},
	})
}

func TestDueNotice(t *testing.T) {
	notice := DueItem{Kind: DueNotice, Subject: "2026-12-07", By: "2026-12-03", On: "2026-12-07", Party: HomeSchool, Key: "notice:2026-12-07"}
	late := notice
	late.Overdue = true
	started := late
	started.Stage = StageStarted
	runDue(t, []dueTest{
		{name: "in time", change: fresh, now: ldn(2026, 12, 2, 9, 0), want: []DueItem{notice}},
		{name: "its last day", change: fresh, now: ldn(2026, 12, 3, 23, 0), want: []DueItem{notice}},
		{name: "late", change: fresh, now: ldn(2026, 12, 4, 9, 0), want: []DueItem{late}},
		{name: "not given before the first day stays a breach", change: fresh, now: ldn(2026, 12, 7, 9, 0), want: []DueItem{started}},
	})
}

func TestDueEnd(t *testing.T) {
	cal := testCalendar()
	runDue(t, []dueTest{
		{
			name: "the agreed end has passed (attendance not asked for after it)",
			change: func(c *Case) {
				c.End = "2026-11-27"
				c.Attendance = attended(cal, "2026-11-02", "2026-11-26")
			},
			now: ldn(2026, 12, 2, 16, 0),
			want: []DueItem{
				{Kind: DueAttendance, Subject: "2026-11-27", By: "2026-11-27", Overdue: true, Party: ReceivingSchool, Key: "attendance:2026-11-27", On: "2026-11-27", Days: 1},
				{Kind: DueEnd, Subject: "2026-11-27", By: "2026-11-27", Overdue: true, Party: HomeSchool, Key: "end:2026-11-27", On: "2026-11-27"},
			},
		},
		{
			name: "the last review decided to reintegrate: no continuation notice, no more reviews",
			change: func(c *Case) {
				c.Meetings[0].Outcome.NoticeSent = time.Time{}
				c.Meetings[0].Outcome.Decision = DecisionReintegrate
			},
			now:  ldn(2026, 11, 27, 9, 0),
			want: []DueItem{{Kind: DueEnd, Subject: "M1", By: "2026-11-20", Party: HomeSchool, Key: "end:decision:M1", On: "2026-11-20", Decision: DecisionReintegrate}},
		},
	})
}

func TestDueContact(t *testing.T) {
	cal := testCalendar()
	// Last contact Mon 30 Nov: due Mon 7 Dec, a nudge from Fri 4 Dec.
	contact := DueItem{Kind: DueContact, Subject: "2026-11-30", By: "2026-12-07", Party: BothSchools, Key: "contact:2026-11-30", Days: 4}
	overdue := contact
	overdue.Overdue, overdue.Days = true, 8
	runDue(t, []dueTest{
		{name: "nothing the day before the nudge", change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-03") },
			now: ldn(2026, 12, 3, 9, 0)},
		{name: "nudge on the school day before", change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-04") },
			now: ldn(2026, 12, 4, 9, 0), want: []DueItem{contact}},
		{name: "overdue the day after, same key", change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-08") },
			now: ldn(2026, 12, 8, 9, 0), want: []DueItem{overdue}},
	})
}

func TestDueAttendance(t *testing.T) {
	cal := testCalendar()
	runDue(t, []dueTest{
		{name: "one past day", change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-02", "2026-12-01") },
			now:  ldn(2026, 12, 3, 9, 0),
			want: []DueItem{{Kind: DueAttendance, Subject: "2026-12-01", By: "2026-12-01", Overdue: true, Party: ReceivingSchool, Key: "attendance:2026-12-01", On: "2026-12-01", Days: 1}}},
		{name: "several days, weekends skipped, today not counted", change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-11-26") },
			now:  ldn(2026, 12, 2, 16, 0),
			want: []DueItem{{Kind: DueAttendance, Subject: "2026-11-27", By: "2026-11-27", Overdue: true, Party: ReceivingSchool, Key: "attendance:2026-11-27", On: "2026-11-27", Days: 3}}},
	})
}

func TestDueReview(t *testing.T) {
	cal := testCalendar()
	review := func(by Date) DueItem {
		return DueItem{Kind: DueReview, Subject: string(by), By: by, Party: HomeSchool, Key: "review:" + string(by)}
	}
	tooLate, overdue := review("2026-12-04"), review("2026-12-04")
	tooLate.Stage, overdue.Overdue = StageTooLate, true
	runDue(t, []dueTest{
		{name: "9 days away: while 6 days' notice is possible", change: func(c *Case) { c.Meetings[0].Outcome.Next = "2026-12-10" },
			now: ldn(2026, 12, 1, 9, 0), want: []DueItem{review("2026-12-10")}},
		{name: "3 days away, none scheduled", change: func(c *Case) { c.Meetings[0].Outcome.Next = "2026-12-04" },
			now: ldn(2026, 12, 1, 9, 0), want: []DueItem{tooLate}},
		{name: "overdue", change: func(c *Case) {
			c.Meetings[0].Outcome.Next = "2026-12-04"
			c.LastSchoolContact = ldn(2026, 12, 7, 9, 0)
			c.Attendance = attended(cal, "2026-11-02", "2026-12-07")
		}, now: ldn(2026, 12, 7, 9, 0), want: []DueItem{overdue}},
	})
}

func TestDueInvitation(t *testing.T) {
	cal := testCalendar()
	plan := func(d Date, invited bool) func(c *Case) {
		return func(c *Case) {
			m := plannedOn("M2", d, 10, 0, Online)
			if invited {
				m.Invitations = []Invitation{{To: "telegram:1", Sent: ldn(2026, 11, 27, 9, 0)}}
			}
			c.Meetings = append(c.Meetings, m)
		}
	}
	invitation := func(on, by Date) DueItem {
		return DueItem{Kind: DueInvitation, Subject: "M2", By: by, On: on, Party: HomeSchool, Key: "invitation:M2"}
	}
	lastDay, late := invitation("2026-12-08", "2026-12-02"), invitation("2026-12-04", "2026-11-28")
	lastDay.Stage, late.Overdue = StageLastDay, true
	runDue(t, []dueTest{
		{name: "in good time", change: plan("2026-12-10", false), now: ldn(2026, 12, 1, 9, 0), want: []DueItem{invitation("2026-12-10", "2026-12-04")}},
		{name: "today", change: func(c *Case) {
			plan("2026-12-08", false)(c)
			c.LastSchoolContact = ldn(2026, 12, 1, 9, 0)
			c.Attendance = attended(cal, "2026-11-02", "2026-12-01")
		}, now: ldn(2026, 12, 2, 9, 0), want: []DueItem{lastDay}},
		{name: "late", change: plan("2026-12-04", false), now: ldn(2026, 12, 1, 9, 0), want: []DueItem{late}},
		{name: "sent: nothing", change: plan("2026-12-04", true), now: ldn(2026, 12, 1, 9, 0)},
		{name: "cancelled meeting: nothing for it", change: func(c *Case) {
			plan("2026-12-04", false)(c)
			c.Meetings[1].Cancelled = true
		}, now: ldn(2026, 12, 1, 9, 0)},
	})
}

func TestDueContinuation(t *testing.T) {
	untold := func(c *Case) { c.Meetings[0].Outcome.NoticeSent = time.Time{} }
	told := DueItem{Kind: DueContinuation, Subject: "M1", By: "2026-11-26", On: "2026-11-20", Party: HomeSchool, Key: "continuation:M1"}
	late := told
	late.Overdue = true
	runDue(t, []dueTest{
		{name: "not yet told", change: untold, now: ldn(2026, 11, 26, 9, 0), want: []DueItem{told}},
		{name: "late", change: untold, now: ldn(2026, 11, 27, 9, 0), want: []DueItem{late}},
	})
}

func TestDueOutcome(t *testing.T) {
	cal := testCalendar()
	meeting := func(c *Case) {
		m := plannedOn("M2", "2026-12-01", 10, 0, InPerson)
		m.Invitations = []Invitation{{To: "telegram:1"}}
		c.Meetings = append(c.Meetings, m)
	}
	outcome := DueItem{Kind: DueOutcome, Subject: "M2", By: "2026-12-01", On: "2026-12-01", Party: HomeSchool, Key: "outcome:M2"}
	overdue := outcome
	overdue.Overdue = true
	runDue(t, []dueTest{
		{name: "after the meeting, same day", change: meeting, now: ldn(2026, 12, 1, 11, 0), want: []DueItem{outcome}},
		{name: "not before the meeting", change: meeting, now: ldn(2026, 12, 1, 9, 59)},
		{name: "overdue the next day", change: func(c *Case) {
			meeting(c)
			c.Attendance = attended(cal, "2026-11-02", "2026-12-01")
		}, now: ldn(2026, 12, 2, 9, 0), want: []DueItem{overdue}},
	})
}

func TestDueRequest(t *testing.T) {
	request := func(r ReviewRequest) func(c *Case) {
		return func(c *Case) { c.Requests = []ReviewRequest{r} }
	}
	at := ldn(2026, 12, 1, 10, 14)
	runDue(t, []dueTest{
		{name: "the duty does not apply", change: request(ReviewRequest{ID: "R1", At: at, From: FromParent, LastMeeting: "2026-11-20"}),
			now:  ldn(2026, 12, 1, 11, 0),
			want: []DueItem{{Kind: DueRequest, Subject: "R1", By: "2026-12-01", On: "2026-12-01", Party: HomeSchool, Key: "request:R1", From: FromParent, LastMet: "2026-11-20"}}},
		{name: "the duty applies: overdue at once", change: request(ReviewRequest{ID: "R1", At: at, From: FromLA, DutyApplies: true}),
			now:  ldn(2026, 12, 1, 11, 0),
			want: []DueItem{{Kind: DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", Overdue: true, Party: HomeSchool, Key: "request:R1", From: FromLA, DutyApplies: true}}},
		{name: "booked within 15 school days: due until held", change: func(c *Case) {
			request(ReviewRequest{ID: "R1", At: at, From: FromParent, DutyApplies: true, Answered: "M2"})(c)
			c.Meetings = append(c.Meetings, invitedTo(plannedOn("M2", "2026-12-22", 10, 0, InPerson)))
		}, now: ldn(2026, 12, 1, 11, 0),
			want: []DueItem{{Kind: DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", Party: HomeSchool, Key: "request:R1", From: FromParent, DutyApplies: true, Booked: "2026-12-22"}}},
		{name: "booked after 15 school days: flagged", change: func(c *Case) {
			request(ReviewRequest{ID: "R1", At: at, From: FromParent, DutyApplies: true, Answered: "M2"})(c)
			c.Meetings = append(c.Meetings, invitedTo(plannedOn("M2", "2026-12-23", 10, 0, InPerson)))
		}, now: ldn(2026, 12, 1, 11, 0),
			want: []DueItem{{Kind: DueRequest, Subject: "R1", By: "2026-12-22", On: "2026-12-01", Overdue: true, Party: HomeSchool, Key: "request:R1", From: FromParent, DutyApplies: true, Booked: "2026-12-23", Far: true}}},
		{name: "no face-to-face meeting yet: the next in person", change: func(c *Case) {
			request(ReviewRequest{ID: "R1", At: at, From: FromParent, LastMeeting: "2026-11-20"})(c)
			c.Meetings[0].Mode = Online
		}, now: ldn(2026, 12, 1, 11, 0),
			want: []DueItem{
				{Kind: DueRequest, Subject: "R1", By: "2026-12-01", On: "2026-12-01", Party: HomeSchool, Key: "request:R1", From: FromParent, LastMet: "2026-11-20", InPerson: true},
				{Kind: DueFaceToFace, By: "2026-12-18", Party: HomeSchool, Key: "facetoface", InPerson: true},
			}},
		{name: "a meeting held after it, outcome not recorded yet: nothing", change: func(c *Case) {
			c.Attendance = attended(testCalendar(), "2026-11-02", "2026-12-02")
			request(ReviewRequest{ID: "R1", At: at, From: FromParent, DutyApplies: true, Answered: "M2"})(c)
			c.Meetings = append(c.Meetings, invitedTo(plannedOn("M2", "2026-12-03", 10, 0, InPerson)))
		}, now: ldn(2026, 12, 3, 10, 30), want: []DueItem{{Kind: DueOutcome, Subject: "M2", By: "2026-12-03", On: "2026-12-03", Party: HomeSchool, Key: "outcome:M2"}}},
		{name: "answered by the duty-free rule: nothing", change: request(ReviewRequest{ID: "R1", At: at, From: FromParent, LastMeeting: "2026-11-20", Answered: "M2"}),
			now: ldn(2026, 12, 1, 11, 0)},
	})
}

// invitedTo is m with a parent invited in good time.
func invitedTo(m Meeting) Meeting {
	m.Invitations = []Invitation{{To: "telegram:1", Sent: m.At.AddDate(0, 0, -10)}}
	return m
}

// TestFarMeetingHidesNoReview: a meeting booked after the review date does
// not meet it; one booked on it does.
func TestFarMeetingHidesNoReview(t *testing.T) {
	upToDate := func(c *Case) {
		c.Attendance = attended(testCalendar(), "2026-11-02", "2026-12-09")
		c.LastSchoolContact = ldn(2026, 12, 9, 10, 0)
	}
	runDue(t, []dueTest{
		{name: "booked on the review date", change: func(c *Case) {
			upToDate(c)
			c.Meetings = append(c.Meetings, invitedTo(plannedOn("M2", "2026-12-18", 10, 0, InPerson)))
		}, now: ldn(2026, 12, 10, 9, 0)},
		{name: "booked the day after", change: func(c *Case) {
			upToDate(c)
			c.Meetings = append(c.Meetings, invitedTo(plannedOn("M2", "2026-12-19", 10, 0, InPerson)))
		}, now: ldn(2026, 12, 10, 9, 0),
			want: []DueItem{{Kind: DueReview, Subject: "2026-12-18", By: "2026-12-18", Party: HomeSchool, Key: "review:2026-12-18", Booked: "2026-12-19"}}},
	})
}

func TestDueFaceToFace(t *testing.T) {
	runDue(t, []dueTest{
		{name: "none yet", change: func(c *Case) { c.Meetings[0].Mode = Online }, now: ldn(2026, 12, 1, 9, 0),
			want: []DueItem{{Kind: DueFaceToFace, By: "2026-12-18", Party: HomeSchool, Key: "facetoface", InPerson: true}}},
		{name: "one scheduled: nothing", change: func(c *Case) {
			c.Meetings[0].Mode = Online
			m := plannedOn("M2", "2026-12-18", 10, 0, InPerson)
			m.Invitations = []Invitation{{To: "telegram:1"}}
			c.Meetings = append(c.Meetings, m)
		}, now: ldn(2026, 12, 1, 9, 0)},
	})
}

// TestDueOrdering puts several things due on one case at once: overdue first,
// then by deadline, then by kind.
func TestDueOrdering(t *testing.T) {
	cal := testCalendar()
	c := dueCase(cal)
	c.Ref = "OSD-3MP8"
	c.LastSchoolContact = ldn(2026, 11, 20, 16, 0)                         // due Fri 27 Nov
	c.Attendance = attended(cal, "2026-11-02", "2026-12-01", "2026-11-26") // one day missing
	c.Meetings[0].Mode = Online
	c.Meetings = append(c.Meetings, plannedOn("M2", "2026-12-08", 10, 0, InPerson)) // no parent linked
	c.Requests = []ReviewRequest{{ID: "R1", At: ldn(2026, 12, 2, 10, 14), From: FromParent, LastMeeting: "2026-11-20"}}
	var got []string
	for _, it := range withoutReplies(Due(c, ldn(2026, 12, 2, 10, 30), cal, Settings{})) {
		got = append(got, fmt.Sprint(it.Key, " ", it.By, " ", it.Overdue))
	}
	want := []string{
		"attendance:2026-11-26 2026-11-26 true",
		"contact:2026-11-20 2026-11-27 true",
		"invitation:M2 2026-12-02 false",
		"request:R1 2026-12-02 false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

func TestDueKeysStable(t *testing.T) {
	cal := testCalendar()
	c := dueCase(cal)
	c.Attendance = attended(cal, "2026-11-02", "2026-12-31")
	contactKey := func(now time.Time) string {
		for _, it := range Due(c, now, cal, Settings{}) {
			if it.Kind == DueContact {
				return it.Key
			}
		}
		return ""
	}
	nudge, overdue := contactKey(ldn(2026, 12, 8, 9, 0)), contactKey(ldn(2026, 12, 14, 9, 0))
	if nudge == "" || nudge != overdue {
		t.Errorf("contact key changed between the nudge (%q) and the escalation (%q)", nudge, overdue)
	}
	c.LastSchoolContact = ldn(2026, 12, 14, 12, 0)
	if after := contactKey(ldn(2026, 12, 22, 9, 0)); after == "" || after == nudge {
		t.Errorf("a new contact must start a new obligation: %q then %q", nudge, after)
	}
}

func TestSortDue(t *testing.T) {
	items := []DueItem{
		{Ref: "OSD-B", Kind: DueReview, By: "2026-12-04"},
		{Ref: "OSD-A", Kind: DueContact, By: "2026-12-09"},
		{Ref: "OSD-B", Kind: DueInvitation, By: "2026-12-02"},
		{Ref: "OSD-A", Kind: DueInvitation, By: "2026-12-02"},
		{Ref: "OSD-C", Kind: DueAttendance, By: "2026-11-30", Overdue: true},
		{Ref: "OSD-A", Kind: DueContact, By: "2026-12-01", Overdue: true},
		{Ref: "OSD-A", Kind: DueRequest, By: "2026-12-02", Key: "request:R2"},
		{Ref: "OSD-A", Kind: DueRequest, By: "2026-12-02", Key: "request:R1"},
	}
	SortDue(items)
	want := []string{
		"OSD-C attendance 2026-11-30",
		"OSD-A contact 2026-12-01",
		"OSD-A invitation 2026-12-02",
		"OSD-B invitation 2026-12-02",
		"OSD-A request 2026-12-02 request:R1",
		"OSD-A request 2026-12-02 request:R2",
		"OSD-B review 2026-12-04",
		"OSD-A contact 2026-12-09",
	}
	for i, it := range items {
		got := strings.TrimSpace(it.Ref + " " + it.Kind + " " + string(it.By) + " " + it.Key)
		if got != want[i] {
			t.Errorf("position %d = %q, want %q", i, got, want[i])
		}
	}
}

// TestDueFamilyAndEndPlan: home staff are nudged after 14 calendar days
// without contact with the family (the bot's own messages don't count), and
// 10 school days before the agreed end to plan reintegration or the onward
// pathway, unless a review already decided how the direction ends.
func TestDueFamilyAndEndPlan(t *testing.T) {
	cal := testCalendar()
	ofKind := func(items []DueItem, kind string) []DueItem {
		return slices.DeleteFunc(items, func(it DueItem) bool { return it.Kind != kind })
	}
	for _, tc := range []struct {
		name   string
		change func(c *Case)
		now    time.Time
		kind   string
		want   []DueItem
	}{
		{"family: 13 days", nil, ldn(2026, 12, 13, 9, 0), DueFamily, []DueItem{}},
		{"family: 14 days", nil, ldn(2026, 12, 14, 9, 0), DueFamily,
			[]DueItem{{Ref: "OSD-7K2Q", Kind: DueFamily, Subject: "2026-11-30", By: "2026-12-14", On: "2026-11-30", Days: 14, Party: HomeSchool, Key: "family:2026-11-30"}}},
		{"family: the bot's messages don't count", func(c *Case) { c.autoContact(ldn(2026, 12, 10, 9, 0), "Invitation sent") }, ldn(2026, 12, 14, 9, 0), DueFamily,
			[]DueItem{{Ref: "OSD-7K2Q", Kind: DueFamily, Subject: "2026-11-30", By: "2026-12-14", On: "2026-11-30", Days: 14, Party: HomeSchool, Key: "family:2026-11-30"}}},
		{"family: a professional counts", func(c *Case) {
			c.addContact(Contact{At: ldn(2026, 12, 10, 9, 0), With: "professional", How: "email", By: "slack:T1:UHOME", Via: Slack})
		}, ldn(2026, 12, 14, 9, 0), DueFamily, []DueItem{}},
		{"family: a case as lists read it, without its contacts", func(c *Case) {
			c.addContact(Contact{At: ldn(2026, 12, 10, 9, 0), With: "parent", How: "phone", By: "slack:T1:UHOME", Via: Slack})
			c.Contacts = nil
		}, ldn(2026, 12, 14, 9, 0), DueFamily, []DueItem{}},
		{"family: a case stored before the latest was kept beside the contacts", func(c *Case) {
			c.Contacts = append(c.Contacts, Contact{At: ldn(2026, 12, 10, 9, 0), With: "parent", How: "phone", By: "slack:T1:UHOME", Via: Slack})
		}, ldn(2026, 12, 14, 9, 0), DueFamily, []DueItem{}},
		{"end plan: 11 school days before", func(c *Case) { c.End = "2027-01-29" }, ldn(2027, 1, 14, 9, 0), DueEndPlan, []DueItem{}},
		{"end plan: 10 school days before", func(c *Case) { c.End = "2027-01-29" }, ldn(2027, 1, 15, 9, 0), DueEndPlan,
			[]DueItem{{Ref: "OSD-7K2Q", Kind: DueEndPlan, Subject: "2027-01-29", By: "2027-01-29", On: "2027-01-29", Party: HomeSchool, Key: "endplan:2027-01-29"}}},
		{"end plan: a setting", func(c *Case) { c.End = "2027-01-29" }, ldn(2027, 1, 14, 9, 0), DueEndPlan, nil},
		{"end plan: already decided to end", func(c *Case) {
			c.End = "2027-01-29"
			c.Meetings = append(c.Meetings, heldOn("M2", "2027-01-08", InPerson, ReviewOutcome{Decision: DecisionReintegrate, Plan: "Back to Oakfield from 1 Feb"}))
		}, ldn(2027, 1, 15, 9, 0), DueEndPlan, []DueItem{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dueCase(cal)
			if tc.change != nil {
				tc.change(c)
			}
			set := Settings{}
			want := tc.want
			if want == nil { // the setting: 11 school days
				set.EndPlanSchoolDays = 11
				want = []DueItem{{Ref: "OSD-7K2Q", Kind: DueEndPlan, Subject: "2027-01-29", By: "2027-01-29", On: "2027-01-29", Party: HomeSchool, Key: "endplan:2027-01-29"}}
			}
			if got := ofKind(Due(c, tc.now, cal, set), tc.kind); !reflect.DeepEqual(got, want) {
				t.Errorf("Due =\n%s\nwant\n%s", dump(got), dump(want))
			}
		})
	}
}
