package conversations

import (
	"fmt"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
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
	s := fmt.Sprintf("%s (%s): %s.", c.Ref, c.Initials(), text)
	if command != "" {
		s += "\nDo it: " + command
	}
	if it.Overdue {
		s = "⚠ Overdue — " + s
	}
	return s
}

// DueButtons take it's step from the reminder about it, for home-school staff.
func DueButtons(it offsitebot.DueItem) [][]bot.Button {
	if b := dueAction(it, offsitebot.RoleHome); b != nil {
		return [][]bot.Button{{*b}}
	}
	return nil
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

// AttendanceSummary is the end-of-day summary for one home school: day d's
// codes for each of cases, as one message.
func AttendanceSummary(d offsitebot.Date, cases []*offsitebot.Case) bot.Reply {
	var b card
	b.head(fmt.Sprintf("Attendance today, %s, from the receiving schools (your register shows %s for each session of an off-site direction):",
		d.Short(), offsitebot.HomeRegisterCode), "Attendance today, "+d.Short(),
		bot.Fact{Value: fmt.Sprintf("From the receiving schools. Your register shows %s for each session of an off-site direction.", offsitebot.HomeRegisterCode)})
	for _, c := range cases {
		line, it := attendanceLine(c, d)
		b.item(line, it)
	}
	return b.reply()
}

// attendanceLine is case c's day d in the home school's summary.
func attendanceLine(c *offsitebot.Case, d offsitebot.Date) (string, bot.Item) {
	i := slices.IndexFunc(c.Attendance, func(a offsitebot.AttendanceDay) bool { return a.Date == d })
	if i < 0 {
		it := bot.Item{Text: fmt.Sprintf("%s %s: not confirmed", c.Ref, c.Initials()), Next: attendanceCommand(c.Ref, d),
			Action: &bot.Button{Label: "Record attendance", Data: "/attendance " + c.Ref + " " + string(d)}}
		return "• " + it.Text + " — " + it.Next, it
	}
	a := c.Attendance[i]
	text := fmt.Sprintf("%s %s: AM %s, PM %s — register %s %s", c.Ref, c.Initials(), a.AM, a.PM,
		offsitebot.HomeRegisterCode, offsitebot.HomeRegisterCode)
	// An alert (N, E) is marked as such; what else the home school should
	// notice is named for what it is: unauthorised absence (O, G), late (U),
	// a morning's N or E before a present afternoon.
	var flags []string
	for _, code := range []string{a.AM, a.PM} {
		ci, err := offsitebot.CheckCode(code)
		f := ci.Code + " " + ci.Meaning
		if !ci.Alert {
			f = ci.Code + " " + ci.Flag + " (" + ci.Meaning + ")"
		}
		if err == nil && ci.Flag != "" && !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	if len(flags) > 0 {
		mark := " · "
		if a.Alert() {
			mark = " ⚠ "
		}
		text += mark + strings.Join(flags, ", ")
	}
	return "• " + text, bot.Item{Text: text}
}

// DigestPart is one reminder of a digest and the reminders job that sent
// it, which groups it.
type DigestPart struct {
	Job   string
	Reply bot.Reply
}

// digestGroups heads each job's reminders in a digest, by the job's name
// (as in [reminders]); another job's go under no heading.
var digestGroups = map[string]string{
	"attendance_prompt":  "Attendance to record today",
	"attendance_chase":   "Attendance still not confirmed",
	"attendance_summary": "Attendance today",
	"contact":            "Weekly contact between the schools",
	"reviews":            "Reviews, notices and deadlines",
	"meetings":           "Meetings on the next school day",
	"feedback":           "Your views before a review",
}

// Digest puts all the reminders one run has for one person into one
// message, grouped by job, each reminder an item with its first button (the
// rest of its answers are in its words), so someone with 40 cases gets one
// message, not 40; the adapters split it only where the platform's length
// limit makes them. One reminder goes as it is, with all its buttons.
func Digest(parts []DigestPart) bot.Reply {
	if len(parts) == 1 {
		return parts[0].Reply
	}
	var jobs []string
	byJob := map[string][]bot.Reply{}
	for _, p := range parts {
		if _, ok := byJob[p.Job]; !ok {
			jobs = append(jobs, p.Job)
		}
		byJob[p.Job] = append(byJob[p.Job], p.Reply)
	}
	var c card
	c.head(fmt.Sprintf("%d reminders:", len(parts)), fmt.Sprintf("%d reminders", len(parts)))
	for _, job := range jobs {
		if len(jobs) > 1 {
			h := digestGroups[job]
			line := ""
			if h != "" {
				line = "\n" + h + ":"
			}
			c.heading(line, h)
		}
		for _, r := range byJob[job] {
			c.r.Sensitive = c.r.Sensitive || r.Sensitive
			text := strings.TrimSpace(r.Title + "\n" + r.Text)
			if r.Title != "" && strings.HasPrefix(r.Text, r.Title) {
				text = r.Text
			}
			it := bot.Item{Text: text}
			if len(r.Buttons) > 0 && len(r.Buttons[0]) > 0 {
				b := r.Buttons[0][0]
				it.Action = &b
			}
			c.item("• "+text, it)
		}
	}
	c.note("Each is also in the case's chronology.")
	return c.reply()
}
