package conversations

import (
	"fmt"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// What the reminders tell school staff. The reminders package decides who is
// told and when; the words and the commands in them are said here.

// DueNudge is the reminder home-school staff get about it on case c.
func DueNudge(c *offsitebot.Case, it offsitebot.DueItem) string {
	text, command, _ := dueText(it, offsitebot.RoleHome)
	if it.Kind == offsitebot.DueContact {
		s := fmt.Sprintf("%s (%s): %s.\nRecord it: %s", c.Ref, c.Initials(), text, command)
		if it.Overdue {
			s = "⚠ Weekly contact overdue — " + s
		}
		return s
	}
	s := fmt.Sprintf("%s (%s): %s.\nDo it: %s", c.Ref, c.Initials(), text, command)
	if it.Overdue {
		s = "⚠ Overdue — " + s
	}
	return s
}

// MsgAttendanceAlert tells home-school staff the receiving school has not
// confirmed day d's attendance by now; asked is how many there were asked.
func MsgAttendanceAlert(c *offsitebot.Case, d offsitebot.Date, now time.Time, asked int) string {
	who := "The receiving school has been asked again."
	if asked == 0 {
		who = fmt.Sprintf("Nobody at the receiving school can be asked through offsitebot: link one with link %s receiving.", c.Ref)
	}
	return fmt.Sprintf("⚠ Attendance for %s (%s) on %s is not confirmed by %s. A child missing from education is a safeguarding matter: please check the pupil is safe today. %s Once known: %s",
		c.Initials(), c.Ref, d.Short(), now.In(offsitebot.London).Format("15:04"), who, attendanceCommand(c.Ref, d))
}

// MsgAttendanceSummary is the end-of-day summary for one home school, one
// AttendanceLine per case.
func MsgAttendanceSummary(d offsitebot.Date, lines []string) string {
	return fmt.Sprintf("Attendance today, %s, from the receiving schools (your register shows %s for each session of an off-site direction):\n%s",
		d.Short(), offsitebot.HomeRegisterCode, strings.Join(lines, "\n"))
}

// AttendanceLine is case c's day d in the home school's summary.
func AttendanceLine(c *offsitebot.Case, d offsitebot.Date) string {
	i := slices.IndexFunc(c.Attendance, func(a offsitebot.AttendanceDay) bool { return a.Date == d })
	if i < 0 {
		return fmt.Sprintf("• %s %s: not confirmed — %s", c.Ref, c.Initials(), attendanceCommand(c.Ref, d))
	}
	a := c.Attendance[i]
	line := fmt.Sprintf("• %s %s: AM %s, PM %s — register %s %s", c.Ref, c.Initials(), a.AM, a.PM,
		offsitebot.HomeRegisterCode, offsitebot.HomeRegisterCode)
	var alerts []string
	for _, code := range []string{a.AM, a.PM} {
		if ci, err := offsitebot.CheckCode(code); err == nil && ci.Alert && !slices.Contains(alerts, ci.Code) {
			alerts = append(alerts, ci.Code+" "+ci.Meaning)
		}
	}
	if len(alerts) > 0 {
		line += " ⚠ " + strings.Join(alerts, ", ")
	}
	return line
}

// MsgUnreachable tells home-school staff that someone of role linked to c
// can no longer be messaged; role is "" when it is not known.
func MsgUnreachable(c *offsitebot.Case, role offsitebot.Role) string {
	who, link := "Someone linked to", "parent"
	if role != "" {
		who, link = "A "+string(role)+" contact on", string(role)
		if role == offsitebot.RoleParent {
			who = "A parent on"
		}
	}
	return fmt.Sprintf("%s %s (%s) can't be reached by offsitebot any more — they may have blocked it, so reminders are not reaching them. Please contact them another way, and send a new link (link %s %s) if they want to reconnect.",
		who, c.Ref, c.Initials(), c.Ref, link)
}
