package offsitebot

import (
	"maps"
	"testing"
	"time"
)

// halfTerm is a configured closure used across the calendar tests.
var halfTerm = Closure{From: "2026-10-26", To: "2026-10-30", Name: "October half term"}

func testCalendar() Calendar { return NewCalendar(nil, []Closure{halfTerm}) }

// easter returns Easter Sunday (anonymous Gregorian algorithm), to check the
// shipped dates against the rules rather than against themselves.
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 12, 0, 0, 0, time.UTC)
}

func ymd(t time.Time) Date { return Date(t.Format(dateLayout)) }

// onWeekday moves t forward (step 1) or back (step -1) to the weekday wd.
func onWeekday(t time.Time, wd time.Weekday, step int) time.Time {
	for t.Weekday() != wd {
		t = t.AddDate(0, 0, step)
	}
	return t
}

// substitute moves a fixed holiday off a weekend onto the next free weekday.
func substitute(t time.Time, taken map[Date]bool) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday || taken[ymd(t)] {
		t = t.AddDate(0, 0, 1)
	}
	taken[ymd(t)] = true
	return t
}

func TestEnglandWalesBankHolidaysFollowTheRules(t *testing.T) {
	got := EnglandWalesBankHolidays()
	want := map[Date]bool{}
	for y := 2025; y <= 2030; y++ {
		taken := map[Date]bool{}
		e := easter(y)
		for _, d := range []time.Time{
			substitute(time.Date(y, 1, 1, 12, 0, 0, 0, time.UTC), taken),
			e.AddDate(0, 0, -2), // Good Friday
			e.AddDate(0, 0, 1),  // Easter Monday
			onWeekday(time.Date(y, 5, 1, 12, 0, 0, 0, time.UTC), time.Monday, 1),
			onWeekday(time.Date(y, 5, 31, 12, 0, 0, 0, time.UTC), time.Monday, -1),
			onWeekday(time.Date(y, 8, 31, 12, 0, 0, 0, time.UTC), time.Monday, -1),
			substitute(time.Date(y, 12, 25, 12, 0, 0, 0, time.UTC), taken),
			substitute(time.Date(y, 12, 26, 12, 0, 0, 0, time.UTC), taken),
		} {
			want[ymd(d)] = true
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d holidays, want %d", len(got), len(want))
	}
	for d := range want {
		if _, ok := got[d]; !ok {
			t.Errorf("missing %s (%s)", d, d.Weekday())
		}
	}
	for d, name := range got {
		if !want[d] {
			t.Errorf("unexpected %s %q", d, name)
		}
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s %q falls on a %s", d, name, wd)
		}
		if name == "" {
			t.Errorf("%s has no name", d)
		}
	}
}

func TestEnglandWalesBankHolidaysKnownDates(t *testing.T) {
	h := EnglandWalesBankHolidays()
	for _, tc := range []struct {
		name string
		d    Date
		want bool
	}{
		{"Good Friday 2026", "2026-04-03", true},
		{"Easter Monday 2026", "2026-04-06", true},
		{"Christmas 2026 on a Friday", "2026-12-25", true},
		{"Boxing Day 2026 is a Saturday", "2026-12-26", false},
		{"Boxing Day 2026 substitute", "2026-12-28", true},
		{"Christmas 2027 substitute", "2027-12-27", true},
		{"Boxing Day 2027 substitute", "2027-12-28", true},
		{"New Year 2028 substitute", "2028-01-03", true},
		{"New Year 2028 is a Saturday", "2028-01-01", false},
		{"summer 2026", "2026-08-31", true},
		{"early May 2025", "2025-05-05", true},
		{"spring 2030", "2030-05-27", true},
		{"ordinary day", "2026-12-01", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := h[tc.d]; ok != tc.want {
				t.Errorf("holiday %s = %v, want %v", tc.d, ok, tc.want)
			}
		})
	}
	h["2026-12-01"] = "changed"
	if _, ok := EnglandWalesBankHolidays()["2026-12-01"]; ok {
		t.Error("changing the returned map changed the shipped data")
	}
}

func TestNewCalendar(t *testing.T) {
	t.Run("nil holidays means England and Wales", func(t *testing.T) {
		c := NewCalendar(nil, nil)
		if !maps.Equal(c.Holidays, EnglandWalesBankHolidays()) {
			t.Error("holidays are not the shipped bank holidays")
		}
	})
	t.Run("empty holidays means none", func(t *testing.T) {
		c := NewCalendar(map[Date]string{}, nil)
		if !c.IsSchoolDay("2026-12-25") {
			t.Error("25 Dec 2026 (a Friday) is not a school day with no holidays configured")
		}
	})
	t.Run("inputs are copied", func(t *testing.T) {
		hols := map[Date]string{"2026-12-01": "inset day"}
		cls := []Closure{halfTerm}
		c := NewCalendar(hols, cls)
		hols["2026-12-02"] = "later"
		cls[0].To = "2026-10-26"
		if !c.IsSchoolDay("2026-12-02") || c.IsSchoolDay("2026-10-30") {
			t.Error("calendar changed when the caller's inputs did")
		}
	})
}

func TestIsSchoolDay(t *testing.T) {
	cal := testCalendar()
	for _, tc := range []struct {
		name string
		d    Date
		want bool
		why  string
	}{
		{"ordinary Tuesday", "2026-12-01", true, ""},
		{"Saturday", "2026-12-05", false, "Saturday"},
		{"Sunday", "2026-12-06", false, "Sunday"},
		{"Christmas Day", "2026-12-25", false, "Christmas Day"},
		{"Boxing Day substitute", "2026-12-28", false, "Boxing Day (substitute day)"},
		{"day after the substitute", "2026-12-29", true, ""},
		{"Good Friday", "2026-04-03", false, "Good Friday"},
		{"Easter Monday", "2026-04-06", false, "Easter Monday"},
		{"day before a closure", "2026-10-23", true, ""},
		{"first day of a closure", "2026-10-26", false, "October half term"},
		{"inside a closure", "2026-10-28", false, "October half term"},
		{"last day of a closure", "2026-10-30", false, "October half term"},
		{"day after a closure", "2026-11-02", true, ""},
		{"not a date", "2026-02-30", false, "not a date"},
		{"empty", "", false, "not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.IsSchoolDay(tc.d); got != tc.want {
				t.Errorf("IsSchoolDay(%s) = %v, want %v", tc.d, got, tc.want)
			}
			if got := cal.NotSchoolDay(tc.d); got != tc.why {
				t.Errorf("NotSchoolDay(%s) = %q, want %q", tc.d, got, tc.why)
			}
		})
	}
	t.Run("unnamed holiday and closure", func(t *testing.T) {
		c := NewCalendar(map[Date]string{"2026-12-01": ""}, []Closure{{From: "2026-12-02", To: "2026-12-02"}})
		if got := c.NotSchoolDay("2026-12-01"); got != "bank holiday" {
			t.Errorf("got %q", got)
		}
		if got := c.NotSchoolDay("2026-12-02"); got != "school closure" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("zero calendar has weekends only", func(t *testing.T) {
		var c Calendar
		if !c.IsSchoolDay("2026-12-25") || c.IsSchoolDay("2026-12-26") {
			t.Error("zero Calendar should skip weekends only")
		}
	})
}

func TestAddSchoolDays(t *testing.T) {
	cal := testCalendar()
	for _, tc := range []struct {
		name string
		d    Date
		n    int
		want Date
	}{
		{"zero returns the day itself", "2026-12-05", 0, "2026-12-05"},
		{"next day midweek", "2026-12-01", 1, "2026-12-02"},
		{"Friday plus one is Monday", "2026-12-04", 1, "2026-12-07"},
		{"Saturday plus one is Monday", "2026-12-05", 1, "2026-12-07"},
		{"Monday minus one is Friday", "2026-12-07", -1, "2026-12-04"},
		{"Monday minus two is Thursday", "2026-12-07", -2, "2026-12-03"},
		{"a school week", "2026-12-01", 5, "2026-12-08"},
		{"Christmas Eve plus one skips 25 and 28 Dec", "2026-12-24", 1, "2026-12-29"},
		{"29 Dec minus one skips back over Christmas", "2026-12-29", -1, "2026-12-24"},
		{"New Year 2027", "2026-12-31", 1, "2027-01-04"},
		{"Maundy Thursday plus one skips Easter", "2026-04-02", 1, "2026-04-07"},
		{"Tuesday after Easter minus one", "2026-04-07", -1, "2026-04-02"},
		{"into half term", "2026-10-23", 1, "2026-11-02"},
		{"out of half term backwards", "2026-11-02", -1, "2026-10-23"},
		{"from inside half term", "2026-10-28", 1, "2026-11-02"},
		{"not a date is returned as is", "nope", 3, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.AddSchoolDays(tc.d, tc.n); got != tc.want {
				t.Errorf("AddSchoolDays(%s, %d) = %s (%s), want %s (%s)", tc.d, tc.n, got, got.Weekday(), tc.want, tc.want.Weekday())
			}
		})
	}
}

func TestSchoolDaysBetween(t *testing.T) {
	cal := testCalendar()
	for _, tc := range []struct {
		name     string
		from, to Date
		want     int
	}{
		{"same day", "2026-12-01", "2026-12-01", 0},
		{"to before from", "2026-12-02", "2026-12-01", 0},
		{"next day", "2026-12-01", "2026-12-02", 1},
		{"Friday to Monday", "2026-12-04", "2026-12-07", 1},
		{"Friday to Sunday", "2026-12-04", "2026-12-06", 0},
		{"Saturday to Monday", "2026-12-05", "2026-12-07", 1},
		{"two weeks", "2026-11-30", "2026-12-14", 10},
		{"over Christmas", "2026-12-24", "2026-12-31", 3},
		{"over Easter", "2026-04-02", "2026-04-07", 1},
		{"over half term", "2026-10-23", "2026-11-02", 1},
		{"empty from", "", "2026-12-01", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.SchoolDaysBetween(tc.from, tc.to); got != tc.want {
				t.Errorf("SchoolDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
			}
		})
	}
	// AddSchoolDays and SchoolDaysBetween must agree, or deadlines and
	// counts would disagree about the same day.
	for d := Date("2026-03-20"); d <= "2026-04-15"; d = d.AddDays(1) {
		for n := 1; n <= 12; n++ {
			e := cal.AddSchoolDays(d, n)
			if got := cal.SchoolDaysBetween(d, e); got != n {
				t.Fatalf("SchoolDaysBetween(%s, AddSchoolDays(%s, %d) = %s) = %d", d, d, n, e, got)
			}
			if got := cal.SchoolDaysBetween(d, e.AddDays(-1)); got != n-1 {
				t.Fatalf("SchoolDaysBetween(%s, %s) = %d, want %d", d, e.AddDays(-1), got, n-1)
			}
		}
	}
}

// TestCalendarFor: a closure with a URN is that school's only; attendance
// counts the receiving school's days, the notice the home school's.
func TestCalendarFor(t *testing.T) {
	inset := Closure{From: "2026-12-04", To: "2026-12-04", Name: "INSET day", URN: "100002"} // a Friday
	cal := NewCalendar(nil, []Closure{halfTerm, inset})
	for _, tc := range []struct {
		urn  string
		day  Date
		want string
	}{
		{"100002", "2026-12-04", "INSET day"},
		{"100002", "2026-12-03", ""},
		{"100001", "2026-12-04", ""},
		{"", "2026-12-04", ""},
		{"100001", "2026-10-27", "October half term"},
	} {
		if got := cal.For(tc.urn).NotSchoolDay(tc.day); got != tc.want {
			t.Errorf("For(%q).NotSchoolDay(%s) = %q, want %q", tc.urn, tc.day, got, tc.want)
		}
	}
	// Home 100002 closed Fri 4 Dec: notice for Tue 8 Dec due Thu 3 Dec, not Fri 4 Dec.
	c := testCase()
	c.Start, c.HomeURN, c.ReceivingURN = "2026-12-08", "100002", "100001"
	if got := NoticeDeadline(c.Start, cal.For(c.HomeURN)); got != "2026-12-03" {
		t.Errorf("notice deadline = %s, want 2026-12-03", got)
	}
	c.HomeURN, c.ReceivingURN = "100001", "100002"
	if got := NoticeDeadline(c.Start, cal.For(c.HomeURN)); got != "2026-12-04" {
		t.Errorf("notice deadline = %s, want 2026-12-04", got)
	}
	// Attendance owed on the receiving school's days only.
	c.Start, c.NoticeGiven = "2026-12-03", ldn(2026, 11, 1, 9, 0)
	c.Attendance = []AttendanceDay{{Date: "2026-12-03", AM: "/", PM: `\`}}
	for _, it := range Due(c, ldn(2026, 12, 7, 9, 0), cal, Settings{}) {
		if it.Kind == DueAttendance {
			t.Errorf("attendance owed for %s on the receiving school's INSET day", it.On)
		}
	}
	c.ReceivingURN = "100003"
	found := false
	for _, it := range Due(c, ldn(2026, 12, 7, 9, 0), cal, Settings{}) {
		found = found || (it.Kind == DueAttendance && it.On == "2026-12-04")
	}
	if !found {
		t.Errorf("attendance not owed for Fri 4 Dec at a school open that day")
	}
}
