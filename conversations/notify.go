package conversations

import (
	"context"
	"errors"
	"fmt"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/storage"
)

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
	var role offsitebot.Role
	now := e.Now()
	_, err := e.Store.UpdateCase(ctx, c.Ref, func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		for i := range c.People {
			if c.People[i].ID == to {
				c.People[i].Unreachable = true
				role = c.People[i].Role
			}
		}
		return []offsitebot.AuditEvent{{At: now, By: "offsitebot", Via: offsitebot.System, Action: "recipient unreachable", Case: c.Ref, Detail: to}}, nil
	})
	if err != nil {
		e.Log.ErrorContext(ctx, "record unreachable", "case", c.Ref, "err", err)
	}
	if role == "" || role.Staff() && role != offsitebot.RoleReceiving {
		return
	}
	e.tellHome(ctx, c, bot.Reply{Case: c.Ref, Text: fmt.Sprintf(
		"A %s on %s (%s) can't be reached by offsitebot any more — they may have blocked it. Please contact them another way, and send a new link (link %s %s) if they want to reconnect.",
		role, c.Ref, c.Initials(), c.Ref, role)}, "")
}

// tellHome sends r to the case's home-school staff and returns how many got it.
func (e *Engine) tellHome(ctx context.Context, c *offsitebot.Case, r bot.Reply, what string) int {
	staff, err := e.Store.Identities(ctx, storage.IdentityFilter{Role: offsitebot.RoleHome, URN: c.HomeURN})
	if err != nil {
		e.Log.ErrorContext(ctx, "find home staff", "case", c.Ref, "err", err)
		return 0
	}
	n := 0
	for _, s := range staff {
		if err := e.Send.Send(ctx, s.ID, r); err == nil {
			n++
		} else if !errors.Is(err, bot.ErrNoSender) {
			e.Log.WarnContext(ctx, "tell home staff", "to", s.ID, "case", c.Ref, "err", err)
		}
	}
	if what != "" && n > 0 {
		now := e.Now()
		_, err := e.Store.UpdateCase(ctx, c.Ref, func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) {
			return []offsitebot.AuditEvent{{At: now, By: "offsitebot", Via: offsitebot.System, Action: what, Case: c.Ref, Detail: fmt.Sprintf("to %d home-school staff", n)}}, nil
		})
		if err != nil {
			e.Log.ErrorContext(ctx, "record notification", "case", c.Ref, "err", err)
		}
	}
	return n
}

// schoolName returns a school's name, or its URN if it is not known.
func (e *Engine) schoolName(ctx context.Context, urn string) string {
	s, err := e.Store.School(ctx, urn)
	if err != nil || s == nil {
		return "school " + urn
	}
	return s.Name
}
