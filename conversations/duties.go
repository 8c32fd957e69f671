package conversations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// notice is `notice OSD-… given [date] [how]`: the written notice reached the
// parents on that day (today if none; never a day to come) (rule 9). Given
// late, the reply says so: the breach stays on the case.
func (e *Engine) notice(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Case == nil || len(c.Args) < 2 || !strings.EqualFold(c.Args[1], "given") {
		who, ref := "the parents (or the pupil, 18+)", "OSD-…"
		if c.Case != nil {
			who, ref = relevant(c.Case, c.Now), c.Case.Ref
		}
		return text(fmt.Sprintf("To record that the written notice reached %s: notice %s given [date] [letter|email|meeting], e.g. notice %s given 27/11/2026 letter (the day it was given; today if none).", who, ref, ref)), nil
	}
	on, how, err := doneArgs(c.Args[2:], c.Now, "letter")
	if err != nil {
		return nil, err
	}
	k, _, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (offsitebot.Change, error) {
		return k.RecordNotice(actor(c), on, how)
	})
	if err != nil {
		return nil, err
	}
	s := noticeGivenText(k, how, k.NoticeGiven)
	if deadline := offsitebot.NoticeDeadline(k.Start, e.Calendar.For(k.HomeURN)); offsitebot.DateOf(k.NoticeGiven) > deadline {
		s += fmt.Sprintf(" That is late: it was due by %s, 2 school days before the first day (%s). The late notice stays on the case's record.", deadline.Short(), k.Start.Short())
	}
	return text(s), nil
}

// meetingID reports whether w looks like a meeting's ID (M2).
func meetingID(w string) bool {
	if len(w) < 2 || (w[0] != 'M' && w[0] != 'm') {
		return false
	}
	for _, r := range w[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// doneHow are the ways a notice or decision reaches the family.
var doneHow = []string{"letter", "email", "meeting", "phone", "visit", "message", "hand"}

// doneArgs reads "[date] [how]" after a command's fixed words: how is the
// last word if it is one of doneHow (def if not), the date is the rest.
func doneArgs(args []string, now time.Time, def string) (offsitebot.Date, string, error) {
	how := def
	if n := len(args); n > 0 && slices.Contains(doneHow, strings.ToLower(args[n-1])) {
		how, args = strings.ToLower(args[n-1]), args[:n-1]
	}
	if len(args) == 0 {
		return "", how, nil
	}
	on, err := offsitebot.ParseDate(strings.Join(args, " "), now, offsitebot.Back)
	return on, how, err
}

// meetingArg finds the meeting named in args (M2), or says which ones there are.
func meetingArg(k *offsitebot.Case, args []string, ok func(offsitebot.Meeting) bool) (string, error) {
	for _, a := range args {
		if m, found := k.Meeting(strings.ToUpper(a)); found {
			return m.ID, nil
		}
	}
	var ids []string
	for _, m := range k.Meetings {
		if ok(m) {
			ids = append(ids, fmt.Sprintf("%s (%s)", m.ID, m.Date().Short()))
		}
	}
	if len(ids) == 0 {
		return "", offsitebot.Errorf(offsitebot.EInvalid, "%s has no meeting that fits. Type show %s to see its meetings.", k.Ref, k.Ref)
	}
	return "", offsitebot.Errorf(offsitebot.EInvalid, "Which meeting? %s has %s.", k.Ref, strings.Join(ids, ", "))
}

// Named is whom the regulations name, in staff's words: the parents, or
// (adult) the pupil once 18. Every staff text that says who must get the
// notice, an invitation or a decision says it with Named or relevant.
func Named(adult bool) string {
	if adult {
		return "the pupil"
	}
	return "the parents"
}

// relevant is whom the regulations name for c at t (Named).
func relevant(c *offsitebot.Case, t time.Time) string {
	return Named(c.Adult(offsitebot.DateOf(t)))
}

// unreached says why nobody the regulations name for c at t got a message
// through offsitebot: none is linked, or those linked could not be reached.
func unreached(c *offsitebot.Case, t time.Time) string {
	linked, blocked := c.NamedReach(offsitebot.DateOf(t))
	return unreachedWhy(c.Adult(offsitebot.DateOf(t)), linked, blocked)
}

// unreachedWhy is unreached from the facts: the pupil is 18 (adult), someone
// named is linked, and all of them linked blocked offsitebot.
func unreachedWhy(adult, linked, blocked bool) string {
	var s string
	switch {
	case !linked && adult:
		return "the pupil is not linked on offsitebot"
	case !linked:
		return "no parent is linked on offsitebot"
	case adult:
		s = "the pupil could not be reached on offsitebot"
	default:
		s = "no linked parent could be reached on offsitebot"
	}
	if blocked {
		s += " (they may have blocked it)"
	}
	return s
}

// toldNamed reports whether ids include someone the regulations name for c at t.
func toldNamed(c *offsitebot.Case, rs []recipient, t time.Time) bool {
	return slices.ContainsFunc(rs, func(r recipient) bool { return c.Named(r.Role, offsitebot.DateOf(t)) })
}

// reread is c as stored now, or c if it cannot be read: sending may have
// found someone unreachable, which unreached should say.
func (e *Engine) reread(ctx context.Context, c *offsitebot.Case) *offsitebot.Case {
	if k, err := e.Store.Case(ctx, c.Ref); err == nil {
		return k
	}
	return c
}

// toldWho is "the parents were" or, for a pupil of 18 or over, "the pupil was".
func toldWho(k *offsitebot.Case, t time.Time) string {
	return relevant(k, t) + plainWas(k, t)
}

// plainWas agrees with relevant: " were" after the parents, " was" after the pupil.
func plainWas(k *offsitebot.Case, t time.Time) string {
	if k.Adult(offsitebot.DateOf(t)) {
		return " was"
	}
	return " were"
}

// told is `review OSD-… told M1 [date] [how]`: the decision to continue
// reached the parents another way on that day (today if none) (rule 6). Told
// after 6 days, the reply says so: the breach stays on the case.
func (e *Engine) told(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	var mid string
	var rest []string
	for i, a := range c.Args {
		if strings.EqualFold(a, "told") {
			rest = c.Args[i+1:]
		}
	}
	if len(rest) > 0 && meetingID(rest[0]) {
		rest = rest[1:]
	}
	on, how, err := doneArgs(rest, c.Now, "letter")
	if err != nil {
		return nil, err
	}
	k, _, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (ch offsitebot.Change, err error) {
		if mid, err = meetingArg(k, c.Args, offsitebot.Meeting.AwaitsTelling); err != nil {
			return ch, err
		}
		return k.DecisionTold(actor(c), mid, on, how)
	})
	if err != nil {
		return nil, err
	}
	m, _ := k.Meeting(mid)
	s := fmt.Sprintf("Recorded for %s: %s told of the decision to continue after %s (%s, %s).", k.Ref, toldWho(k, c.Now), mid, how, m.Outcome.NoticeSent.In(offsitebot.London).Format("Mon 2 Jan"))
	if deadline := offsitebot.ContinuationDeadline(m.Date()); offsitebot.DateOf(m.Outcome.NoticeSent) > deadline {
		s += fmt.Sprintf(" That is late: it was due by %s, 6 days after the meeting. The late decision stays on the case's record.", deadline.Short())
	}
	return text(s), nil
}

// cancelMeeting is `review OSD-… cancel M2`: the meeting is off; invited parents are told.
func (e *Engine) cancelMeeting(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	var m offsitebot.Meeting
	k, ch, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (ch offsitebot.Change, err error) {
		mid, err := meetingArg(k, c.Args, func(m offsitebot.Meeting) bool { return !m.Held() && !m.Cancelled })
		if err != nil {
			return ch, err
		}
		m, ch, err = k.CancelMeeting(actor(c), mid)
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	told := e.notify.tell(ctx, k, ch.Notices)
	return text(fmt.Sprintf("Review meeting %s (%s) for %s is cancelled; %s told. To set a new time: review %s schedule DATE HH:MM %s",
		m.ID, when(m), k.Ref, plural(told, "person invited", "people invited"), k.Ref, m.Mode)), nil
}

// invited is `review OSD-… invited M1 [letter|phone|email]`: the parents were
// invited another way (rule 5), so the invitation is no longer due.
func (e *Engine) invited(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	upcoming := func(m offsitebot.Meeting) bool { return !m.Held() && !m.Cancelled && m.At.After(c.Now) }
	how := "letter"
	for _, a := range c.Args {
		if l := strings.ToLower(a); l == "phone" || l == "email" || l == "letter" || l == "meeting" || l == "visit" {
			how = l
		}
	}
	var m offsitebot.Meeting
	k, _, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (ch offsitebot.Change, err error) {
		mid, err := meetingArg(k, c.Args, upcoming)
		if err != nil {
			return ch, err
		}
		m, ch, err = k.Invited(actor(c), mid, how)
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	late := ""
	if d := offsitebot.DateOf(c.Now).DaysUntil(m.Date()); d < offsitebot.InvitationNoticeDays {
		late = fmt.Sprintf(" That is %s before the meeting, under the 6 days asked for.", plural(d, "day", "days"))
	}
	return text(fmt.Sprintf("Recorded: %s invited to %s (%s) by %s.%s", relevant(k, c.Now)+plainWas(k, c.Now), m.ID, when(m), how, late)), nil
}
