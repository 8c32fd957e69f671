package conversations

import (
	"context"
	"fmt"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// notice is `notice OSD-… given [how]`: the written notice reached the parents (rule 9).
func (e *Engine) notice(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Case == nil || len(c.Args) < 2 || !strings.EqualFold(c.Args[1], "given") {
		return text("To record that the written notice reached the parents: notice OSD-… given [letter|email|meeting]."), nil
	}
	how := "letter"
	if len(c.Args) > 2 {
		how = strings.ToLower(c.Args[2])
	}
	k, _, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (offsitebot.Change, error) {
		return k.RecordNotice(actor(c), how)
	})
	if err != nil {
		return nil, err
	}
	return text(noticeGivenText(k.Ref, how, c.Now)), nil
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

// told is `review OSD-… told M1`: the decision to continue reached the parents another way (rule 6).
func (e *Engine) told(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	var mid string
	k, _, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (ch offsitebot.Change, err error) {
		if mid, err = meetingArg(k, c.Args, offsitebot.Meeting.AwaitsTelling); err != nil {
			return ch, err
		}
		return k.DecisionTold(actor(c), mid)
	})
	if err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("Recorded: the parents of %s were told of the decision to continue after %s.", k.Ref, mid)), nil
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
	told := e.tell(ctx, k, ch.Notices)
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
	_, _, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (ch offsitebot.Change, err error) {
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
	return text(fmt.Sprintf("Recorded: the parents were invited to %s (%s) by %s.%s", m.ID, when(m), how, late)), nil
}
