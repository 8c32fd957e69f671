package offsitebot

import (
	"strconv"
	"strings"
)

// CodeInfo describes one attendance code of the 2024 England code set.
// Present sessions count towards attendance; sessions that are not Possible
// are left out of the percentage altogether; Alert codes (N whereabouts not
// known, E suspended) tell the home school at once (rule 3, and see
// AttendanceDay.Alert); Flag is how the day's summary names a code the home
// school should notice ("unauthorised absence", "late").
type CodeInfo struct {
	Code, Meaning, Category  string
	Present, Possible, Alert bool
	Flag                     string
}

// Code categories, as the DfE groups them.
const (
	CatPresent      = "present"
	CatElsewhere    = "attending elsewhere"
	CatAuthorised   = "authorised absence"
	CatUnable       = "unable to attend"
	CatUnauthorised = "unauthorised absence"
	CatAdmin        = "administrative"
)

// HomeRegisterCode is what the home school registers for every session of an
// off-site direction: dual registered, attending another school.
const HomeRegisterCode = "D"

// codeList is the current code set in the DfE's order (School Attendance
// (Pupil Registration) (England) Regulations 2024).
var codeList = []CodeInfo{
	{Code: "/", Meaning: "present (morning)", Category: CatPresent, Present: true, Possible: true},
	{Code: `\`, Meaning: "present (afternoon)", Category: CatPresent, Present: true, Possible: true},
	{Code: "L", Meaning: "late, before the register closed", Category: CatPresent, Present: true, Possible: true},

	{Code: "K", Meaning: "attending education arranged by the local authority", Category: CatElsewhere, Present: true, Possible: true},
	{Code: "V", Meaning: "educational visit or trip", Category: CatElsewhere, Present: true, Possible: true},
	{Code: "P", Meaning: "approved sporting activity", Category: CatElsewhere, Present: true, Possible: true},
	{Code: "W", Meaning: "work experience", Category: CatElsewhere, Present: true, Possible: true},
	{Code: "B", Meaning: "other approved educational activity", Category: CatElsewhere, Present: true, Possible: true},
	{Code: "D", Meaning: "dual registered, attending another school", Category: CatElsewhere},

	{Code: "C1", Meaning: "leave for a regulated performance or employment abroad", Category: CatAuthorised, Possible: true},
	{Code: "M", Meaning: "medical or dental appointment", Category: CatAuthorised, Possible: true},
	{Code: "J1", Meaning: "interview for a job or a place at another school or college", Category: CatAuthorised, Possible: true},
	{Code: "S", Meaning: "study leave for a public examination", Category: CatAuthorised, Possible: true},
	{Code: "X", Meaning: "not of compulsory school age, not required to attend", Category: CatAuthorised},
	{Code: "C2", Meaning: "part-time timetable agreed", Category: CatAuthorised, Possible: true},
	{Code: "C", Meaning: "leave for exceptional circumstances", Category: CatAuthorised, Possible: true},
	{Code: "T", Meaning: "parent travelling for work", Category: CatAuthorised, Possible: true},
	{Code: "R", Meaning: "religious observance", Category: CatAuthorised, Possible: true},
	{Code: "I", Meaning: "illness", Category: CatAuthorised, Possible: true},
	{Code: "E", Meaning: "suspended or excluded, no alternative provision", Category: CatAuthorised, Possible: true, Alert: true, Flag: "suspended"},

	{Code: "Q", Meaning: "no access arrangements in place", Category: CatUnable},
	{Code: "Y1", Meaning: "transport normally provided not available", Category: CatUnable},
	{Code: "Y2", Meaning: "widespread disruption to travel", Category: CatUnable},
	{Code: "Y3", Meaning: "part of the school premises closed", Category: CatUnable},
	{Code: "Y4", Meaning: "whole school site unexpectedly closed", Category: CatUnable},
	{Code: "Y5", Meaning: "in criminal justice detention", Category: CatUnable},
	{Code: "Y6", Meaning: "public health guidance or law", Category: CatUnable},
	{Code: "Y7", Meaning: "other unavoidable cause", Category: CatUnable},

	{Code: "G", Meaning: "holiday not agreed by the school", Category: CatUnauthorised, Possible: true, Flag: "unauthorised absence"},
	{Code: "N", Meaning: "reason not yet known", Category: CatUnauthorised, Possible: true, Alert: true, Flag: "whereabouts not known"},
	{Code: "O", Meaning: "absent, other unauthorised reason", Category: CatUnauthorised, Possible: true, Flag: "unauthorised absence"},
	{Code: "U", Meaning: "arrived after the register closed", Category: CatUnauthorised, Possible: true, Flag: "late"},

	{Code: "Z", Meaning: "prospective pupil, not yet on the register", Category: CatAdmin},
	{Code: "#", Meaning: "planned school closure", Category: CatAdmin},
}

var codeIndex = func() map[string]CodeInfo {
	m := make(map[string]CodeInfo, len(codeList))
	for _, ci := range codeList {
		m[ci.Code] = ci
	}
	return m
}()

// retired codes and what to use instead; people still type them from habit.
var retiredCodes = map[string]string{
	"H": "H (agreed family holiday) was removed in 2024. Use C if the school agreed leave for exceptional circumstances, or G if the holiday was not agreed.",
	"F": "F (agreed extended family holiday) was removed. Use C if the school agreed leave for exceptional circumstances, or G if the holiday was not agreed.",
	"J": "J (interview) was replaced by J1 in 2024. Use J1 for an interview for a job or a place at another school or college.",
	"Y": "Y was replaced in 2024 by Y1–Y7: Y1 transport not available, Y2 widespread travel disruption, Y3 part of the school closed, Y4 whole school unexpectedly closed, Y5 criminal justice detention, Y6 public health guidance or law, Y7 other unavoidable cause. Please use the one that fits.",
}

// Codes returns the current code set in the DfE's order, for help and buttons.
func Codes() []CodeInfo { return append([]CodeInfo(nil), codeList...) }

// normCode is how people's typing is read: spaces trimmed, letters upper-cased.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CheckCode reads an attendance code as typed ("c1" is C1) and returns what it
// means, or a friendly error naming the replacement for a retired code.
func CheckCode(s string) (CodeInfo, error) {
	code := normCode(s)
	if ci, ok := codeIndex[code]; ok {
		return ci, nil
	}
	if msg, ok := retiredCodes[code]; ok {
		return CodeInfo{}, Errorf(EInvalid, "%s", msg)
	}
	if code == "" {
		return CodeInfo{}, Errorf(EInvalid, "Please give an attendance code. %s", commonCodes)
	}
	return CodeInfo{}, Errorf(EInvalid, "%q isn't a current attendance code. %s", strings.TrimSpace(s), commonCodes)
}

// CheckCodeBy reads a code as CheckCode does, for a person in role. The
// receiving school codes as normal, the pupil being in front of it: D and the
// other attending-elsewhere codes are the home school's, and are refused.
func CheckCodeBy(role Role, s string) (CodeInfo, error) {
	ci, err := CheckCode(s)
	if err != nil || role != RoleReceiving || ci.Category != CatElsewhere {
		return ci, err
	}
	if ci.Code == HomeRegisterCode {
		return CodeInfo{}, Errorf(EInvalid, "D (dual registered) is the home school's code: its register shows D for the sessions the pupil attends your school. Please record what happened at your school: / or \\ present, L late, or the absence code.")
	}
	return CodeInfo{}, Errorf(EInvalid, "%s (%s) is an attending-elsewhere code, which is the home school's to register. Please record the session as your school saw it: / or \\ present, L late, or the absence code; say more in a contact note if the pupil was away on an activity.", ci.Code, ci.Meaning)
}

const commonCodes = `The common ones are / present (morning), \ present (afternoon), L late, I illness, M medical appointment, C exceptional leave, N reason not yet known, E suspended, O other unauthorised absence, U arrived after the register closed, G holiday not agreed.`

// Alert reports whether day d tells the home school at once: a session coded
// N (whereabouts not known) or E (suspended), unless it is the morning and
// the pupil was present in the afternoon (they turned up). Codes outside the
// current set raise none.
func (d AttendanceDay) Alert() bool {
	am, pm := codeIndex[normCode(d.AM)], codeIndex[normCode(d.PM)]
	return pm.Alert || am.Alert && !pm.Present
}

// AttendanceSummary counts the sessions from from to to, inclusive: present
// sessions and possible ones. Codes outside the current set (old records) and
// empty sessions are skipped rather than guessed at; if a date appears twice the
// later entry wins, as it is the correction.
func AttendanceSummary(days []AttendanceDay, from, to Date) (present, possible int) {
	latest := make(map[Date]AttendanceDay, len(days))
	for _, d := range days {
		if d.Date >= from && d.Date <= to {
			latest[d.Date] = d
		}
	}
	for _, d := range latest {
		for _, s := range [2]string{d.AM, d.PM} {
			ci, ok := codeIndex[normCode(s)]
			if !ok {
				continue
			}
			if ci.Possible {
				possible++
			}
			if ci.Present {
				present++
			}
		}
	}
	return present, possible
}

// Percent formats attendance as a whole percentage, rounded down so that any
// absence shows below 100% and 89.9% does not pass for the 90% line; "—" when
// there was no possible session.
func Percent(present, possible int) string {
	if possible <= 0 {
		return "—"
	}
	return strconv.Itoa(present*100/possible) + "%"
}
