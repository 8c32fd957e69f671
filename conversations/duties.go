package conversations

import (
	"context"
	"fmt"
	"slices"
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
	k, err := e.update(ctx, c.Case, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		if !k.NoticeGiven.IsZero() {
			return nil, offsitebot.Errorf(offsitebot.EConflict, "The notice for %s was already recorded as given on %s.", k.Ref, offsitebot.DateOf(k.NoticeGiven).Short())
		}
		k.NoticeGiven = c.Now
		addContact(k, offsitebot.Contact{At: c.Now, With: "parent", How: how, Summary: "Written notice of the direction given", By: c.Who.ID, Via: c.Platform})
		return []offsitebot.AuditEvent{{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "notice given", Case: k.Ref, Detail: how}}, nil
	})
	if err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("Recorded: the written notice for %s reached the parents (%s, %s).", k.Ref, how, c.Now.In(offsitebot.London).Format("2 Jan"))), nil
}

// meetingArg finds the meeting named in args (M2), or says which ones there are.
func meetingArg(k *offsitebot.Case, args []string, ok func(offsitebot.Meeting) bool) (int, error) {
	for _, a := range args {
		id := strings.ToUpper(a)
		if i := slices.IndexFunc(k.Meetings, func(m offsitebot.Meeting) bool { return m.ID == id }); i >= 0 {
			return i, nil
		}
	}
	var ids []string
	for _, m := range k.Meetings {
		if ok(m) {
			ids = append(ids, fmt.Sprintf("%s (%s)", m.ID, m.Date().Short()))
		}
	}
	if len(ids) == 0 {
		return -1, offsitebot.Errorf(offsitebot.EInvalid, "%s has no meeting that fits. Type show %s to see its meetings.", k.Ref, k.Ref)
	}
	return -1, offsitebot.Errorf(offsitebot.EInvalid, "Which meeting? %s has %s.", k.Ref, strings.Join(ids, ", "))
}

// told is `review OSD-… told M1`: the decision to continue reached the parents another way (rule 6).
func (e *Engine) told(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	undelivered := func(m offsitebot.Meeting) bool {
		return m.Held() && m.Outcome.Decision == offsitebot.DecisionContinue && m.Outcome.NoticeSent.IsZero()
	}
	var mid string
	k, err := e.update(ctx, c.Case, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		i, err := meetingArg(k, c.Args, undelivered)
		if err != nil {
			return nil, err
		}
		if m := k.Meetings[i]; !undelivered(m) {
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s has no decision to continue waiting to be told (it was told, or the meeting decided otherwise).", m.ID)
		}
		mid = k.Meetings[i].ID
		k.Meetings[i].Outcome.NoticeSent = c.Now
		addContact(k, offsitebot.Contact{At: c.Now, With: "parent", How: "letter", Summary: "Decision to continue after " + mid + " told to parents", By: c.Who.ID, Via: c.Platform})
		return []offsitebot.AuditEvent{{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "decision notice given", Case: k.Ref, Detail: mid}}, nil
	})
	if err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("Recorded: the parents of %s were told of the decision to continue after %s.", k.Ref, mid)), nil
}

// cancelMeeting is `review OSD-… cancel M2`: the meeting is off; invited parents are told.
func (e *Engine) cancelMeeting(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	upcoming := func(m offsitebot.Meeting) bool { return !m.Held() && !m.Cancelled }
	var m offsitebot.Meeting
	k, err := e.update(ctx, c.Case, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		i, err := meetingArg(k, c.Args, upcoming)
		if err != nil {
			return nil, err
		}
		if !upcoming(k.Meetings[i]) {
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s was already held or cancelled.", k.Meetings[i].ID)
		}
		k.Meetings[i].Cancelled = true
		m = k.Meetings[i]
		// Requests it answered pass to the next meeting booked, or are open again.
		next := ""
		if n, ok := offsitebot.NextMeeting(k, c.Now); ok {
			next = n.ID
		}
		for j := range k.Requests {
			if k.Requests[j].Answered == m.ID {
				k.Requests[j].Answered = next
			}
		}
		return []offsitebot.AuditEvent{{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "review cancelled", Case: k.Ref, Detail: m.ID}}, nil
	})
	if err != nil {
		return nil, err
	}
	told := e.tellCancelled(ctx, k, m)
	return text(fmt.Sprintf("Review meeting %s (%s) for %s is cancelled; %s told. To set a new time: review %s schedule DATE HH:MM %s",
		m.ID, when(m), k.Ref, plural(told, "person invited", "people invited"), k.Ref, m.Mode)), nil
}

// tellCancelled tells those invited to m that it is off, and records that it did.
func (e *Engine) tellCancelled(ctx context.Context, k *offsitebot.Case, m offsitebot.Meeting) int {
	told := 0
	for _, inv := range m.Invitations {
		role := offsitebot.RoleParent
		for _, p := range k.People {
			if p.ID == inv.To {
				role = p.Role
			}
		}
		if e.deliver(ctx, k, inv.To, bot.Reply{Text: msgCancelled(k, m, role), Case: k.Ref, Sensitive: true}) {
			told++
		}
	}
	if told > 0 {
		now := e.Now()
		if _, err := e.Store.UpdateCase(ctx, k.Ref, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
			addContact(k, offsitebot.Contact{At: now, With: "parent", How: "message", Summary: "Cancellation of review meeting " + m.ID + " sent", By: "offsitebot", Via: offsitebot.System, Auto: true})
			return []offsitebot.AuditEvent{{At: now, By: "offsitebot", Via: offsitebot.System, Action: "cancellation sent", Case: k.Ref, Detail: m.ID}}, nil
		}); err != nil {
			e.Log.ErrorContext(ctx, "record cancellation", "case", k.Ref, "err", err)
		}
	}
	return told
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
	_, err := e.update(ctx, c.Case, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		i, err := meetingArg(k, c.Args, upcoming)
		if err != nil {
			return nil, err
		}
		if !upcoming(k.Meetings[i]) {
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s is not a meeting still to come.", k.Meetings[i].ID)
		}
		k.Meetings[i].Invitations = append(k.Meetings[i].Invitations, offsitebot.Invitation{To: "outside offsitebot: " + how, Sent: c.Now})
		m = k.Meetings[i]
		addContact(k, offsitebot.Contact{At: c.Now, With: "parent", How: how, Summary: "Invitation to review meeting " + m.ID + " given", By: c.Who.ID, Via: c.Platform})
		return []offsitebot.AuditEvent{{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "invitation given", Case: k.Ref, Detail: m.ID + " by " + how}}, nil
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
