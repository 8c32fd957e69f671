package offsitebot

import (
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
		Meetings: []Meeting{heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{
			Decision: DecisionContinue, Next: "2026-12-18", NoticeSent: ldn(2026, 11, 20, 15, 0),
		})},
	}
}

// brief is an item reduced to what the tests compare.
type brief struct {
	Kind    string
	By      Date
	Overdue bool
	Key     string
}

func briefs(items []DueItem) []brief {
	out := make([]brief, len(items))
	for i, it := range items {
		out[i] = brief{it.Kind, it.By, it.Overdue, it.Key}
	}
	return out
}

func TestDueRepresentativeCases(t *testing.T) {
	cal := testCalendar()
	type want struct {
		brief
		text, command string
	}
	for _, tc := range []struct {
		name   string
		change func(c *Case)
		now    time.Time
		want   []want
	}{
		{
			name: "up to date: nothing due",
			now:  ldn(2026, 12, 1, 9, 0),
		},
		{
			name:   "ended case has nothing due",
			change: func(c *Case) { c.Status = Ended; c.LastSchoolContact = time.Time{} },
			now:    ldn(2026, 12, 30, 9, 0),
		},
		{
			name: "notice before the start, in time",
			change: func(c *Case) {
				*c = Case{Ref: c.Ref, Status: Active, Start: "2026-12-07"}
			},
			now: ldn(2026, 12, 2, 9, 0),
			want: []want{{brief{DueNotice, "2026-12-03", false, "notice:2026-12-07"},
				"written notice to parents must reach them by Thu 3 Dec (2 school days before the start on Mon 7 Dec)", "notice OSD-7K2Q given"}},
		},
		{
			name: "notice on its last day",
			change: func(c *Case) {
				*c = Case{Ref: c.Ref, Status: Active, Start: "2026-12-07"}
			},
			now:  ldn(2026, 12, 3, 23, 0),
			want: []want{{brief{DueNotice, "2026-12-03", false, "notice:2026-12-07"}, "must reach them by Thu 3 Dec", "notice OSD-7K2Q given"}},
		},
		{
			name: "notice late",
			change: func(c *Case) {
				*c = Case{Ref: c.Ref, Status: Active, Start: "2026-12-07"}
			},
			now: ldn(2026, 12, 4, 9, 0),
			want: []want{{brief{DueNotice, "2026-12-03", true, "notice:2026-12-07"},
				"written notice to parents was due by Thu 3 Dec (2 school days before the start on Mon 7 Dec) — send it now", "notice OSD-7K2Q given"}},
		},
		{
			name: "a notice not given before the first day stays a breach",
			change: func(c *Case) {
				*c = Case{Ref: c.Ref, Status: Active, Start: "2026-12-07"}
			},
			now: ldn(2026, 12, 7, 9, 0),
			want: []want{{brief{DueNotice, "2026-12-03", true, "notice:2026-12-07"},
				"written notice to parents was due by Thu 3 Dec (2 school days before the start on Mon 7 Dec) and is not recorded as given — give it now", "notice OSD-7K2Q given"}},
		},
		{
			name:   "contact nudge at 6 school days",
			change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-08") },
			now:    ldn(2026, 12, 8, 9, 0),
			want: []want{{brief{DueContact, "2026-12-09", false, "contact:2026-11-30"},
				"no contact with the receiving school for 6 school days — due by Wed 9 Dec", "contact OSD-7K2Q receiving phone …"}},
		},
		{
			name:   "contact overdue at 8 school days keeps the same key",
			change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-10") },
			now:    ldn(2026, 12, 10, 9, 0),
			want: []want{{brief{DueContact, "2026-12-09", true, "contact:2026-11-30"},
				"no contact with the receiving school for 8 school days — overdue, was due by Wed 9 Dec", "contact OSD-7K2Q receiving phone …"},
				{brief{DueReview, "2026-12-18", false, "review:2026-12-18"},
					"next review meeting due by Fri 18 Dec — schedule it by Sat 12 Dec so parents get 6 days' notice", ""}},
		},
		{
			name:   "attendance missing for one past day",
			change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-12-02", "2026-12-01") },
			now:    ldn(2026, 12, 3, 9, 0),
			want: []want{{brief{DueAttendance, "2026-12-01", true, "attendance:2026-12-01"},
				"attendance not confirmed for Tue 1 Dec", "attendance OSD-7K2Q 2026-12-01 AM PM"}},
		},
		{
			name:   "attendance missing for several days, weekends skipped, today not counted",
			change: func(c *Case) { c.Attendance = attended(cal, "2026-11-02", "2026-11-26") },
			now:    ldn(2026, 12, 2, 16, 0),
			want: []want{{brief{DueAttendance, "2026-11-27", true, "attendance:2026-11-27"},
				"attendance not confirmed for 3 school days, the earliest Fri 27 Nov", "attendance OSD-7K2Q 2026-11-27 AM PM"}},
		},
		{
			name: "attendance not asked for after the agreed end",
			change: func(c *Case) {
				c.End = "2026-11-27"
				c.Attendance = attended(cal, "2026-11-02", "2026-11-26")
			},
			now: ldn(2026, 12, 2, 16, 0),
			want: []want{
				{brief{DueAttendance, "2026-11-27", true, "attendance:2026-11-27"}, "attendance not confirmed for Fri 27 Nov", ""},
				{brief{DueEnd, "2026-11-27", true, "end:2026-11-27"}, "the agreed end date (Fri 27 Nov) has passed", ""},
			},
		},
		{
			name:   "notice recorded as given is no longer due",
			change: func(c *Case) { c.Start = "2026-12-07"; c.NoticeGiven = ldn(2026, 12, 1, 9, 0) },
			now:    ldn(2026, 12, 2, 9, 0),
		},
		{
			name:   "review 10 days away is not yet due",
			change: func(c *Case) { c.Meetings[0].Outcome.Next = "2026-12-11" },
			now:    ldn(2026, 12, 1, 9, 0),
		},
		{
			name:   "review 9 days away: schedule it while 6 days' notice is possible",
			change: func(c *Case) { c.Meetings[0].Outcome.Next = "2026-12-10" },
			now:    ldn(2026, 12, 1, 9, 0),
			want: []want{{brief{DueReview, "2026-12-10", false, "review:2026-12-10"},
				"next review meeting due by Thu 10 Dec — schedule it by Fri 4 Dec so parents get 6 days' notice", ""}},
		},
		{
			name:   "review 3 days away, none scheduled",
			change: func(c *Case) { c.Meetings[0].Outcome.Next = "2026-12-04" },
			now:    ldn(2026, 12, 1, 9, 0),
			want: []want{{brief{DueReview, "2026-12-04", false, "review:2026-12-04"},
				"next review meeting due by Fri 4 Dec — not yet scheduled, and parents can no longer have 6 days' notice for it", "review OSD-7K2Q schedule DATE TIME in-person|online"}},
		},
		{
			name: "review overdue",
			change: func(c *Case) {
				c.Meetings[0].Outcome.Next = "2026-12-04"
				c.LastSchoolContact = ldn(2026, 12, 7, 9, 0)
				c.Attendance = attended(cal, "2026-11-02", "2026-12-07")
			},
			now: ldn(2026, 12, 7, 9, 0),
			want: []want{{brief{DueReview, "2026-12-04", true, "review:2026-12-04"},
				"review meeting was due by Fri 4 Dec and none is scheduled — overdue", "review OSD-7K2Q schedule DATE TIME in-person|online"}},
		},
		{
			name: "invitation in good time",
			change: func(c *Case) {
				c.Meetings = append(c.Meetings, plannedOn("M2", "2026-12-10", 10, 0, Online))
			},
			now: ldn(2026, 12, 1, 9, 0),
			want: []want{{brief{DueInvitation, "2026-12-04", false, "invitation:M2"},
				"invitation for the Thu 10 Dec meeting must go to parents by Fri 4 Dec (6 days before) — no parent is linked", "link OSD-7K2Q parent"}},
		},
		{
			name: "invitation due today",
			change: func(c *Case) {
				c.Meetings = append(c.Meetings, plannedOn("M2", "2026-12-08", 10, 0, Online))
				c.LastSchoolContact = ldn(2026, 12, 1, 9, 0)
				c.Attendance = attended(cal, "2026-11-02", "2026-12-01")
			},
			now: ldn(2026, 12, 2, 9, 0),
			want: []want{{brief{DueInvitation, "2026-12-02", false, "invitation:M2"},
				"invitation for the Tue 8 Dec meeting must go to parents today (6 days before) — no parent is linked", "link OSD-7K2Q parent"}},
		},
		{
			name: "invitation late",
			change: func(c *Case) {
				c.Meetings = append(c.Meetings, plannedOn("M2", "2026-12-04", 10, 0, Online))
			},
			now: ldn(2026, 12, 1, 9, 0),
			want: []want{{brief{DueInvitation, "2026-11-28", true, "invitation:M2"},
				"invitation for the Fri 4 Dec meeting should have gone to parents by Sat 28 Nov (6 days before) — no parent is linked, invite them now", "link OSD-7K2Q parent"}},
		},
		{
			name: "invitations sent: nothing",
			change: func(c *Case) {
				m := plannedOn("M2", "2026-12-04", 10, 0, Online)
				m.Invitations = []Invitation{{To: "telegram:1", Sent: ldn(2026, 11, 27, 9, 0)}}
				c.Meetings = append(c.Meetings, m)
			},
			now: ldn(2026, 12, 1, 9, 0),
		},
		{
			name: "cancelled meeting: nothing for it",
			change: func(c *Case) {
				m := plannedOn("M2", "2026-12-04", 10, 0, Online)
				m.Cancelled = true
				c.Meetings[0].Outcome.Next = "2026-12-18"
				c.Meetings = append(c.Meetings, m)
			},
			now: ldn(2026, 12, 1, 9, 0),
		},
		{
			name: "continuation not yet told",
			change: func(c *Case) {
				c.Meetings[0].Outcome.NoticeSent = time.Time{}
			},
			now: ldn(2026, 11, 26, 9, 0),
			want: []want{{brief{DueContinuation, "2026-11-26", false, "continuation:M1"},
				"decision to continue from the Fri 20 Nov meeting must reach parents by Thu 26 Nov (6 days after)", "review OSD-7K2Q told M1"}},
		},
		{
			name: "continuation late",
			change: func(c *Case) {
				c.Meetings[0].Outcome.NoticeSent = time.Time{}
			},
			now: ldn(2026, 11, 27, 9, 0),
			want: []want{{brief{DueContinuation, "2026-11-26", true, "continuation:M1"},
				"decision to continue from the Fri 20 Nov meeting was due to parents by Thu 26 Nov (6 days after) — tell them now", ""}},
		},
		{
			name: "no continuation notice for other decisions",
			change: func(c *Case) {
				c.Meetings[0].Outcome.NoticeSent = time.Time{}
				c.Meetings[0].Outcome.Decision = DecisionReintegrate
			},
			now: ldn(2026, 11, 27, 9, 0),
			// ...and no more reviews: the direction is to be ended.
			want: []want{{brief{DueEnd, "2026-11-20", false, "end:decision:M1"},
				"the Fri 20 Nov review decided: reintegrate — end the direction when the pupil leaves", "end OSD-7K2Q reintegrated"}},
		},
		{
			name: "outcome after the meeting, same day",
			change: func(c *Case) {
				m := plannedOn("M2", "2026-12-01", 10, 0, InPerson)
				m.Invitations = []Invitation{{To: "telegram:1"}}
				c.Meetings = append(c.Meetings, m)
			},
			now:  ldn(2026, 12, 1, 11, 0),
			want: []want{{brief{DueOutcome, "2026-12-01", false, "outcome:M2"}, "outcome of the Tue 1 Dec meeting not recorded yet", "review OSD-7K2Q outcome"}},
		},
		{
			name: "outcome not before the meeting",
			change: func(c *Case) {
				m := plannedOn("M2", "2026-12-01", 10, 0, InPerson)
				m.Invitations = []Invitation{{To: "telegram:1"}}
				c.Meetings = append(c.Meetings, m)
			},
			now: ldn(2026, 12, 1, 9, 59),
		},
		{
			name: "outcome overdue the next day",
			change: func(c *Case) {
				m := plannedOn("M2", "2026-12-01", 10, 0, InPerson)
				m.Invitations = []Invitation{{To: "telegram:1"}}
				c.Meetings = append(c.Meetings, m)
				c.Attendance = attended(cal, "2026-11-02", "2026-12-01")
			},
			now:  ldn(2026, 12, 2, 9, 0),
			want: []want{{brief{DueOutcome, "2026-12-01", true, "outcome:M2"}, "outcome of the Tue 1 Dec meeting not recorded yet", ""}},
		},
		{
			name: "request where the duty does not apply",
			change: func(c *Case) {
				c.Requests = []ReviewRequest{{ID: "R1", At: ldn(2026, 12, 1, 10, 14), From: FromParent, LastMeeting: "2026-11-20"}}
				c.Meetings[0].Outcome.Next = "2026-12-18"
			},
			now: ldn(2026, 12, 1, 11, 0),
			want: []want{{brief{DueRequest, "2026-12-01", false, "request:R1"},
				"review request from parent, Tue 1 Dec — not yet scheduled (duty does not apply: met Fri 20 Nov)", "review OSD-7K2Q schedule DATE TIME in-person|online"}},
		},
		{
			name: "request where the duty applies is overdue at once",
			change: func(c *Case) {
				c.Requests = []ReviewRequest{{ID: "R1", At: ldn(2026, 12, 1, 10, 14), From: FromLA, DutyApplies: true}}
				c.Meetings[0].Outcome.Next = "2026-12-18"
			},
			now: ldn(2026, 12, 1, 11, 0),
			want: []want{{brief{DueRequest, "2026-12-01", true, "request:R1"},
				"review request from the local authority, Tue 1 Dec — not yet scheduled (duty applies: hold one as soon as reasonably practicable)", ""}},
		},
		{
			name: "answered request: nothing",
			change: func(c *Case) {
				c.Requests = []ReviewRequest{{ID: "R1", At: ldn(2026, 12, 1, 10, 14), From: FromParent, DutyApplies: true, Answered: "M2"}}
				c.Meetings[0].Outcome.Next = "2026-12-18"
			},
			now: ldn(2026, 12, 1, 11, 0),
		},
		{
			name: "no face-to-face meeting yet",
			change: func(c *Case) {
				c.Meetings[0].Mode = Online
				c.Meetings[0].Outcome.Next = "2026-12-18"
			},
			now: ldn(2026, 12, 1, 9, 0),
			want: []want{{brief{DueFaceToFace, "2026-12-18", false, "facetoface"},
				"no face-to-face review meeting yet — make the next one in person", "review OSD-7K2Q schedule DATE TIME in-person"}},
		},
		{
			name: "face to face scheduled: nothing",
			change: func(c *Case) {
				c.Meetings[0].Mode = Online
				m := plannedOn("M2", "2026-12-18", 10, 0, InPerson)
				m.Invitations = []Invitation{{To: "telegram:1"}}
				c.Meetings = append(c.Meetings, m)
			},
			now: ldn(2026, 12, 1, 9, 0),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dueCase(cal)
			if tc.change != nil {
				tc.change(c)
			}
			got := Due(c, tc.now, cal)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d items, want %d:\n%s", len(got), len(tc.want), dump(got))
			}
			for i, w := range tc.want {
				g := got[i]
				if (brief{g.Kind, g.By, g.Overdue, g.Key}) != w.brief {
					t.Errorf("item %d = %+v, want %+v", i, briefs(got)[i], w.brief)
				}
				if !strings.Contains(g.Text, w.text) {
					t.Errorf("item %d text %q lacks %q", i, g.Text, w.text)
				}
				if w.command != "" && g.Command != w.command {
					t.Errorf("item %d command %q, want %q", i, g.Command, w.command)
				}
				if g.Ref != "OSD-7K2Q" || strings.Contains(g.Text, "Sam") || strings.Contains(g.Text, "\n") {
					t.Errorf("item %d: ref %q, text %q (one line, no pupil name)", i, g.Ref, g.Text)
				}
			}
		})
	}
}

func dump(items []DueItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("  " + it.Kind + " " + string(it.By) + " " + it.Key + " " + it.Text + "\n")
	}
	return b.String()
}

// TestDueOrdering puts several things due on one case at once: overdue first,
// then by deadline, then by kind.
func TestDueOrdering(t *testing.T) {
	cal := testCalendar()
	c := dueCase(cal)
	c.Ref = "OSD-3MP8"
	c.LastSchoolContact = ldn(2026, 11, 20, 16, 0)                         // 8 school days by Wed 2 Dec
	c.Attendance = attended(cal, "2026-11-02", "2026-12-01", "2026-11-26") // one day missing
	c.Meetings[0].Mode = Online
	c.Meetings = append(c.Meetings, plannedOn("M2", "2026-12-08", 10, 0, InPerson)) // no parent linked
	c.Requests = []ReviewRequest{{ID: "R1", At: ldn(2026, 12, 2, 10, 14), From: FromParent, LastMeeting: "2026-11-20"}}
	got := briefs(Due(c, ldn(2026, 12, 2, 10, 30), cal))
	want := []brief{
		{DueAttendance, "2026-11-26", true, "attendance:2026-11-26"},
		{DueContact, "2026-12-01", true, "contact:2026-11-20"},
		{DueInvitation, "2026-12-02", false, "invitation:M2"},
		{DueRequest, "2026-12-02", false, "request:R1"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDueKeysStable(t *testing.T) {
	cal := testCalendar()
	c := dueCase(cal)
	c.Attendance = attended(cal, "2026-11-02", "2026-12-31")
	contactKey := func(now time.Time) string {
		for _, it := range Due(c, now, cal) {
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
