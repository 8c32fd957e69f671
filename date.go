package offsitebot

import (
	"strings"
	"time"
	_ "time/tzdata" // Europe/London must work on machines without zoneinfo
)

// London is the time zone every date and time in the product is read in.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Date is a civil date in Europe/London, stored as "YYYY-MM-DD" so it sorts and
// compares as a string and needs no codec in storage.
type Date string

const dateLayout = "2006-01-02"

// DateOf returns the London calendar date of t.
func DateOf(t time.Time) Date { return Date(t.In(London).Format(dateLayout)) }

// Time returns midnight at the start of d in London.
func (d Date) Time() time.Time {
	t, err := time.ParseInLocation(dateLayout, string(d), London)
	if err != nil {
		return time.Time{}
	}
	return t
}

// At returns the instant of hh:mm London time on d (DST-aware).
func (d Date) At(hour, min int) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), hour, min, 0, 0, London)
}

// AddDays moves d by n calendar days.
func (d Date) AddDays(n int) Date {
	t := d.Time()
	return Date(time.Date(t.Year(), t.Month(), t.Day()+n, 12, 0, 0, 0, London).Format(dateLayout))
}

// DaysUntil returns the number of calendar days from d to e (negative if e is before d).
// It counts dates, not 24-hour periods, so a clock change in between does not shift it.
func (d Date) DaysUntil(e Date) int {
	a, b := d.Time(), e.Time()
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == "" }

// Valid reports whether d is a real date in the expected form.
func (d Date) Valid() bool {
	_, err := time.Parse(dateLayout, string(d))
	return err == nil
}

// Short formats d for people: "Wed 2 Dec".
func (d Date) Short() string {
	if d.IsZero() {
		return "—"
	}
	return d.Time().Format("Mon 2 Jan")
}

var weekdays = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// ParseDate reads YYYY-MM-DD, "today", "tomorrow" or a weekday name (the next such day
// after today) relative to now in London.
func ParseDate(s string, now time.Time) (Date, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	today := DateOf(now)
	switch s {
	case "today":
		return today, nil
	case "tomorrow":
		return today.AddDays(1), nil
	}
	if len(s) >= 3 {
		if wd, ok := weekdays[s[:3]]; ok && strings.HasPrefix(fullDay(wd), s) {
			n := (int(wd) - int(today.Weekday()) + 7) % 7
			if n == 0 {
				n = 7
			}
			return today.AddDays(n), nil
		}
	}
	if _, err := time.Parse(dateLayout, s); err != nil {
		return "", Errorf(EInvalid, "%q is not a date I can read. Please use YYYY-MM-DD (for example %s), or today, tomorrow, mon…fri.", s, today.AddDays(1))
	}
	return Date(s), nil
}

func fullDay(wd time.Weekday) string { return strings.ToLower(wd.String()) }

// ParseClock reads HH:MM (24-hour).
func ParseClock(s string) (hour, min int, err error) {
	t, perr := time.Parse("15:04", strings.TrimSpace(s))
	if perr != nil {
		if t, perr = time.Parse("3:04pm", strings.ToLower(strings.TrimSpace(s))); perr != nil {
			return 0, 0, Errorf(EInvalid, "%q is not a time I can read. Please use HH:MM, for example 15:30.", s)
		}
	}
	return t.Hour(), t.Minute(), nil
}
