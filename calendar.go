package offsitebot

import (
	"iter"
	"maps"
	"time"
)

// Closure is a term-time closure or a school holiday, From and To inclusive.
type Closure struct {
	From, To Date
	Name     string
	URN      string // one school's closure; "" for every school
}

// Calendar says which days are school days. Rules 2, 3 and 9 count school days,
// so weekends, bank holidays and the configured closures are skipped.
type Calendar struct {
	Holidays map[Date]string
	Closures []Closure
	school   string // set by For: that school's own closures count too
}

// For returns the calendar of the school with that URN: the shared closures
// and its own. Attendance is owed on the receiving school's days, and the
// notice counts the home school's.
func (c Calendar) For(urn string) Calendar {
	c.school = urn
	return c
}

// EnglandWalesBankHolidays returns the bank holidays in England and Wales from
// 2025 to 2030 inclusive, as published on gov.uk (2028 onwards follow the usual
// rules; add any one-off days in the config). A fresh map each call, so callers
// may change it.
func EnglandWalesBankHolidays() map[Date]string {
	return map[Date]string{
		"2025-01-01": "New Year's Day",
		"2025-04-18": "Good Friday",
		"2025-04-21": "Easter Monday",
		"2025-05-05": "Early May bank holiday",
		"2025-05-26": "Spring bank holiday",
		"2025-08-25": "Summer bank holiday",
		"2025-12-25": "Christmas Day",
		"2025-12-26": "Boxing Day",

		"2026-01-01": "New Year's Day",
		"2026-04-03": "Good Friday",
		"2026-04-06": "Easter Monday",
		"2026-05-04": "Early May bank holiday",
		"2026-05-25": "Spring bank holiday",
		"2026-08-31": "Summer bank holiday",
		"2026-12-25": "Christmas Day",
		"2026-12-28": "Boxing Day (substitute day)",

		"2027-01-01": "New Year's Day",
		"2027-03-26": "Good Friday",
		"2027-03-29": "Easter Monday",
		"2027-05-03": "Early May bank holiday",
		"2027-05-31": "Spring bank holiday",
		"2027-08-30": "Summer bank holiday",
		"2027-12-27": "Christmas Day (substitute day)",
		"2027-12-28": "Boxing Day (substitute day)",

		"2028-01-03": "New Year's Day (substitute day)",
		"2028-04-14": "Good Friday",
		"2028-04-17": "Easter Monday",
		"2028-05-01": "Early May bank holiday",
		"2028-05-29": "Spring bank holiday",
		"2028-08-28": "Summer bank holiday",
		"2028-12-25": "Christmas Day",
		"2028-12-26": "Boxing Day",

		"2029-01-01": "New Year's Day",
		"2029-03-30": "Good Friday",
		"2029-04-02": "Easter Monday",
		"2029-05-07": "Early May bank holiday",
		"2029-05-28": "Spring bank holiday",
		"2029-08-27": "Summer bank holiday",
		"2029-12-25": "Christmas Day",
		"2029-12-26": "Boxing Day",

		"2030-01-01": "New Year's Day",
		"2030-04-19": "Good Friday",
		"2030-04-22": "Easter Monday",
		"2030-05-06": "Early May bank holiday",
		"2030-05-27": "Spring bank holiday",
		"2030-08-26": "Summer bank holiday",
		"2030-12-25": "Christmas Day",
		"2030-12-26": "Boxing Day",
	}
}

// NewCalendar returns a calendar with the given holidays (the England and Wales
// bank holidays when nil; an empty map means none) and closures. It copies both,
// so later changes by the caller do not leak in.
func NewCalendar(holidays map[Date]string, closures []Closure) Calendar {
	if holidays == nil {
		holidays = EnglandWalesBankHolidays()
	} else {
		holidays = maps.Clone(holidays)
	}
	return Calendar{Holidays: holidays, Closures: append([]Closure(nil), closures...)}
}

// IsSchoolDay reports whether d is a weekday that is neither a holiday nor
// inside a closure.
func (c Calendar) IsSchoolDay(d Date) bool { return c.NotSchoolDay(d) == "" }

// NotSchoolDay says why d is not a school day ("Saturday", "Good Friday", the
// closure's name), or "" if it is one, so replies can explain a skipped day.
func (c Calendar) NotSchoolDay(d Date) string {
	if !d.Valid() {
		return "not a date"
	}
	switch wd := d.Weekday(); wd {
	case time.Saturday, time.Sunday:
		return wd.String()
	}
	if name, ok := c.Holidays[d]; ok {
		if name == "" {
			name = "bank holiday"
		}
		return name
	}
	for _, cl := range c.Closures {
		if cl.URN != "" && cl.URN != c.school {
			continue
		}
		if cl.From <= d && d <= cl.To { // Dates compare as strings
			if cl.Name == "" {
				return "school closure"
			}
			return cl.Name
		}
	}
	return ""
}

// MaxDays bounds every loop over days: no rule looks further than ten years,
// and a nonsense date (year 0, 1847) then costs a moment instead of a hang.
const MaxDays = 3653

// Days yields the dates from through to, in order: the last MaxDays of them
// when the range is longer.
func Days(from, to Date) iter.Seq[Date] {
	return func(yield func(Date) bool) {
		if !from.Valid() || !to.Valid() {
			return
		}
		if first := to.AddDays(1 - MaxDays); from < first {
			from = first
		}
		for d := from; d <= to; d = d.AddDays(1) {
			if !yield(d) {
				return
			}
		}
	}
}

// AddSchoolDays returns the nth school day after d (n > 0) or before it (n < 0);
// d itself is never counted, and n == 0 returns d unchanged. It looks at most
// MaxDays days away (a calendar closed for longer has no answer).
func (c Calendar) AddSchoolDays(d Date, n int) Date {
	if n == 0 || !d.Valid() {
		return d
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for i := 0; n > 0 && i < MaxDays; i++ {
		d = d.AddDays(step)
		if c.IsSchoolDay(d) {
			n--
		}
	}
	return d
}

// SchoolDaysBetween counts the school days x with from < x <= to: the school
// days that have passed since from, as of to. It is 0 when to is not after
// from, and counts at most the last MaxDays days.
func (c Calendar) SchoolDaysBetween(from, to Date) int {
	if !from.Valid() || !to.Valid() || to <= from {
		return 0
	}
	n := 0
	for d := range Days(from.AddDays(1), to) {
		if c.IsSchoolDay(d) {
			n++
		}
	}
	return n
}
