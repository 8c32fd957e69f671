package web

import (
	"fmt"

	offsitebot "github.com/offsitebot/offsitebot"
)

// bar is a case's attendance over the last two weeks, drawn as a small bar
// of sessions: two marks a school day, coloured as the attendance picture
// colours them.
type bar struct {
	Present, Possible int
	Marks             []mark
}

// mark is one session of the bar.
type mark struct {
	X    int
	Fill string
}

// Session colours, the attendance picture's (Okabe–Ito, told apart with
// colour-blindness too); a session not recorded is pale, so a gap reads as one.
const (
	fillPresent      = "#009e73"
	fillAuthorised   = "#56b4e9"
	fillUnauthorised = "#d55e00"
	fillNotCounted   = "#999999"
	fillNotRecorded  = "#e4e4e4"
)

// barDays is how far back the bar looks: two weeks of calendar days.
const barDays = 14

// markW is the width of one session's mark, in the bar's own units.
const markW = 6

func barOf(k *offsitebot.Case, cal offsitebot.Calendar, today offsitebot.Date) bar {
	from := max(today.AddDays(1-barDays), k.Start)
	b := bar{}
	b.Present, b.Possible = offsitebot.AttendanceSummary(k.Attendance, from, today)
	days := map[offsitebot.Date]offsitebot.AttendanceDay{}
	for _, d := range k.Attendance {
		days[d.Date] = d
	}
	x := 0
	for d := range offsitebot.Days(from, today) {
		rec, ok := days[d]
		if !ok && (d == today || !cal.IsSchoolDay(d)) {
			continue // today is still in hand; a day off has no sessions
		}
		for _, code := range [2]string{rec.AM, rec.PM} {
			b.Marks = append(b.Marks, mark{X: x, Fill: sessionFill(code, ok)})
			x += markW
		}
		x += 2 // a gap between days
	}
	return b
}

func sessionFill(code string, recorded bool) string {
	ci, err := offsitebot.CheckCode(code)
	switch {
	case !recorded || err != nil || code == "":
		return fillNotRecorded
	case ci.Present:
		return fillPresent
	case !ci.Possible:
		return fillNotCounted
	case ci.Category == offsitebot.CatUnauthorised:
		return fillUnauthorised
	}
	return fillAuthorised
}

// Width is the bar's width in its own units.
func (b bar) Width() int { return max(len(b.Marks)*markW+len(b.Marks)/2*2, 1) }

// Percent is the attendance over the bar's sessions.
func (b bar) Percent() string { return offsitebot.Percent(b.Present, b.Possible) }

// Label describes the bar for a screen reader.
func (b bar) Label() string {
	if b.Possible == 0 {
		return "No attendance to count in the last two weeks"
	}
	return fmt.Sprintf("Attendance in the last two weeks: %s, %d of %d sessions", b.Percent(), b.Present, b.Possible)
}
