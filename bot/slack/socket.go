package slack

import (
	"context"
	"log/slog"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket keeps a Socket Mode session up until ctx is done. The library
// reconnects by itself after network errors but its loop returns on auth
// errors (and on some others), so it is restarted here with backoff.
func (a *Adapter) runSocket(ctx context.Context) error {
	backoff := time.Second
	for {
		began := a.now()
		err := a.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if a.now().Sub(began) > 5*time.Minute {
			backoff = time.Second // it ran fine for a while: start over
		}
		a.log.Error("slack: socket mode stopped; restarting", "err", err, "in", backoff)
		if err := a.sleep(ctx, backoff); err != nil {
			return nil
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

// session runs one socketmode client until its loop returns, handling its
// events, and warns when nothing at all has arrived for a long time.
func (a *Adapter) session(ctx context.Context) error {
	smc := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()

	ticks := a.watchTick
	if ticks == nil {
		tick := time.NewTicker(min(max(a.opts.Watchdog/4, 10*time.Millisecond), time.Minute))
		defer tick.Stop()
		ticks = tick.C
	}
	last, warned := a.now(), false
	for {
		select {
		case err := <-errc:
			return err
		case evt := <-smc.Events:
			if fromSlack(evt.Type) {
				last, warned = a.now(), false
			}
			a.socketEvent(ctx, smc, evt)
		case <-ticks:
			if idle := a.now().Sub(last); idle > a.opts.Watchdog && !warned {
				a.log.Warn("slack: nothing received over Socket Mode for a long time; is the app still installed and Socket Mode on?", "idle", idle.Round(time.Second))
				warned = true
			}
		}
	}
}

// fromSlack reports events Slack sent, as opposed to the library's own
// news of (failed) connection attempts, which must not hush the watchdog.
func fromSlack(t socketmode.EventType) bool {
	switch t {
	case socketmode.EventTypeConnecting, socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth,
		socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		return false
	}
	return true
}

// socketEvent acks a delivery once it is kept in the inbox, and not if it
// could not be: an unacked event is delivered again (perhaps to another
// replica), an unacked command or button shows the person an error.
func (a *Adapter) socketEvent(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	ack := func(payload any) {
		if evt.Request == nil {
			return
		}
		if err := smc.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
			a.log.Warn("slack: ack failed", "err", err)
		}
	}
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack: socket mode connected")
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack: socket mode connection error", "err", evt.Data)
	case socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: socket mode write failed (an ack may be lost; Slack will redeliver)")
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: socket mode invalid auth: check app_token (xapp-…, connections:write)")
	case socketmode.EventTypeEventsAPI:
		outer, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			ack(nil) // unparsable: a redelivery would be too, so don't ask for one
			return
		}
		if evt.Request != nil && a.takeEvent(ctx, evt.Request.Payload, outer) {
			ack(nil)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackapi.SlashCommand)
		if !ok {
			ack(nil)
			return
		}
		if a.takeSlash(ctx, cmd) {
			ack(nil)
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slackapi.InteractionCallback)
		switch {
		case !ok:
			ack(nil)
		case cb.Type == slackapi.InteractionTypeViewSubmission:
			// Its answer is the ack's payload; wait for it off the event loop.
			a.goNow(func(wctx context.Context) {
				resp, taken := a.submit(wctx, cb)
				switch {
				case !taken:
					// No ack: Slack shows its own error and the modal stays open.
				case resp != nil:
					ack(resp)
				default:
					ack(nil) // not a typed nil: that would send "payload": null
				}
			})
		case cb.Type == slackapi.InteractionTypeBlockActions:
			if evt.Request != nil && a.takeAction(ctx, evt.Request.Payload, cb) {
				ack(nil)
			}
		default:
			ack(nil)
		}
	}
}
