package offsitebot

import (
	"strings"
	"testing"
	"time"
)

// ldn is a wall-clock time in London.
func ldn(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, London)
}

// heldOn is a meeting held at 10:00 London on d, with an outcome.
func heldOn(id string, d Date, mode string, out ReviewOutcome) Meeting {
	return Meeting{ID: id, At: d.At(10, 0), Mode: mode, Outcome: &out}
}

// plannedOn is a meeting scheduled for hh:mm London on d, not yet held.
func plannedOn(id string, d Date, h, mi int, mode string) Meeting {
	return Meeting{ID: id, At: d.At(h, mi), Mode: mode}
}

func TestDeadlines(t *testing.T) {
	for _, tc := range []struct {
		name         string
		meeting      Date
		invite, cont Date
	}{
		{"midweek", "2026-12-08", "2026-12-02", "2026-12-14"},
		{"across a month end", "2026-12-03", "2026-11-27", "2026-12-09"},
		{"across a year end", "2027-01-04", "2026-12-29", "2027-01-10"},
		{"across the spring clock change", "2026-04-01", "2026-03-26", "2026-04-07"},
		{"across a leap day", "2028-03-03", "2028-02-26", "2028-03-09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := InvitationDeadline(tc.meeting); got != tc.invite {
				t.Errorf("InvitationDeadline(%s) = %s, want %s", tc.meeting, got, tc.invite)
			}
			if got := ContinuationDeadline(tc.meeting); got != tc.cont {
				t.Errorf("ContinuationDeadline(%s) = %s, want %s", tc.meeting, got, tc.cont)
			}
		})
	}
}

func TestShortNotice(t *testing.T) {
	for _, tc := range []struct {
		name      string
		meeting   time.Time
		now       time.Time
		wantDays  int
		wantShort bool
	}{
		{"7 days ahead", ldn(2026, 12, 8, 10, 0), ldn(2026, 12, 1, 10, 0), 7, false},
		{"6 days ahead is enough", ldn(2026, 12, 8, 10, 0), ldn(2026, 12, 2, 10, 0), 6, false},
		{"6 days ahead, late in the evening", ldn(2026, 12, 8, 9, 0), ldn(2026, 12, 2, 23, 59), 6, false},
		{"5 days ahead is short", ldn(2026, 12, 8, 10, 0), ldn(2026, 12, 3, 10, 0), 5, true},
		{"5 days ahead, just after midnight", ldn(2026, 12, 8, 23, 0), ldn(2026, 12, 3, 0, 1), 5, true},
		{"same day", ldn(2026, 12, 8, 15, 0), ldn(2026, 12, 8, 9, 0), 0, true},
		{"already passed", ldn(2026, 12, 8, 10, 0), ldn(2026, 12, 9, 10, 0), -1, true},
		{"across the October clock change", ldn(2026, 10, 27, 10, 0), ldn(2026, 10, 21, 10, 0), 6, false},
		{"across the October clock change, an hour more", ldn(2026, 10, 27, 0, 30), ldn(2026, 10, 21, 23, 30), 6, false},
		{"across the March clock change", ldn(2026, 4, 1, 10, 0), ldn(2026, 3, 26, 10, 0), 6, false},
		// 5 days 23 hours of real time, but six London dates apart.
		{"across the March clock change, an hour less", ldn(2026, 4, 1, 0, 30), ldn(2026, 3, 26, 0, 30), 6, false},
		{"across the March clock change, 5 days", ldn(2026, 3, 31, 23, 30), ldn(2026, 3, 26, 0, 30), 5, true},
		{"times in other zones are read in London", ldn(2026, 6, 8, 0, 30).UTC(), ldn(2026, 6, 2, 0, 30).UTC(), 6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, short := ShortNotice(tc.meeting, tc.now)
			if days != tc.wantDays || short != tc.wantShort {
				t.Errorf("ShortNotice = %d, %v; want %d, %v", days, short, tc.wantDays, tc.wantShort)
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dob, d Date
		want   int
	}{
		{"18th birthday", "2008-11-27", "2026-11-27", 18},
		{"day before the 18th birthday", "2008-11-27", "2026-11-26", 17},
		{"day after", "2008-11-27", "2026-11-28", 18},
		{"earlier month", "2008-11-27", "2026-10-30", 17},
		{"later month", "2008-11-27", "2026-12-01", 18},
		{"leap-day birthday, 28 Feb in a non-leap year", "2008-02-29", "2026-02-28", 17},
		{"leap-day birthday, 1 Mar in a non-leap year", "2008-02-29", "2026-03-01", 18},
		{"leap-day birthday in a leap year", "2012-02-29", "2030-02-28", 17},
		{"impossible date of birth", "2010-02-29", "2028-02-29", 0},
		{"leap-day birthday, 29 Feb of a leap year", "2008-02-29", "2028-02-29", 20},
		{"day of birth", "2010-05-01", "2010-05-01", 0},
		{"before birth", "2010-05-01", "2009-05-01", 0},
		{"missing dob", "", "2026-05-01", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AgeOn(tc.dob, tc.d); got != tc.want {
				t.Errorf("AgeOn(%s, %s) = %d, want %d", tc.dob, tc.d, got, tc.want)
			}
		})
	}
}

func TestCheckRequestWho(t *testing.T) {
	pupil := &Case{Ref: "OSD-7K2Q", DOB: "2008-11-27", Start: "2026-11-02"}
	ehcp := &Case{Ref: "OSD-3MP8", DOB: "2012-03-04", EHCP: true, Start: "2026-11-02"}
	noEHCP := &Case{Ref: "OSD-3MP9", DOB: "2012-03-04", Start: "2026-11-02"}
	summerBirthday := &Case{Ref: "OSD-4ABC", DOB: "2008-06-15", Start: "2026-05-01"}
	leapDay := &Case{Ref: "OSD-4ABD", DOB: "2008-02-29", Start: "2026-01-05"}
	noDOB := &Case{Ref: "OSD-4ABE", Start: "2026-01-05"}
	for _, tc := range []struct {
		name     string
		c        *Case
		from     string
		at       time.Time
		wantCode string
		wantText []string
	}{
		{"parent", noEHCP, FromParent, ldn(2026, 12, 2, 10, 14), "", nil},
		{"parent, typed loosely", noEHCP, " Parent ", ldn(2026, 12, 2, 10, 14), "", nil},
		{"pupil who turns 18 that day", pupil, FromPupil, ldn(2026, 11, 27, 8, 0), "", nil},
		{"pupil the day before they turn 18", pupil, FromPupil, ldn(2026, 11, 26, 23, 59), EForbidden, []string{"18", "27 Nov 2026", "parent or carer"}},
		{"pupil just after midnight in summer time", summerBirthday, FromPupil, time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC), "", nil},
		{"pupil just before midnight in summer time", summerBirthday, FromPupil, time.Date(2026, 6, 14, 22, 30, 0, 0, time.UTC), EForbidden, []string{"15 Jun 2026"}},
		{"leap-day pupil on 28 Feb", leapDay, FromPupil, ldn(2026, 2, 28, 12, 0), EForbidden, []string{"1 Mar 2026"}},
		{"leap-day pupil on 1 Mar", leapDay, FromPupil, ldn(2026, 3, 1, 12, 0), "", nil},
		{"pupil with no date of birth", noDOB, FromPupil, ldn(2026, 3, 1, 12, 0), EForbidden, []string{"no date of birth", "parent or carer"}},
		{"LA with an EHC plan", ehcp, FromLA, ldn(2026, 12, 2, 10, 0), "", nil},
		{"LA without an EHC plan", noEHCP, FromLA, ldn(2026, 12, 2, 10, 0), EForbidden, []string{"EHC plan", "OSD-3MP9", "none recorded"}},
		{"someone else", noEHCP, "receiving", ldn(2026, 12, 2, 10, 0), EInvalid, []string{`"receiving"`, "parent, pupil", "la"}},
		{"nobody", noEHCP, "", ldn(2026, 12, 2, 10, 0), EInvalid, []string{"parent, pupil"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := CheckRequest(tc.c, tc.from, tc.at)
			if got := ErrorCode(err); got != tc.wantCode {
				t.Fatalf("error %v, want code %q", err, tc.wantCode)
			}
			if err == nil {
				if !rc.DutyApplies || rc.Explanation == "" {
					t.Errorf("no meeting held, so the duty applies: %+v", rc)
				}
				return
			}
			for _, w := range tc.wantText {
				if !strings.Contains(ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", ErrorMessage(err), w)
				}
			}
		})
	}
}

func TestCheckRequestTenWeeks(t *testing.T) {
	request := ldn(2026, 12, 2, 10, 14) // Wednesday 2 December
	for _, tc := range []struct {
		name     string
		meetings []Meeting
		wantDuty bool
		wantLast Date
		wantText string
	}{
		{"no meeting ever", nil, true, "",
			"No review meeting has been held in the last 10 weeks, so the school must hold one as soon as reasonably practicable."},
		{"held 20 Nov", []Meeting{heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{})}, false, "2026-11-20",
			"A review meeting was held on 20 Nov, within the last 10 weeks, so the school doesn't have to hold another one yet, but they will read your request and reply."},
		{"held the same day", []Meeting{heldOn("M1", "2026-12-02", InPerson, ReviewOutcome{})}, false, "2026-12-02", "held on 2 Dec"},
		{"held 69 days before", []Meeting{heldOn("M1", "2026-09-24", Online, ReviewOutcome{})}, false, "2026-09-24", "held on 24 Sep"},
		{"held 70 days before counts", []Meeting{heldOn("M1", "2026-09-23", Online, ReviewOutcome{})}, false, "2026-09-23", "held on 23 Sep"},
		{"held 71 days before does not", []Meeting{heldOn("M1", "2026-09-22", Online, ReviewOutcome{})}, true, "2026-09-22",
			"The last review meeting was held on 22 Sep, more than 10 weeks ago, so the school must hold one as soon as reasonably practicable."},
		{"the latest held meeting counts", []Meeting{
			heldOn("M1", "2026-09-01", Online, ReviewOutcome{}),
			heldOn("M2", "2026-10-01", Online, ReviewOutcome{}),
			heldOn("M0", "2026-08-01", Online, ReviewOutcome{}),
		}, false, "2026-10-01", "held on 1 Oct"},
		{"a cancelled meeting does not count", []Meeting{func() Meeting {
			m := heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{})
			m.Cancelled = true
			return m
		}()}, true, "", "No review meeting"},
		{"a meeting whose time came, outcome not recorded yet, was held", []Meeting{plannedOn("M1", "2026-11-20", 10, 0, InPerson)}, false, "2026-11-20", "held on 20 Nov"},
		{"its outcome not recorded, 71 days before, does not", []Meeting{plannedOn("M1", "2026-09-22", 10, 0, InPerson)}, true, "2026-09-22", "more than 10 weeks ago"},
		{"a meeting later the same day is still to come", []Meeting{plannedOn("M1", "2026-12-02", 16, 0, InPerson)}, true, "", "No review meeting"},
		{"a meeting after the request does not count", []Meeting{heldOn("M1", "2026-12-03", InPerson, ReviewOutcome{})}, true, "", "No review meeting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Ref: "OSD-7K2Q", DOB: "2012-03-04", Start: "2026-09-01", Meetings: tc.meetings}
			rc, err := CheckRequest(c, FromParent, request)
			if err != nil {
				t.Fatal(err)
			}
			if rc.DutyApplies != tc.wantDuty || rc.LastMeeting != tc.wantLast {
				t.Errorf("got duty %v, last %q; want %v, %q", rc.DutyApplies, rc.LastMeeting, tc.wantDuty, tc.wantLast)
			}
			if !strings.Contains(rc.Explanation, tc.wantText) {
				t.Errorf("explanation %q lacks %q", rc.Explanation, tc.wantText)
			}
		})
	}
}

func TestLastAndNextMeeting(t *testing.T) {
	cancelled := plannedOn("X", "2026-12-03", 9, 0, InPerson)
	cancelled.Cancelled = true
	c := &Case{Meetings: []Meeting{
		heldOn("M1", "2026-11-06", Online, ReviewOutcome{}),
		heldOn("M2", "2026-11-20", Online, ReviewOutcome{}),
		plannedOn("M4", "2026-12-15", 10, 0, InPerson),
		plannedOn("M3", "2026-12-02", 9, 0, InPerson),
		cancelled,
		plannedOn("M0", "2026-11-25", 9, 0, InPerson), // passed, outcome never recorded
	}}
	for _, tc := range []struct {
		name     string
		now      time.Time
		wantLast string
		wantNext string
	}{
		{"before any meeting", ldn(2026, 11, 1, 9, 0), "", "M0"},
		{"on the first meeting, before it", ldn(2026, 11, 6, 9, 59), "", "M0"},
		{"on the first meeting, at it", ldn(2026, 11, 6, 10, 0), "M1", "M0"},
		{"between", ldn(2026, 11, 30, 9, 0), "M2", "M3"},
		{"a meeting earlier today is still next", ldn(2026, 12, 2, 16, 0), "M2", "M3"},
		{"the day after", ldn(2026, 12, 3, 8, 0), "M2", "M4"},
		{"after all", ldn(2026, 12, 16, 8, 0), "M2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			last, ok := LastHeldMeeting(c, tc.now)
			if ok != (tc.wantLast != "") || last.ID != tc.wantLast {
				t.Errorf("LastHeldMeeting = %q, %v; want %q", last.ID, ok, tc.wantLast)
			}
			next, ok := NextMeeting(c, tc.now)
			if ok != (tc.wantNext != "") || next.ID != tc.wantNext {
				t.Errorf("NextMeeting = %q, %v; want %q", next.ID, ok, tc.wantNext)
			}
		})
	}
}

func TestReviewDue(t *testing.T) {
	for _, tc := range []struct {
		name     string
		meetings []Meeting
		want     Date
		now      time.Time // zero: 1 Jan 2027, after every meeting
	}{
		{"no meeting: 14 days after the start", nil, "2026-11-16", time.Time{}},
		{"only scheduled: still from the start", []Meeting{plannedOn("M1", "2026-11-10", 9, 0, InPerson)}, "2026-11-16", ldn(2026, 11, 10, 8, 59)},
		{"its time come, no outcome yet: held, 14 days after", []Meeting{plannedOn("M1", "2026-11-10", 9, 0, InPerson)}, "2026-11-24", ldn(2026, 11, 10, 9, 0)},
		{"held without a next date: 14 days after", []Meeting{heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{})}, "2026-12-04", time.Time{}},
		{"held with a next date", []Meeting{heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{Next: "2026-12-01"})}, "2026-12-01", time.Time{}},
		{"the latest meeting's next date", []Meeting{
			heldOn("M2", "2026-11-20", InPerson, ReviewOutcome{Next: "2026-12-01"}),
			heldOn("M1", "2026-11-06", InPerson, ReviewOutcome{Next: "2026-11-20"}),
		}, "2026-12-01", time.Time{}},
		{"a later next date set over the holidays", []Meeting{heldOn("M1", "2026-12-15", InPerson, ReviewOutcome{Next: "2027-01-12"})}, "2027-01-12", time.Time{}},
		{"the latest meeting set no date: an older date is stale", []Meeting{
			heldOn("M1", "2026-11-06", InPerson, ReviewOutcome{Next: "2026-11-20"}),
			heldOn("M2", "2026-11-20", InPerson, ReviewOutcome{}),
		}, "2026-12-04", time.Time{}},
		{"a cancelled meeting is ignored", []Meeting{func() Meeting {
			m := heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{Next: "2026-11-27"})
			m.Cancelled = true
			return m
		}()}, "2026-11-16", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Start: "2026-11-02", Meetings: tc.meetings}
			now := tc.now
			if now.IsZero() {
				now = ldn(2027, 1, 1, 9, 0)
			}
			if got := ReviewDue(c, now); got != tc.want {
				t.Errorf("ReviewDue = %s, want %s", got, tc.want)
			}
		})
	}
	if got := ReviewDue(&Case{}, tNow); got != "" {
		t.Errorf("ReviewDue with no start = %q", got)
	}
}

func TestFaceToFace(t *testing.T) {
	cancelled := plannedOn("M1", "2026-12-02", 9, 0, InPerson)
	cancelled.Cancelled = true
	for _, tc := range []struct {
		name     string
		meetings []Meeting
		want     bool
	}{
		{"no meetings", nil, false},
		{"online only", []Meeting{heldOn("M1", "2026-11-20", Online, ReviewOutcome{})}, false},
		{"held in person", []Meeting{heldOn("M1", "2026-11-20", InPerson, ReviewOutcome{})}, true},
		{"scheduled in person", []Meeting{plannedOn("M1", "2026-12-02", 9, 0, InPerson)}, true},
		{"cancelled in person", []Meeting{cancelled}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FaceToFace(&Case{Meetings: tc.meetings}); got != tc.want {
				t.Errorf("FaceToFace = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNoticeDeadline(t *testing.T) {
	cal := testCalendar()
	for _, tc := range []struct {
		name  string
		start Date
		want  Date
	}{
		{"Monday start: the Thursday before", "2026-11-30", "2026-11-26"},
		{"Wednesday start: the Monday", "2026-12-02", "2026-11-30"},
		{"Tuesday after Easter Monday", "2026-04-07", "2026-04-01"},
		{"Tuesday after the summer bank holiday", "2026-09-01", "2026-08-27"},
		{"Tuesday after the Boxing Day substitute", "2026-12-29", "2026-12-23"},
		{"Monday after half term", "2026-11-02", "2026-10-22"},
		{"Tuesday after the early May bank holiday", "2026-05-05", "2026-04-30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NoticeDeadline(tc.start, cal); got != tc.want {
				t.Errorf("NoticeDeadline(%s %s) = %s %s, want %s", tc.start.Weekday(), tc.start, got.Weekday(), got, tc.want)
			}
		})
	}
}

func TestCheckContact(t *testing.T) {
	cal := testCalendar()
	for _, tc := range []struct {
		name        string
		start       Date
		last        time.Time
		now         time.Time
		wantElapsed int
		wantDue     Date
		wantState   string
	}{
		// Last contact Monday 30 Nov: due Monday 7 Dec; nudge from Friday 4 Dec.
		{"same day", "2026-11-02", ldn(2026, 11, 30, 10, 0), ldn(2026, 11, 30, 16, 0), 0, "2026-12-07", ContactOK},
		{"the day before the nudge", "2026-11-02", ldn(2026, 11, 30, 10, 0), ldn(2026, 12, 3, 23, 59), 3, "2026-12-07", ContactOK},
		{"the school day before: nudge", "2026-11-02", ldn(2026, 11, 30, 10, 0), ldn(2026, 12, 4, 8, 0), 4, "2026-12-07", ContactNudge},
		{"the weekend between: still a nudge", "2026-11-02", ldn(2026, 11, 30, 10, 0), ldn(2026, 12, 6, 9, 0), 6, "2026-12-07", ContactNudge},
		{"the 7th day: still a nudge", "2026-11-02", ldn(2026, 11, 30, 10, 0), ldn(2026, 12, 7, 23, 59), 7, "2026-12-07", ContactNudge},
		{"the 8th day: overdue", "2026-11-02", ldn(2026, 11, 30, 10, 0), ldn(2026, 12, 8, 0, 1), 8, "2026-12-07", ContactOverdue},
		// Last contact Sunday 29 Nov: the 7th day is a Sunday, so Monday.
		{"7th day a Sunday: due Monday", "2026-11-02", ldn(2026, 11, 29, 10, 0), ldn(2026, 12, 7, 9, 0), 8, "2026-12-07", ContactNudge},
		{"7th day a Sunday: overdue Tuesday", "2026-11-02", ldn(2026, 11, 29, 10, 0), ldn(2026, 12, 8, 9, 0), 9, "2026-12-07", ContactOverdue},
		// Friday 18 Dec: Christmas Day and the Boxing Day substitute move it to Tuesday 29 Dec.
		{"over Christmas, the school day before", "2026-11-02", ldn(2026, 12, 18, 15, 0), ldn(2026, 12, 24, 9, 0), 6, "2026-12-29", ContactNudge},
		{"over Christmas, the 7th day", "2026-11-02", ldn(2026, 12, 18, 15, 0), ldn(2026, 12, 29, 9, 0), 11, "2026-12-29", ContactNudge},
		{"over Christmas, the day after", "2026-11-02", ldn(2026, 12, 18, 15, 0), ldn(2026, 12, 30, 9, 0), 12, "2026-12-29", ContactOverdue},
		// Friday 19 Mar 2027: the 7th day is Good Friday, then Easter Monday: Tuesday 30 Mar.
		{"over Easter, Thursday", "2027-03-01", ldn(2027, 3, 19, 15, 0), ldn(2027, 3, 25, 9, 0), 6, "2027-03-30", ContactNudge},
		{"over Easter, Wednesday", "2027-03-01", ldn(2027, 3, 19, 15, 0), ldn(2027, 3, 24, 9, 0), 5, "2027-03-30", ContactOK},
		{"over Easter, the day after", "2027-03-01", ldn(2027, 3, 19, 15, 0), ldn(2027, 3, 31, 9, 0), 12, "2027-03-30", ContactOverdue},
		{"over half term", "2026-09-07", ldn(2026, 10, 21, 15, 0), ldn(2026, 11, 2, 9, 0), 12, "2026-11-02", ContactNudge},
		{"no contact yet: from the start", "2026-11-30", time.Time{}, ldn(2026, 12, 4, 9, 0), 4, "2026-12-07", ContactNudge},
		{"no contact yet, overdue", "2026-11-30", time.Time{}, ldn(2026, 12, 8, 9, 0), 8, "2026-12-07", ContactOverdue},
		{"no contact, before the start", "2026-11-30", time.Time{}, ldn(2026, 11, 20, 9, 0), 0, "2026-12-07", ContactOK},
		{"contact before the start counts from the start", "2026-11-30", ldn(2026, 11, 10, 9, 0), ldn(2026, 12, 3, 9, 0), 3, "2026-12-07", ContactOK},
		{"contact late in the evening is that London day", "2026-05-01", time.Date(2026, 6, 1, 23, 30, 0, 0, time.UTC), ldn(2026, 6, 5, 9, 0), 3, "2026-06-09", ContactOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Start: tc.start, LastSchoolContact: tc.last}
			got := CheckContact(c, tc.now, cal)
			want := ContactCheck{Elapsed: tc.wantElapsed, DueBy: tc.wantDue, State: tc.wantState}
			if got != want {
				t.Errorf("CheckContact = %+v, want %+v", got, want)
			}
		})
	}
}
