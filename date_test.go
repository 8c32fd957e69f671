package offsitebot

import (
	"strings"
	"testing"
	"time"
)

// wed is Wed 2 Dec 2026, 10:00 in London: the "now" of the parsing tests.
var wed = time.Date(2026, 12, 2, 10, 0, 0, 0, London)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		lean Lean
		now  time.Time // wed if zero
		want Date
		err  string // part of the message when it is refused
	}{
		// Whole dates, every way English staff write them.
		{in: "2026-12-03", want: "2026-12-03"},
		{in: "2026/12/3", want: "2026-12-03"},
		{in: "3/12/2026", want: "2026-12-03"},
		{in: "03/12/2026", want: "2026-12-03"},
		{in: "3-12-2026", want: "2026-12-03"},
		{in: "3.12.2026", want: "2026-12-03"},
		{in: "3 Dec 2026", want: "2026-12-03"},
		{in: "3 December 2026", want: "2026-12-03"},
		{in: "3rd December 2026", want: "2026-12-03"},
		{in: "the 3rd of December, 2026", want: "2026-12-03"},
		{in: "December 3rd, 2026", want: "2026-12-03"},
		{in: "Thursday 3 December 2026", want: "2026-12-03"},
		{in: "thu, 3/12/2026", want: "2026-12-03"},
		{in: "  3 DEC 2026 ", want: "2026-12-03"},
		{in: "1 sept 2027", want: "2027-09-01"},
		{in: "29/2/2028", want: "2028-02-29"},
		// Day first, never guessed: 03/04 is 3 April.
		{in: "03/04/2027", want: "2027-04-03"},
		{in: "03/04", want: "2027-04-03"},
		// Without a year: by lean.
		{in: "14/3", lean: Ahead, want: "2027-03-14"},
		{in: "14/3", lean: Back, want: "2026-03-14"},
		{in: "14/3", lean: Near, want: "2027-03-14"},
		{in: "3 Dec", lean: Ahead, want: "2026-12-03"},
		{in: "3 Dec", lean: Back, want: "2025-12-03"},
		{in: "3 Dec", lean: Near, want: "2026-12-03"},
		{in: "1 Dec", lean: Ahead, want: "2027-12-01"},
		{in: "1 Dec", lean: Back, want: "2026-12-01"},
		{in: "1 Dec", lean: Near, want: "2026-12-01"},
		{in: "2 Dec", lean: Ahead, want: "2026-12-02"},
		{in: "2 Dec", lean: Back, want: "2026-12-02"},
		{in: "23/11", lean: Near, want: "2026-11-23"},
		{in: "29/1", lean: Near, want: "2027-01-29"},
		{in: "Jan 29", lean: Near, want: "2027-01-29"},
		{in: "thu 3 dec", want: "2026-12-03"},
		// Words and weekdays (Wed 2 Dec 2026; weeks start on Monday).
		{in: "today", want: "2026-12-02"},
		{in: "Tomorrow", want: "2026-12-03"},
		{in: "yesterday", lean: Back, want: "2026-12-01"},
		{in: "Thursday", lean: Ahead, want: "2026-12-03"},
		{in: "thu", lean: Near, want: "2026-12-03"},
		{in: "thurs", lean: Back, want: "2026-11-26"},
		{in: "wed", lean: Ahead, want: "2026-12-02"},
		{in: "weds", lean: Back, want: "2026-12-02"},
		{in: "tue", lean: Ahead, want: "2026-12-08"},
		{in: "tue", lean: Back, want: "2026-12-01"},
		{in: "this fri", want: "2026-12-04"},
		{in: "next tue", want: "2026-12-08"},
		{in: "next wed", want: "2026-12-09"},
		{in: "next mon", want: "2026-12-07"},
		{in: "next sunday", want: "2026-12-13"},
		{in: "last fri", lean: Back, want: "2026-11-27"},
		{in: "last wednesday", lean: Back, want: "2026-11-25"},
		// Europe/London on the days the clocks change, and just after midnight in summer time.
		{in: "tomorrow", now: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), want: "2026-03-30"},
		{in: "today", now: time.Date(2026, 3, 29, 23, 30, 0, 0, time.UTC), want: "2026-03-30"},
		{in: "yesterday", now: time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), want: "2026-10-24"},
		{in: "today", now: time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), want: "2026-10-25"},
		{in: "mon", now: time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC), want: "2026-10-26"},
		{in: "sun", lean: Back, now: time.Date(2026, 3, 29, 23, 30, 0, 0, time.UTC), want: "2026-03-29"},
		// Boundaries of the years taken.
		{in: "1/1/2000", want: "2000-01-01"},
		{in: "31/12/2100", want: "2100-12-31"},
		// Refused, saying what was wrong.
		{in: "31/02/2027", err: "There is no 31 February 2027: February 2027 has 28 days"},
		{in: "29/2/2027", err: "There is no 29 February 2027"},
		{in: "31/4", err: "There is no 31 April."},
		{in: "29/2", err: "no 29 February near today: please give the year"},
		{in: "32/1/2027", err: "32 isn't a day of the month"},
		{in: "0/1/2027", err: "0 isn't a day of the month"},
		{in: "13/13/2026", err: "13 isn't a month: dates go day first"},
		{in: "12/0/2026", err: "0 isn't a month"},
		{in: "03/12/26", err: "write the year with four digits"},
		{in: "3 Dec 26", err: "write the year with four digits"},
		{in: "3/12/202", err: "202 isn't a year"},
		{in: "31/12/1999", err: "year 1999: I take dates from 2000 to 2100"},
		{in: "1/1/2101", err: "year 2101"},
		{in: "0000-01-01", err: "year 0:"},
		{in: "fri 3 dec 2026", err: "3 December 2026 is a Thursday, not a Friday"},
		{in: "fri 3 dec", err: "is a Thursday, not a Friday"},
		{in: "soon", err: `I can't read "soon" as a date. Please write it like 9/12/2026, 9 Dec, friday, next thu or tomorrow.`},
		{in: "soon", lean: Back, err: "25/11/2026, 25 Nov, monday, last tue or yesterday"},
		// Examples offer school days, never a weekend.
		{in: "soon", now: wed.AddDate(0, 0, 1), err: "10/12/2026, 10 Dec, monday, next fri or tomorrow"},
		{in: "soon", now: wed.AddDate(0, 0, 3), err: "14/12/2026, 14 Dec, tuesday, next mon or tomorrow"},
		{in: "soon", now: wed.AddDate(0, 0, 3), lean: Back, err: "27/11/2026, 27 Nov, thursday, last fri or yesterday"},
		{in: "soon", now: wed.AddDate(0, 0, 5), lean: Back, err: "30/11/2026, 30 Nov, thursday, last fri or yesterday"},
		{in: "3 foo", err: "can't read"},
		{in: "next 3/12", err: "can't read"},
		{in: "2026-12", err: "can't read"},
		{in: "123/1/2027", err: "can't read"},
		{in: "15:30", err: "can't read"},
		{in: "", err: "I need a date"},
	} {
		now := tc.now
		if now.IsZero() {
			now = wed
		}
		got, err := ParseDate(tc.in, now, tc.lean)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseDate(%q, %d) refused: %v", tc.in, tc.lean, err)
		case tc.err == "" && got != tc.want:
			t.Errorf("ParseDate(%q, %d) = %s, want %s", tc.in, tc.lean, got, tc.want)
		case tc.err != "" && (err == nil || ErrorCode(err) != EInvalid || !strings.Contains(ErrorMessage(err), tc.err)):
			t.Errorf("ParseDate(%q, %d) = %s, %v; want a refusal saying %q", tc.in, tc.lean, got, err, tc.err)
		}
	}
}

func TestParseBirthDate(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "14/3/2012", want: "2012-03-14"},
		{in: "2012-03-04", want: "2012-03-04"},
		{in: "2 December 2022", want: "2022-12-02"}, // 4 today
		{in: "3 December 2000", want: "2000-12-03"}, // 25 until tomorrow
		{in: "3/12/2022", err: "would make the pupil 3 years old; pupils here are 4 to 25"},
		{in: "2/12/2000", err: "would make the pupil 26 years old"},
		{in: "1/5/1990", err: "would make the pupil 36 years old"},
		{in: "1/1/2027", err: "is in the future"},
		{in: "today", err: "whole date of birth with the year, for example 2/12/2014"},
		{in: "14/3", err: "whole date of birth with the year"},
		{in: "14/03/12", err: "write the year with four digits"},
		{in: "31/02/2012", err: "There is no 31 February 2012"},
	} {
		got, err := ParseBirthDate(tc.in, wed)
		switch {
		case tc.err == "" && (err != nil || string(got) != tc.want):
			t.Errorf("ParseBirthDate(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(ErrorMessage(err), tc.err)):
			t.Errorf("ParseBirthDate(%q) = %s, %v; want a refusal saying %q", tc.in, got, err, tc.err)
		}
	}
}

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		h, m int
		err  string
	}{
		{in: "15:30", h: 15, m: 30},
		{in: "15.30", h: 15, m: 30},
		{in: "3.30pm", h: 15, m: 30},
		{in: "3:30 pm", h: 15, m: 30},
		{in: "3:30 P.M.", h: 15, m: 30},
		{in: "3pm", h: 15},
		{in: "3 PM", h: 15},
		{in: "9am", h: 9},
		{in: "09:05", h: 9, m: 5},
		{in: "9.05am", h: 9, m: 5},
		{in: "noon", h: 12},
		{in: "Midday", h: 12},
		{in: "12pm", h: 12},
		{in: "12.30pm", h: 12, m: 30},
		{in: "12am", h: 0},
		{in: "12:15am", h: 0, m: 15},
		{in: "0:00", h: 0},
		{in: "23:59", h: 23, m: 59},
		{in: "25:00", err: "hours go up to 23"},
		{in: "24:00", err: "hours go up to 23"},
		{in: "15:60", err: "minutes go up to 59"},
		{in: "13pm", err: "with am or pm the hour is 1 to 12"},
		{in: "0am", err: "with am or pm the hour is 1 to 12"},
		{in: "3", err: "needs its minutes or am/pm"},
		{in: "15", err: "needs its minutes or am/pm"},
		{in: "half three", err: `I can't read "half three" as a time. Please write it like 15:30, 3.30pm or 3pm.`},
		{in: "3:5", err: "can't read"},
		{in: "", err: "can't read"},
	} {
		h, m, err := ParseClock(tc.in)
		switch {
		case tc.err == "" && (err != nil || h != tc.h || m != tc.m):
			t.Errorf("ParseClock(%q) = %d:%02d, %v; want %d:%02d", tc.in, h, m, err, tc.h, tc.m)
		case tc.err != "" && (err == nil || !strings.Contains(ErrorMessage(err), tc.err)):
			t.Errorf("ParseClock(%q) = %d:%02d, %v; want a refusal saying %q", tc.in, h, m, err, tc.err)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  string // London "2006-01-02 15:04"
		timed bool
		err   string
	}{
		{in: "yesterday 3pm", want: "2026-12-01 15:00", timed: true},
		{in: "tue at 9.15", want: "2026-12-01 09:15", timed: true},
		{in: "1/12/2026 14:00", want: "2026-12-01 14:00", timed: true},
		{in: "2026-11-30 08:45", want: "2026-11-30 08:45", timed: true},
		{in: "30 Nov 3:30 pm", want: "2026-11-30 15:30", timed: true},
		{in: "last fri noon", want: "2026-11-27 12:00", timed: true},
		{in: "9am", want: "2026-12-02 09:00", timed: true},
		{in: "at 9am", want: "2026-12-02 09:00", timed: true},
		{in: "yesterday", want: "2026-12-01 00:00"},
		{in: "3.12", want: "2025-12-03 00:00"}, // a date wins over a time where both read
		{in: "tue 25:00", err: "hours go up to 23"},
		{in: "whenever 10:00", err: `can't read "whenever" as a date`},
		{in: "31/11 10:00", err: "There is no 31 November"},
		{in: "soon", err: `can't read "soon" as a date`},
	} {
		got, timed, err := ParseDateTime(tc.in, wed, Back)
		switch {
		case tc.err == "" && (err != nil || got.In(London).Format("2006-01-02 15:04") != tc.want || timed != tc.timed):
			t.Errorf("ParseDateTime(%q) = %s, %v, %v; want %s, %v", tc.in, got.In(London), timed, err, tc.want, tc.timed)
		case tc.err != "" && (err == nil || !strings.Contains(ErrorMessage(err), tc.err)):
			t.Errorf("ParseDateTime(%q) = %s, %v; want a refusal saying %q", tc.in, got, err, tc.err)
		}
	}
}

func TestSpanCheck(t *testing.T) {
	today := Date("2026-12-02")
	for _, tc := range []struct {
		span Span
		d    Date
		err  string
	}{
		{StartSpan, "2025-12-02", ""},
		{StartSpan, "2027-12-02", ""},
		{StartSpan, "2025-12-01", "Mon 1 Dec 2025 is more than a year ago. Please give a date from Tue 2 Dec 2025 on."},
		{StartSpan, "2027-12-03", "Fri 3 Dec 2027 is more than a year ahead. Please give a date up to Thu 2 Dec 2027."},
		{StartSpan, "0000-01-01", "more than a year ago"},
		{AheadSpan, "2026-12-02", ""},
		{AheadSpan, "2026-12-01", "Tue 1 Dec 2026 has already passed. Please give today or a later date."},
		{AheadSpan, "2027-12-03", "more than a year ahead"},
		{BackSpan, "2026-12-02", ""},
		{BackSpan, "2026-12-03", "Thu 3 Dec 2026 is in the future. Please give a date up to today (Wed 2 Dec)."},
		{BackSpan, "2025-12-01", "more than a year ago"},
		{Span{Ahead: 2}, "2028-12-02", ""},
		{Span{Ahead: 2}, "2028-12-03", "more than 2 years ahead"},
	} {
		err := tc.span.Check(tc.d, today)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%+v.Check(%s) refused: %v", tc.span, tc.d, err)
		case tc.err != "" && (err == nil || !strings.Contains(ErrorMessage(err), tc.err)):
			t.Errorf("%+v.Check(%s) = %v; want %q", tc.span, tc.d, err, tc.err)
		}
	}
	// 29 February a year on is 28 February.
	if err := StartSpan.Check("2029-02-28", "2028-02-29"); err != nil {
		t.Errorf("a year after 29 Feb 2028: %v", err)
	}
}

func TestCutClock(t *testing.T) {
	for _, tc := range []struct{ in, date, clock string }{
		{"tue 3:30 pm", "tue", "3:30pm"},
		{"tue at 3pm", "tue", "3pm"},
		{"3 Dec 2026 15.30", "3 dec 2026", "15.30"},
		{"yesterday noon", "yesterday", "noon"},
		{"3 Dec 2026", "3 Dec 2026", ""},
		{"tue 3", "tue 3", ""},
		{"25:00", "", "25:00"},
		{"", "", ""},
	} {
		if d, c := CutClock(tc.in); d != tc.date || c != tc.clock {
			t.Errorf("CutClock(%q) = %q, %q; want %q, %q", tc.in, d, c, tc.date, tc.clock)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		n    int
		want Date
	}{
		// Both 2026 clock changes (29 March, 25 October), each way.
		{"2026-03-28", 1, "2026-03-29"},
		{"2026-03-29", 1, "2026-03-30"},
		{"2026-03-30", -1, "2026-03-29"},
		{"2026-03-29", -1, "2026-03-28"},
		{"2026-10-24", 1, "2026-10-25"},
		{"2026-10-25", 1, "2026-10-26"},
		{"2026-10-26", -1, "2026-10-25"},
		{"2026-03-01", 240, "2026-10-27"},
		{"2026-10-27", -240, "2026-03-01"},
		// London switched from local mean time to GMT on 1 Dec 1847.
		{"1847-11-30", 1, "1847-12-01"},
		{"1847-12-01", 1, "1847-12-02"},
		{"1847-12-02", -1, "1847-12-01"},
		{"0000-01-01", 1, "0000-01-02"},
		{"2028-02-28", 1, "2028-02-29"},
		{"2027-02-28", 1, "2027-03-01"},
		{"2026-12-31", 1, "2027-01-01"},
		{"", 1, ""},
		{"not a date", 1, "not a date"},
	} {
		if got := tc.d.AddDays(tc.n); got != tc.want {
			t.Errorf("%q.AddDays(%d) = %q, want %q", tc.d, tc.n, got, tc.want)
		}
		if tc.want.Valid() && tc.d.Valid() {
			if got := tc.d.DaysUntil(tc.want); got != tc.n {
				t.Errorf("%s.DaysUntil(%s) = %d, want %d", tc.d, tc.want, got, tc.n)
			}
		}
	}
	for _, tc := range []struct {
		d    Date
		n    int
		want Date
	}{
		{"2026-12-02", 1, "2027-12-02"},
		{"2026-12-02", -1, "2025-12-02"},
		{"2028-02-29", 1, "2029-02-28"},
		{"2028-02-29", -4, "2024-02-29"},
	} {
		if got := tc.d.AddYears(tc.n); got != tc.want {
			t.Errorf("%s.AddYears(%d) = %s, want %s", tc.d, tc.n, got, tc.want)
		}
	}
	if got := Date("0000-01-01").DaysUntil("2026-12-02"); got != 740_317 {
		t.Errorf("days from year 0 to 2026 = %d", got)
	}
	// A meeting at 09:00 is 08:00 UTC in summer time, 09:00 in winter.
	for d, want := range map[Date]string{"2026-03-28": "09:00", "2026-03-29": "08:00", "2026-10-24": "08:00", "2026-10-25": "09:00"} {
		if got := d.At(9, 0).UTC().Format("15:04"); got != want {
			t.Errorf("%s.At(9, 0) = %s UTC, want %s", d, got, want)
		}
	}
	if got, want := Date("2026-03-29").Time(), time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("midnight on 29 Mar 2026 = %s, want %s", got, want)
	}
	if got := Date("2026-12-03").Long(); got != "Thu 3 Dec 2026" {
		t.Errorf("Long = %q", got)
	}
}

// TestLoopsOverDaysFinish: a case dated 1847 or year 0 must not stop lists and reminders.
func TestLoopsOverDaysFinish(t *testing.T) {
	cal := NewCalendar(nil, nil)
	if got := cal.SchoolDaysBetween("1847-12-01", "1847-12-31"); got != 22 {
		t.Errorf("school days in December 1847 after the 1st = %d, want 22", got)
	}
	if got := cal.AddSchoolDays("1847-12-01", 5); got != "1847-12-08" {
		t.Errorf("5 school days after Wed 1 Dec 1847 = %s, want 1847-12-08", got)
	}
	if got := cal.AddSchoolDays("1847-12-02", -2); got != "1847-11-30" {
		t.Errorf("2 school days before Thu 2 Dec 1847 = %s, want 1847-11-30", got)
	}
	n, last := 0, Date("")
	for d := range Days("0000-01-01", "2026-12-02") {
		n, last = n+1, d
	}
	if n != MaxDays || last != "2026-12-02" {
		t.Errorf("Days from year 0 yielded %d days up to %s; want the last %d", n, last, MaxDays)
	}
	if got := cal.SchoolDaysBetween("0000-01-01", "2026-12-02"); got < MaxDays*5/7-100 || got > MaxDays*5/7 {
		t.Errorf("school days since year 0 = %d; want those of the last %d days", got, MaxDays)
	}
	// Closed for ever: AddSchoolDays gives up after MaxDays days.
	shut := NewCalendar(map[Date]string{}, []Closure{{From: "2000-01-01", To: "2100-12-31"}})
	if got := shut.AddSchoolDays("2026-12-02", 2); got != Date("2026-12-02").AddDays(MaxDays) {
		t.Errorf("AddSchoolDays on a calendar with no school days = %s", got)
	}
	c := &Case{Ref: "OSD-7K2Q", Status: Active, Start: "0000-01-01", DOB: "2012-03-04"}
	items := Due(c, wed, cal, Settings{})
	if len(items) == 0 {
		t.Error("a case started in year 0 has nothing due")
	}
}
