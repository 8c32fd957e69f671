package conversations

import (
	"context"
	"errors"
	"fmt"
	"slices"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// actor is who makes a change in call c.
func actor(c bot.Call) offsitebot.Actor {
	return offsitebot.Actor{ID: c.Who.ID, Role: c.Who.Role, Via: c.Platform, At: c.Now}
}

func (s *session) actor() offsitebot.Actor { return actor(s.call) }

// change makes one change of the core to c and stores it (see update). It
// returns the case as stored and the change, whose notices are still to tell.
func (e *Engine) change(ctx context.Context, c *offsitebot.Case, fn func(*offsitebot.Case) (offsitebot.Change, error)) (*offsitebot.Case, offsitebot.Change, error) {
	var ch offsitebot.Change
	k, err := e.update(ctx, c, keep(&ch, fn))
	return k, ch, err
}

// changeRef is change for a case not read yet.
func (e *Engine) changeRef(ctx context.Context, ref string, fn func(*offsitebot.Case) (offsitebot.Change, error)) (*offsitebot.Case, offsitebot.Change, error) {
	var ch offsitebot.Change
	k, err := e.Store.UpdateCase(ctx, ref, keep(&ch, fn))
	return k, ch, err
}

// keep adapts a change of the core to a storage update, keeping the change
// of the last run in ch (an update runs again after a lost race).
func keep(ch *offsitebot.Change, fn func(*offsitebot.Case) (offsitebot.Change, error)) func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) {
	return func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		var err error
		*ch, err = fn(k)
		return ch.Audit, err
	}
}

// errNothingToRecord stops an update that would change nothing.
var errNothingToRecord = errors.New("nothing to record")

// tell words and sends what the notices of a change to c owe, records what
// went in one update of the case, and returns how many messages went.
func (e *Engine) tell(ctx context.Context, c *offsitebot.Case, notices []offsitebot.Notice) int {
	type sent struct {
		n  offsitebot.Notice
		to []string
	}
	var done []sent
	total := 0
	for _, n := range notices {
		to := e.send(ctx, c, n)
		total += len(to)
		if len(to) > 0 {
			done = append(done, sent{n, to})
		}
	}
	if len(done) == 0 {
		return total
	}
	now := e.Now()
	_, err := e.update(ctx, c, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		var events []offsitebot.AuditEvent
		for _, d := range done {
			events = append(events, k.Delivered(d.n, d.to, now).Audit...)
		}
		if len(events) == 0 {
			return nil, errNothingToRecord
		}
		return events, nil
	})
	if err != nil && !errors.Is(err, errNothingToRecord) {
		e.Log.ErrorContext(ctx, "record notices", "case", c.Ref, "err", err)
	}
	return total
}

// send words notice n for everyone it is owed to, sends it, and returns who got it.
func (e *Engine) send(ctx context.Context, c *offsitebot.Case, n offsitebot.Notice) []string {
	if n.To == offsitebot.ToHome {
		r, ok := homeNotice(c, n)
		if !ok {
			e.Log.ErrorContext(ctx, "no words for notice", "kind", n.Kind, "case", c.Ref)
			return nil
		}
		return e.tellHome(ctx, c, r)
	}
	rs, err := e.recipients(ctx, c, n)
	if err != nil {
		e.Log.ErrorContext(ctx, "find recipients", "kind", n.Kind, "case", c.Ref, "err", err)
		return nil
	}
	var school string // the school a message names, read once and only if needed
	var to []string
	for _, r := range rs {
		m := n.Meeting
		reply := bot.Reply{Case: c.Ref, Sensitive: true}
		switch n.Kind {
		case offsitebot.NoticeInvitation:
			reply = invitation(c, m, r.role)
		case offsitebot.NoticeMoved:
			reply.Text, reply.Buttons = msgMoved(c, m, n.Was, r.role), answerButtons(c, m)
		case offsitebot.NoticeCancelled:
			reply.Text = msgCancelled(c, m, r.role)
		case offsitebot.NoticeDecision:
			if school == "" {
				school = e.schoolName(ctx, c.ReceivingURN)
			}
			reply = decision(c, m, school, r.role)
		case offsitebot.NoticeCorrected:
			reply.Text = msgCorrected(c, m, n.Before, r.role)
		case offsitebot.NoticeEnded:
			if school == "" {
				school = e.schoolName(ctx, c.HomeURN)
			}
			reply.Text = msgEnded(c, r.role, school)
		case offsitebot.NoticeReply:
			reply = msgReply(c, n.Text, e.schoolOf(ctx, c.HomeURN), r.role)
		default:
			e.Log.ErrorContext(ctx, "no words for notice", "kind", n.Kind, "case", c.Ref)
			return nil
		}
		if e.deliver(ctx, c, r.id, reply) {
			to = append(to, r.id)
		}
	}
	return to
}

// recipient is someone a notice goes to, and in what role (for its words).
type recipient struct {
	id   string
	role offsitebot.Role
}

// recipients are the people notice n is owed to.
func (e *Engine) recipients(ctx context.Context, c *offsitebot.Case, n offsitebot.Notice) ([]recipient, error) {
	var rs []recipient
	switch n.To {
	case offsitebot.ToParents:
		for _, p := range c.Parents() {
			if n.Kind != offsitebot.NoticeInvitation || !n.Meeting.WasInvited(p.ID) {
				rs = append(rs, recipient{p.ID, p.Role})
			}
		}
	case offsitebot.ToInvited:
		for _, inv := range n.Meeting.Invitations {
			role := offsitebot.RoleParent
			if p, ok := c.Person(inv.To); ok {
				role = p.Role
			}
			rs = append(rs, recipient{inv.To, role})
		}
	case offsitebot.ToRole:
		return e.withRole(ctx, c, n.Role)
	}
	return rs, nil
}

// withRole are the people of role linked to c; for the receiving school, its
// staff too.
func (e *Engine) withRole(ctx context.Context, c *offsitebot.Case, role offsitebot.Role) ([]recipient, error) {
	var rs []recipient
	for _, p := range c.People {
		if p.Role == role {
			rs = append(rs, recipient{p.ID, p.Role})
		}
	}
	if role != offsitebot.RoleReceiving {
		return rs, nil
	}
	staff, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{Role: offsitebot.RoleReceiving, URN: c.ReceivingURN})
	if err != nil {
		return nil, err
	}
	for _, s := range staff {
		if !slices.ContainsFunc(rs, func(r recipient) bool { return r.id == s.ID }) {
			rs = append(rs, recipient{s.ID, s.Role})
		}
	}
	return rs, nil
}

// answerButtons answer an invitation to m.
func answerButtons(c *offsitebot.Case, m offsitebot.Meeting) [][]bot.Button {
	return [][]bot.Button{{
		{Label: "I can come", Data: fmt.Sprintf("/answer %s %s yes", c.Ref, m.ID)},
		{Label: "Please suggest another time", Data: fmt.Sprintf("/answer %s %s other-time", c.Ref, m.ID)},
	}}
}

// homeNotice words notice n for the home school's staff.
func homeNotice(c *offsitebot.Case, n offsitebot.Notice) (bot.Reply, bool) {
	switch n.Kind {
	case offsitebot.NoticeRequest:
		r := n.Request
		booked := ""
		if m, ok := c.Meeting(r.Answered); ok {
			booked = fmt.Sprintf(" A review meeting is already booked for %s; the request can be discussed there.", when(m))
		}
		duty := "The duty to hold a meeting applies: no review meeting in the 10 weeks before."
		if !r.DutyApplies {
			duty = fmt.Sprintf("The duty does not apply yet (a review meeting was held on %s), but please reply to them.", r.LastMeeting.Short())
		}
		next := fmt.Sprintf("\nSchedule a meeting with: review %s schedule DATE HH:MM in-person", c.Ref)
		if booked != "" {
			next = ""
		}
		return bot.Reply{Case: c.Ref, Sensitive: true, Text: fmt.Sprintf("New review request for %s (%s) from the %s, %s:\n“%s”\n%s%s%s",
			c.Initials(), c.Ref, whoName(r.From), r.At.In(offsitebot.London).Format("2 Jan 15:04"), r.Text, duty, booked, next)}, true
	case offsitebot.NoticeSuggestion:
		m := n.Meeting
		return bot.Reply{Case: c.Ref, Sensitive: true, Text: fmt.Sprintf("A parent of %s (%s) can't make review meeting %s (%s) and suggests: “%s”. To move it, schedule a new time: review %s schedule DATE HH:MM %s",
			c.Initials(), c.Ref, m.ID, when(m), n.Text, c.Ref, m.Mode)}, true
	case offsitebot.NoticeAbsence:
		day := n.Day
		follow := "A child missing from education needs following up today."
		if today := offsitebot.DateOf(n.At); day.Date < today {
			follow = fmt.Sprintf("This was recorded on %s for an earlier day; please check the pupil is safe.", today.Short())
		}
		return bot.Reply{Case: c.Ref, Text: fmt.Sprintf("⚠ Safeguarding: %s (%s) was recorded absent on %s — %s — by %s. %s Type show %s for the case.",
			c.Initials(), c.Ref, day.Date.Short(), alertCodes(day.AM, day.PM), recorder(n.Role), follow, c.Ref)}, true
	case offsitebot.NoticeMessage:
		return msgToHome(c, n), true
	case offsitebot.NoticeUnreachable:
		return bot.Reply{Case: c.Ref, Text: fmt.Sprintf(
			"A %s on %s (%s) can't be reached by offsitebot any more — they may have blocked it. Please contact them another way, and send a new link (link %s %s) if they want to reconnect.",
			n.Role, c.Ref, c.Initials(), c.Ref, n.Role)}, true
	}
	return bot.Reply{}, false
}

// deliver sends r to one person about case c. A person who can no longer be
// reached is marked so, and the home school is told, so nobody waits on a
// message that never arrived. It reports whether the message went.
func (e *Engine) deliver(ctx context.Context, c *offsitebot.Case, to string, r bot.Reply) bool {
	err := e.Send.Send(ctx, to, r)
	switch {
	case err == nil:
		return true
	case errors.Is(err, bot.ErrNoSender):
		e.Log.DebugContext(ctx, "no adapter for recipient", "to", to, "case", c.Ref)
		return false
	case errors.Is(err, bot.ErrUnreachable):
		e.Log.WarnContext(ctx, "recipient unreachable", "to", to, "case", c.Ref)
		e.markUnreachable(ctx, c, to)
		return false
	default:
		e.Log.ErrorContext(ctx, "send failed", "to", to, "case", c.Ref, "err", err)
		return false
	}
}

// markUnreachable records that to blocked the bot and tells the home school.
func (e *Engine) markUnreachable(ctx context.Context, c *offsitebot.Case, to string) {
	if err := e.Store.SetUnreachable(ctx, to, true); err != nil {
		e.Log.ErrorContext(ctx, "mark unreachable", "to", to, "err", err)
	}
	k, ch, err := e.changeRef(ctx, c.Ref, func(k *offsitebot.Case) (offsitebot.Change, error) {
		return k.MarkUnreachable(offsitebot.BotActor(e.Now()), to), nil
	})
	if err != nil {
		e.Log.ErrorContext(ctx, "record unreachable", "case", c.Ref, "err", err)
		k = c
	}
	e.tell(ctx, k, ch.Notices)
}

// tellHome sends r to the case's home-school staff and returns those who got it.
func (e *Engine) tellHome(ctx context.Context, c *offsitebot.Case, r bot.Reply) []string {
	staff, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{Role: offsitebot.RoleHome, URN: c.HomeURN})
	if err != nil {
		e.Log.ErrorContext(ctx, "find home staff", "case", c.Ref, "err", err)
		return nil
	}
	var told []string
	for _, s := range staff {
		if err := e.Send.Send(ctx, s.ID, r); err == nil {
			told = append(told, s.ID)
		} else if !errors.Is(err, bot.ErrNoSender) {
			e.Log.WarnContext(ctx, "tell home staff", "to", s.ID, "case", c.Ref, "err", err)
		}
	}
	return told
}
