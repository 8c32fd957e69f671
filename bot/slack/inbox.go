package slack

import (
	"context"
	"crypto/rand"
	"encoding/json"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Every delivery is kept in the inbox (bot.Inbox) under "slack:" and its
// delivery key before Slack is told it arrived; its kind says what the
// payload is, for a replay after a crash.
const (
	inboxPrefix = "slack:"
	kindSlash   = "slash"  // a SlashCommand as JSON
	kindEvent   = "event"  // an Events API callback as Slack sent it
	kindAction  = "action" // an interaction payload as Slack sent it
	kindView    = "view"   // a modal submission's payload
)

// take keeps a delivery, then starts its work behind the person's earlier
// ones. It reports false only when the delivery could not be kept: the
// caller then refuses it (503, no ack) so Slack delivers it again. A
// delivery kept before is a redelivery, taken and left alone. One kept but
// not started (closing, or too much in flight) is replayed later.
func (a *Adapter) take(ctx context.Context, key, kind, user string, payload []byte, run func(ctx context.Context)) bool {
	key = inboxPrefix + key
	first, err := a.inbox.Keep(ctx, key, kind, payload)
	if err != nil {
		a.log.Error("slack: could not keep a delivery; refused for Slack to send again", "kind", kind, "user", user, "err", err)
		return false
	}
	if !first {
		a.log.Info("slack: duplicate delivery ignored", "kind", kind, "user", user)
		return true
	}
	started := a.spawn(true, user, func(ctx context.Context) {
		ctx = a.inbox.Handling(ctx, key)
		run(ctx)
		bot.Finish(ctx)
	})
	if !started {
		a.log.Warn("slack: delivery kept but not started; it is replayed later", "kind", kind, "user", user)
	}
	return true
}

func (a *Adapter) takeSlash(ctx context.Context, cmd slackapi.SlashCommand) bool {
	team := a.teamOr(cmd.TeamID)
	// The trigger_id tells a replay from a new command. Without one (never
	// from Slack itself) no key could: one made of the words would refuse the
	// same command typed again tomorrow, so it is kept as new.
	key := "slash:" + team + ":" + rand.Text()
	if cmd.TriggerID != "" {
		key = deliveryKey(kindSlash, team, cmd.TriggerID, cmd.UserID, cmd.Text)
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		return false
	}
	return a.take(ctx, key, kindSlash, userID(team, cmd.UserID), payload, func(ctx context.Context) { a.slash(ctx, cmd) })
}

// takeEvent keeps an Events API callback; raw is its JSON as Slack sent it.
func (a *Adapter) takeEvent(ctx context.Context, raw []byte, outer slackevents.EventsAPIEvent) bool {
	cb, ok := outer.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		return true
	}
	key := "event:" + cb.EventID
	if cb.EventID == "" && cb.InnerEvent != nil {
		key = "event:" + hash(string(*cb.InnerEvent))
	}
	team, user := a.teamOr(outer.TeamID), ""
	switch ev := outer.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		user = ev.User
	case *slackevents.AppHomeOpenedEvent:
		user = ev.User
	}
	return a.take(ctx, key, kindEvent, userID(team, user), raw, func(ctx context.Context) { a.event(ctx, outer) })
}

// takeAction keeps a button press; raw is its payload as Slack sent it.
func (a *Adapter) takeAction(ctx context.Context, raw []byte, cb slackapi.InteractionCallback) bool {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return true
	}
	act := cb.ActionCallback.BlockActions[0]
	team := a.teamOr(cb.Team.ID)
	key := deliveryKey(kindAction, team, cb.TriggerID, cb.User.ID, act.ActionTs+act.Value)
	return a.take(ctx, key, kindAction, userID(team, cb.User.ID), raw, func(ctx context.Context) { a.action(ctx, cb) })
}

// replay handles a delivery an earlier run kept and left; a modal's answer
// then comes by DM, the modal being long closed.
func (a *Adapter) replay(ctx context.Context, e offsitebot.InboxEntry) {
	var err error
	switch e.Kind {
	case kindSlash:
		var cmd slackapi.SlashCommand
		if err = json.Unmarshal(e.Payload, &cmd); err == nil {
			a.slash(ctx, cmd)
		}
	case kindEvent:
		var outer slackevents.EventsAPIEvent
		if outer, err = slackevents.ParseEvent(e.Payload, slackevents.OptionNoVerifyToken()); err == nil {
			a.event(ctx, outer)
		}
	case kindAction, kindView:
		var cb slackapi.InteractionCallback
		if err = json.Unmarshal(e.Payload, &cb); err == nil && e.Kind == kindAction {
			a.action(ctx, cb)
		} else if err == nil {
			a.lateView(ctx, cb)
		}
	}
	if err != nil {
		a.log.Error("slack: a kept delivery could not be read", "key", e.Key, "kind", e.Kind, "err", err)
	}
}
