package offsitebot

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
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

// civil returns d as midnight UTC. Arithmetic on dates is done there, on the
// calendar alone: a day forward is never 24 hours in London, where clock
// changes and the 1847 switch from local mean time would shift it.
func (d Date) civil() (time.Time, bool) {
	t, err := time.Parse(dateLayout, string(d))
	return t, err == nil
}

func dateIn(t time.Time) Date { return Date(t.Format(dateLayout)) }

// civilDate returns the date y-m-d, normalised as time.Date does (32 Jan is 1 Feb).
func civilDate(y int, m time.Month, day int) Date {
	return dateIn(time.Date(y, m, day, 0, 0, 0, 0, time.UTC))
}

// Time returns midnight at the start of d in London.
func (d Date) Time() time.Time { return d.At(0, 0) }

// At returns the instant of hh:mm London time on d (DST-aware), or the zero
// time if d is not a date.
func (d Date) At(hour, min int) time.Time {
	t, ok := d.civil()
	if !ok {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), hour, min, 0, 0, London)
}

// AddDays moves d by n calendar days; d is returned unchanged if it is not a date.
func (d Date) AddDays(n int) Date {
	t, ok := d.civil()
	if !ok {
		return d
	}
	return dateIn(t.AddDate(0, 0, n))
}

// AddYears moves d by n years to the same day and month; 29 February becomes
// 28 February in a year without one.
func (d Date) AddYears(n int) Date {
	t, ok := d.civil()
	if !ok {
		return d
	}
	y := t.Year() + n
	return civilDate(y, t.Month(), min(t.Day(), daysIn(t.Month(), y)))
}

// DaysUntil returns the number of calendar days from d to e (negative if e is before d).
// It counts dates, not 24-hour periods, so a clock change in between does not shift it.
func (d Date) DaysUntil(e Date) int {
	a, ok1 := d.civil()
	b, ok2 := e.civil()
	if !ok1 || !ok2 {
		return 0
	}
	return int((b.Unix() - a.Unix()) / (24 * 60 * 60))
}

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	t, _ := d.civil()
	return t.Weekday()
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == "" }

// Valid reports whether d is a real date in the expected form.
func (d Date) Valid() bool {
	_, ok := d.civil()
	return ok
}

// Short formats d for people: "Wed 2 Dec".
func (d Date) Short() string { return d.format("Mon 2 Jan") }

// Long formats d with its year, for echoing a date someone gave: "Thu 3 Dec 2026".
func (d Date) Long() string { return d.format("Mon 2 Jan 2006") }

func (d Date) format(layout string) string {
	t, ok := d.civil()
	if !ok {
		return "—"
	}
	return t.Format(layout)
}

// numeric writes d as English staff do, day first: "3/12/2026".
func (d Date) numeric() string {
	t, _ := d.civil()
	return fmt.Sprintf("%d/%d/%d", t.Day(), t.Month(), t.Year())
}

func daysIn(m time.Month, y int) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// Years a date may have, except a date of birth (checked by age instead).
const (
	MinYear = 2000
	MaxYear = 2100
)

// Pupils' ages a date of birth may give (on today's date).
const (
	MinPupilAge = 4
	MaxPupilAge = 25
)

// Lean says which way a date given without its year, or as a weekday, is read.
type Lean int

const (
	// Ahead is for what is to come (a meeting): "thu" is the next Thursday on
	// or after today, "3 Dec" the next 3 December.
	Ahead Lean = iota
	// Back is for what has happened (a contact, attendance): "thu" is the last
	// Thursday on or before today, "3 Dec" the last 3 December.
	Back
	// Near is for either (a first day, an end date): "3 Dec" is the 3 December
	// nearest today; a weekday reads ahead.
	Near
)

// Span is how far from today a date a person gives may lie, in whole years
// back and ahead. Nothing further off is a real answer, and a year such as 0
// would otherwise flow into every list and reminder.
type Span struct{ Back, Ahead int }

// The spans of the product's questions.
var (
	StartSpan = Span{Back: 1, Ahead: 1} // a first day or an end date: a year either side
	AheadSpan = Span{Ahead: 1}          // meetings and what they decide: up to a year ahead
	BackSpan  = Span{Back: 1}           // contacts, attendance: up to a year back
)

// Check says what is wrong if d is outside the span around today.
func (sp Span) Check(d, today Date) error {
	if from := today.AddYears(-sp.Back); d < from {
		if sp.Back == 0 {
			return Errorf(EInvalid, "%s has already passed. Please give today or a later date.", d.Long())
		}
		return Errorf(EInvalid, "%s is more than %s ago. Please give a date from %s on.", d.Long(), years(sp.Back), from.Long())
	}
	if to := today.AddYears(sp.Ahead); d > to {
		if sp.Ahead == 0 {
			return Errorf(EInvalid, "%s is in the future. Please give a date up to today (%s).", d.Long(), today.Short())
		}
		return Errorf(EInvalid, "%s is more than %s ahead. Please give a date up to %s.", d.Long(), years(sp.Ahead), to.Long())
	}
	return nil
}

func years(n int) string {
	if n == 1 {
		return "a year"
	}
	return strconv.Itoa(n) + " years"
}

// ParseDate reads a date as English staff write it, day first and never
// guessed: 2026-12-03, 3/12/2026, 3-12-2026, 14/3, 3 Dec, 3rd December 2026,
// Thursday 3 Dec, thu, next tue (the Tuesday of next week), last tue, today,
// tomorrow, yesterday. A date without its year and a bare weekday are read
// by lean, relative to now in London. Two-digit years and years outside
// MinYear–MaxYear are refused with a message saying so.
func ParseDate(s string, now time.Time, lean Lean) (Date, error) {
	today := DateOf(now)
	d, _, err := readDate(s, today, lean)
	if err != nil {
		return "", err
	}
	if t, _ := d.civil(); t.Year() < MinYear || t.Year() > MaxYear {
		return "", Errorf(EInvalid, "%q is in the year %d: I take dates from %d to %d. Please check the year, for example %s.", strings.TrimSpace(s), t.Year(), MinYear, MaxYear, today.numeric())
	}
	return d, nil
}

// ParseBirthDate reads a pupil's date of birth: a whole date with its year
// (no "today" or weekday), giving an age from MinPupilAge to MaxPupilAge.
func ParseBirthDate(s string, now time.Time) (Date, error) {
	today := DateOf(now)
	eg := today.AddYears(-12).numeric()
	d, relative, err := readDate(s, today, Back)
	switch {
	case err != nil:
		return "", err
	case relative:
		return "", Errorf(EInvalid, "Please give the whole date of birth with the year, for example %s.", eg)
	case d > today:
		return "", Errorf(EInvalid, "%s is in the future. Please give the pupil's date of birth, for example %s.", d.Long(), eg)
	}
	if age := AgeOn(d, today); age < MinPupilAge || age > MaxPupilAge {
		return "", Errorf(EInvalid, "%s would make the pupil %d years old; pupils here are %d to %d. Please check the date of birth, for example %s.", d.Long(), age, MinPupilAge, MaxPupilAge, eg)
	}
	return d, nil
}

// example shows the ways a date may be written, to put in a question or an error.
//
// Its dates and days are weekdays: an example that offers a weekend, where a
// school day is asked, would be refused if followed.
func example(today Date, lean Lean) string {
	if lean == Back {
		d, last := weekdayOn(today.AddDays(-7), -1), weekdayOn(today.AddDays(-1), -1)
		return fmt.Sprintf("%s, %s, %s, last %s or yesterday", d.numeric(), d.format("2 Jan"), longDay(weekdayOn(last.AddDays(-1), -1)), shortDay(last))
	}
	d, next := weekdayOn(today.AddDays(7), 1), weekdayOn(today.AddDays(1), 1)
	return fmt.Sprintf("%s, %s, %s, next %s or tomorrow", d.numeric(), d.format("2 Jan"), longDay(weekdayOn(next.AddDays(1), 1)), shortDay(next))
}

// weekdayOn is d, or the nearest weekday after it (dir 1) or before it (-1).
func weekdayOn(d Date, dir int) Date {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDays(dir)
	}
	return d
}

func longDay(d Date) string  { return strings.ToLower(d.Weekday().String()) }
func shortDay(d Date) string { return longDay(d)[:3] }

// DateExample shows how a date may be written, for a question's prompt.
func DateExample(now time.Time, lean Lean) string { return example(DateOf(now), lean) }

var (
	dateNumeric  = regexp.MustCompile(`^(\d+)[/.-](\d+)(?:[/.-](\d+))?$`)
	dateDayMonth = regexp.MustCompile(`^(\d+)(?:st|nd|rd|th)? ([a-z]+)\.?(?: (\d+))?$`)
	dateMonthDay = regexp.MustCompile(`^([a-z]+)\.? (\d+)(?:st|nd|rd|th)?(?: (\d+))?$`)
)

// readDate parses s; relative says it depended on today (a word, a weekday or no year).
func readDate(s string, today Date, lean Lean) (d Date, relative bool, err error) {
	f := strings.Fields(strings.NewReplacer(",", " ").Replace(strings.ToLower(s)))
	f = slices.DeleteFunc(f, func(w string) bool { return w == "the" || w == "of" || w == "on" })
	unread := Errorf(EInvalid, "I can't read %q as a date. Please write it like %s.", strings.TrimSpace(s), example(today, lean))
	if len(f) == 0 {
		return "", false, Errorf(EInvalid, "I need a date, for example %s.", example(today, lean))
	}
	if len(f) == 1 {
		switch f[0] {
		case "today":
			return today, true, nil
		case "tomorrow":
			return today.AddDays(1), true, nil
		case "yesterday":
			return today.AddDays(-1), true, nil
		}
	}
	// A weekday: "thu", "next tue", or one written before a date, which must agree.
	which := ""
	if len(f) == 2 && (f[0] == "this" || f[0] == "next" || f[0] == "last") {
		which, f = f[0], f[1:]
	}
	wd, isDay := weekday(f[0])
	if isDay && len(f) == 1 {
		return weekdayFrom(today, wd, which, lean), true, nil
	}
	if which != "" {
		return "", false, unread
	}
	if isDay {
		f = f[1:]
	}
	rest := strings.Join(f, " ")
	var ds, ms, ys string
	if p := dateNumeric.FindStringSubmatch(rest); p != nil {
		ds, ms, ys = p[1], p[2], p[3]
		if len(p[1]) == 4 { // 2026-12-03: year first
			ys, ds = p[1], p[3]
		}
	} else if p := dateDayMonth.FindStringSubmatch(rest); p != nil {
		ds, ms, ys = p[1], p[2], p[3]
	} else if p := dateMonthDay.FindStringSubmatch(rest); p != nil {
		ds, ms, ys = p[2], p[1], p[3]
	}
	day, err := strconv.Atoi(ds)
	if err != nil || len(ds) > 2 {
		return "", false, unread
	}
	m, ok := month(ms)
	if n, err := strconv.Atoi(ms); err == nil {
		if n < 1 || n > 12 {
			return "", false, Errorf(EInvalid, "%s isn't a month: dates go day first, so %s is %s. Please check the date.", ms, today.numeric(), today.format("2 January 2006"))
		}
		m, ok = time.Month(n), true
	}
	if !ok {
		return "", false, unread
	}
	switch {
	case ys == "":
		relative = true
		if d, err = nearest(today, m, day, lean); err != nil {
			return "", false, err
		}
	case len(ys) == 2:
		return "", false, Errorf(EInvalid, "I can't tell which century %q is: please write the year with four digits, like %d/%d/20%s.", ys, day, m, ys)
	case len(ys) != 4:
		return "", false, Errorf(EInvalid, "%s isn't a year I can read. Please write the year in full, for example %s.", ys, today.numeric())
	default:
		y, _ := strconv.Atoi(ys)
		if day < 1 || day > daysIn(m, y) {
			return "", false, noSuchDay(day, m, y)
		}
		d = civilDate(y, m, day)
	}
	if isDay && d.Weekday() != wd {
		return "", false, Errorf(EInvalid, "%s is a %s, not a %s. Please check the date.", d.format("2 January 2006"), d.Weekday(), wd)
	}
	return d, relative, nil
}

func yearOf(d Date) int {
	t, _ := d.civil()
	return t.Year()
}

// noSuchDay says day does not exist in month m of year y (0: any year).
func noSuchDay(day int, m time.Month, y int) error {
	switch {
	case day < 1 || day > 31:
		return Errorf(EInvalid, "%d isn't a day of the month. Please check the date.", day)
	case y == 0:
		return Errorf(EInvalid, "There is no %d %s. Please check the date.", day, m)
	}
	return Errorf(EInvalid, "There is no %d %s %d: %s %d has %d days. Please check the date.", day, m, y, m, y, daysIn(m, y))
}

// nearest gives day/m a year: the next, the last or the nearest such date by lean.
func nearest(today Date, m time.Month, day int, lean Lean) (Date, error) {
	if day < 1 || day > daysIn(m, 2028) { // 2028: a leap year, so 29 February may be meant
		return "", noSuchDay(day, m, 0)
	}
	y := yearOf(today)
	var best Date
	for _, c := range []int{y - 1, y, y + 1} {
		if day > daysIn(m, c) {
			continue
		}
		d := civilDate(c, m, day)
		switch lean {
		case Ahead:
			if d >= today && (best == "" || d < best) {
				best = d
			}
		case Back:
			if d <= today && d > best {
				best = d
			}
		default:
			if best == "" || abs(today.DaysUntil(d)) < abs(today.DaysUntil(best)) {
				best = d
			}
		}
	}
	if best == "" {
		return "", Errorf(EInvalid, "Which year? There is no %d %s near today: please give the year too.", day, m)
	}
	return best, nil
}

func abs(n int) int { return max(n, -n) }

// weekdayFrom resolves "thu", "this thu", "next thu" (in next week, weeks
// starting on Monday) and "last thu" (in last week).
func weekdayFrom(today Date, wd time.Weekday, which string, lean Lean) Date {
	sinceMonday := func(w time.Weekday) int { return (int(w) + 6) % 7 }
	monday := today.AddDays(-sinceMonday(today.Weekday()))
	switch {
	case which == "next":
		return monday.AddDays(7 + sinceMonday(wd))
	case which == "last":
		return monday.AddDays(-7 + sinceMonday(wd))
	case lean == Back:
		return today.AddDays(-((int(today.Weekday()) - int(wd) + 7) % 7))
	}
	return today.AddDays((int(wd) - int(today.Weekday()) + 7) % 7)
}

// weekday reads a day's name: "thu", "thurs", "thursday", "weds".
func weekday(w string) (time.Weekday, bool) {
	if w == "weds" {
		return time.Wednesday, true
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if len(w) >= 3 && strings.HasPrefix(strings.ToLower(wd.String()), w) {
			return wd, true
		}
	}
	return 0, false
}

// month reads a month's name: "dec", "sept", "december".
func month(w string) (time.Month, bool) {
	for m := time.January; m <= time.December; m++ {
		if len(w) >= 3 && strings.HasPrefix(strings.ToLower(m.String()), w) {
			return m, true
		}
	}
	return 0, false
}

var (
	clockRE   = regexp.MustCompile(`^(\d{1,2})(?:[:.](\d{2}))?(am|pm)?$`)
	clockWord = map[string]string{"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
)

// normClock lower-cases s and writes "p.m." and "3 pm" as "pm" and "3pm".
func normClock(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("a.m.", "am", "p.m.", "pm", "a.m", "am", "p.m", "pm").Replace(s)
	for _, x := range []string{" am", " pm"} {
		if strings.HasSuffix(s, x) {
			s = strings.TrimSpace(strings.TrimSuffix(s, x)) + x[1:]
		}
	}
	if w, ok := clockWord[s]; ok {
		return w
	}
	return s
}

// ParseClock reads a time of day as English staff write it: 15:30, 15.30,
// 3.30pm, 3:30 pm, 3pm, noon. A bare "3" is refused: it could be morning or afternoon.
func ParseClock(s string) (hour, min int, err error) {
	eg := "Please write it like 15:30, 3.30pm or 3pm."
	p := clockRE.FindStringSubmatch(normClock(s))
	if p == nil {
		return 0, 0, Errorf(EInvalid, "I can't read %q as a time. %s", strings.TrimSpace(s), eg)
	}
	hour, _ = strconv.Atoi(p[1])
	if p[2] != "" {
		min, _ = strconv.Atoi(p[2])
	}
	switch {
	case p[2] == "" && p[3] == "":
		return 0, 0, Errorf(EInvalid, "%q needs its minutes or am/pm (3 could be morning or afternoon). %s", strings.TrimSpace(s), eg)
	case min > 59:
		return 0, 0, Errorf(EInvalid, "%q isn't a time: minutes go up to 59. %s", strings.TrimSpace(s), eg)
	case p[3] == "" && hour > 23:
		return 0, 0, Errorf(EInvalid, "%q isn't a time: hours go up to 23. %s", strings.TrimSpace(s), eg)
	case p[3] != "" && (hour < 1 || hour > 12):
		return 0, 0, Errorf(EInvalid, "%q isn't a time: with am or pm the hour is 1 to 12. %s", strings.TrimSpace(s), eg)
	case p[3] == "am" && hour == 12:
		hour = 0
	case p[3] == "pm" && hour < 12:
		hour += 12
	}
	return hour, min, nil
}

// clockLike matches a word meant as a time, even a wrong one ("25:00"), so
// the error is about the time rather than the date.
var clockLike = regexp.MustCompile(`^\d{1,2}(?:[:.]\d{2}(?:am|pm)?|am|pm)$`)

// CutClock splits "tue at 3:30 pm" into the date "tue" and the time "3:30pm":
// the time is the last word, or two with am/pm; clock is "" if there is none.
func CutClock(s string) (date, clock string) {
	f := strings.Fields(strings.ToLower(s))
	n := len(f)
	switch {
	case n == 0:
		return "", ""
	case clockLike.MatchString(normClock(f[n-1])):
		clock, f = f[n-1], f[:n-1]
	case n >= 2 && clockLike.MatchString(normClock(f[n-2]+f[n-1])):
		clock, f = f[n-2]+f[n-1], f[:n-2]
	default:
		return strings.TrimSpace(s), ""
	}
	if len(f) > 0 && f[len(f)-1] == "at" {
		f = f[:len(f)-1]
	}
	return strings.Join(f, " "), clock
}

// ParseDateTime reads a date with an optional time after it ("tue 3pm",
// "3/12/2026 15:30", "yesterday at 9.15"), or a time alone, meaning today.
// t is that instant in London, or the start of the day when timed is false.
func ParseDateTime(s string, now time.Time, lean Lean) (t time.Time, timed bool, err error) {
	d, derr := ParseDate(s, now, lean)
	if derr == nil {
		return d.Time(), false, nil
	}
	date, clock := CutClock(s)
	if clock == "" {
		return time.Time{}, false, derr
	}
	h, m, err := ParseClock(clock)
	if err != nil {
		return time.Time{}, false, err
	}
	d = DateOf(now)
	if date != "" {
		if d, err = ParseDate(date, now, lean); err != nil {
			return time.Time{}, false, err
		}
	}
	return d.At(h, m), true, nil
}
