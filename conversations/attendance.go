package conversations

import (
	"context"
	"fmt"
	"slices"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// absentCodes are offered as buttons after "Absent…"; any valid code may be typed.
var absentCodes = []bot.Button{
	{Label: "I illness", Data: "I"}, {Label: "M medical", Data: "M"},
	{Label: "N not known", Data: "N"}, {Label: "O other", Data: "O"},
	{Label: "E suspended", Data: "E"}, // raises an alert like N
}

func codeStep(key, label, q string, when func(*session) bool, buttons ...bot.Button) step {
	return step{
		key: key, label: label, kind: bot.FieldText, when: when, ask: fixed(q, buttons...),
		check: func(_ context.Context, s *session, v string) (string, error) {
			ci, err := offsitebot.CheckCodeBy(s.call.Who.Role, v)
			if err != nil {
				return "", err
			}
			return ci.Code, nil
		},
	}
}

func attendanceFlow() *flow {
	date := dateStep("date", "Date", "Which day?", notFuture, false)
	date.prefill = func(_ context.Context, s *session) (string, bool) {
		return string(offsitebot.DateOf(s.now())), true
	}
	date.checkPrefill = true // today may be a Saturday, or before the start
	dateCheck := date.check
	date.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := dateCheck(ctx, s, v)
		if err != nil {
			return "", err
		}
		d := offsitebot.Date(v)
		if s.c != nil && d < s.c.Start {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "%s is before the direction started (%s). Please give a day from %s on.", d.Short(), s.c.Start.Short(), s.c.Start.Short())
		}
		if !s.e.Calendar.IsSchoolDay(d) {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "%s isn't a school day (weekend, bank holiday or closure), so there is no attendance to record.", d.Short())
		}
		return v, nil
	}
	absent := choiceStep("absent", "Absent all day?", "Absent all day?", yesNo...)
	absent.prefill = func(context.Context, *session) (string, bool) { return "no", true }
	isAbsent := func(s *session) bool { return s.a["absent"] == "yes" }
	notAbsent := func(s *session) bool { return s.a["absent"] != "yes" }
	present := bot.Button{Label: "/ present", Data: "/"}
	late := bot.Button{Label: "L late", Data: "L"}
	codes := append([]bot.Button{present, late}, absentCodes...)
	return &flow{
		name: "attendance", title: "Record attendance", doing: "recording attendance", submit: "Record", action: offsitebot.ActAttendance,
		steps: []step{
			refStep(), date, absent,
			codeStep("code", "Absence code", "Which code?", isAbsent, absentCodes...),
			codeStep("am", "AM code", "The morning (AM) code? / for present, or any attendance code.", notAbsent, codes...),
			codeStep("pm", "PM code", "And the afternoon (PM) code?", notAbsent, codes...),
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			// The date is what comes before "absent CODE" or the two codes ("3 Dec / /").
			n := slices.IndexFunc(w, func(x word) bool { return strings.EqualFold(x.s, "absent") })
			if n < 0 && len(w) >= 3 {
				n = len(w) - 2
			} else if n < 0 && len(w) > 0 && len(w[0].s) > 2 {
				n = 1
			}
			if n > 0 {
				a["date"], w = w[:n].join(), w[n:]
			}
			if len(w) > 0 && strings.EqualFold(w[0].s, "absent") {
				a["absent"] = "yes"
				if len(w) > 1 {
					a["code"] = w[1].s
				}
				return
			}
			if len(w) > 0 {
				a["am"] = w[0].s
			}
			if len(w) > 1 {
				a["pm"] = w[1].s
			}
		},
		done: doneAttendance,
	}
}

func doneAttendance(ctx context.Context, s *session) ([]bot.Reply, error) {
	am, pm := s.a["am"], s.a["pm"]
	if s.a["absent"] == "yes" {
		am, pm = s.a["code"], s.a["code"]
	}
	var was *offsitebot.AttendanceDay // what a correction replaced
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		was, ch, err = c.RecordAttendance(s.actor(), offsitebot.AttendanceDay{Date: offsitebot.Date(s.a["date"]), AM: am, PM: pm})
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	day := offsitebot.Date(s.a["date"])
	corrected := ""
	if was != nil {
		corrected = fmt.Sprintf(" (was AM %s, PM %s)", was.AM, was.PM)
	}
	text := fmt.Sprintf("Recorded for %s, %s: AM %s, PM %s%s. The home school registers %s for both sessions.", c.Ref, day.Short(), am, pm, corrected, offsitebot.HomeRegisterCode)
	// The home school is told at once, unless it recorded the absence itself.
	if len(ch.Notices) > 0 {
		home := s.e.schoolName(ctx, c.HomeURN)
		if s.e.notify.tell(ctx, c, ch.Notices) > 0 {
			text = fmt.Sprintf("Recorded for %s, %s: AM %s, PM %s%s. %s has been told now.", c.Ref, day.Short(), am, pm, corrected, home)
		} else {
			text += fmt.Sprintf(" Please tell %s now: nobody there could be reached through offsitebot.", home)
		}
	}
	return []bot.Reply{{Text: text, Case: c.Ref}}, nil
}

// alertCodes describes the sessions coded as a safeguarding concern, or "".
func alertCodes(am, pm string) string {
	return sessions(am, pm, func(ci offsitebot.CodeInfo) bool { return ci.Alert }, true)
}

// dayCodes describes both sessions of a day: "AM I (illness), PM / (present (afternoon))".
func dayCodes(am, pm string, meaning bool) string {
	return sessions(am, pm, func(offsitebot.CodeInfo) bool { return true }, meaning)
}

// sessions describes the sessions whose codes pass keep, with their meaning
// if asked: "AM and PM N (reason not yet known)" where both are the same.
func sessions(am, pm string, keep func(offsitebot.CodeInfo) bool, meaning bool) string {
	var parts []string
	for _, x := range []struct{ session, code string }{{"AM", am}, {"PM", pm}} {
		ci, err := offsitebot.CheckCode(x.code)
		if err != nil || !keep(ci) {
			continue
		}
		part := x.session + " " + ci.Code
		if meaning {
			part += " (" + ci.Meaning + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 2 && am == pm {
		return "AM and " + parts[1]
	}
	return strings.Join(parts, ", ")
}

// msgAbsenceAlert tells the home school at once of a day that raised an
// alert (notice n), worded for what it is: whereabouts not known (N), or
// suspended (E).
func msgAbsenceAlert(c *offsitebot.Case, n offsitebot.Notice) string {
	day := n.Day
	what := "whereabouts not known"
	follow := "Please find out today where the pupil is and that they are safe: a child whose whereabouts are not known may be missing from education."
	if day.AM != "N" && day.PM != "N" {
		what = "suspended"
		follow = "Please speak to the receiving school today: the pupil must be safe, and education arranged while suspended."
	}
	if today := offsitebot.DateOf(n.At); day.Date < today {
		follow = fmt.Sprintf("This was recorded on %s for an earlier day; please check the pupil is safe.", today.Short())
	}
	return fmt.Sprintf("⚠ Safeguarding — %s: %s (%s) was recorded on %s as %s by %s. %s Type show %s for the case.",
		what, c.Initials(), c.Ref, day.Date.Short(), alertCodes(day.AM, day.PM), recorder(n.Role), follow, c.Ref)
}

// msgAbsenceResolved tells the home school at once that a day which raised
// an alert (notice n) was corrected and raises none now.
func msgAbsenceResolved(c *offsitebot.Case, n offsitebot.Notice) string {
	return fmt.Sprintf("✓ Resolved: the alert about %s (%s) on %s is resolved — %s corrected the day from %s to %s. Type show %s for the case.",
		c.Initials(), c.Ref, n.Day.Date.Short(), recorder(n.Role), dayCodes(n.DayWas.AM, n.DayWas.PM, false), dayCodes(n.Day.AM, n.Day.PM, true), c.Ref)
}

// recorder says who recorded attendance, for the home school.
func recorder(role offsitebot.Role) string {
	switch role {
	case offsitebot.RoleReceiving:
		return "the receiving school"
	case offsitebot.RoleAdmin:
		return "an offsitebot admin"
	}
	return string(role)
}
