package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot/shell"
	"github.com/offsitebot/offsitebot/bot/slack"
	"github.com/offsitebot/offsitebot/bot/telegram"
	"github.com/offsitebot/offsitebot/bot/web"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/reminders"
)

// shutdownGrace is how long work in hand may go on after SIGTERM before it is
// cancelled, so that the whole stop stays within 10 seconds. Deliveries
// refused meanwhile are sent again by Slack and Telegram; reminders cut short
// are retried from the outbox.
const shutdownGrace = 5 * time.Second

// serve runs the chat adapters, the HTTP endpoints, maintenance and the
// reminders until ctx ends or one of them fails, and returns only when every
// one of them has returned, so the database can be closed after it.
func (w *app) serve(ctx context.Context) error {
	m := newMetrics()
	w.router.Observe(m.observe)
	mux := w.mux(m)
	sa, tg, err := w.adapters()
	if err != nil {
		return err
	}
	if tg != nil && w.cfg.Telegram.Username == "" {
		// Before any adapter runs: handlers read the name for join links.
		name, err := tg.Username(ctx)
		if err != nil {
			return fmt.Errorf("%w (or set [telegram] username)", err)
		}
		w.engine.TelegramBot = name
	}
	needHTTP := false
	if sa != nil && w.cfg.Slack.Mode == "http" {
		mux.Handle("POST "+slack.Path, sa)
		needHTTP = true
	}
	if tg != nil && w.cfg.Telegram.Mode == telegram.Webhook {
		mux.Handle("POST "+telegram.WebhookPath, tg)
		needHTTP = true
	}
	if w.web != nil {
		mux.Handle(web.Path, w.web)
		needHTTP = true
	}
	sched, err := w.scheduler()
	if err != nil {
		return err
	}
	var ln net.Listener
	switch addr := w.cfg.HTTP.Listen; {
	case addr != "":
		// Listen now, so a port in use fails the start and the port is open once we say we run.
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("[http] listen: %w", err)
		}
		w.log.Info("http listening", "addr", ln.Addr().String())
	case needHTTP:
		return errors.New("slack http mode, telegram webhook mode and the web overview ([http] public_url) need [http] listen (e.g. \":8080\")")
	}

	// Every part stops when gctx ends: at SIGTERM, or when one part fails.
	g, gctx := errgroup.WithContext(ctx)
	named := func(name string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if sa != nil {
		g.Go(func() error { return named("slack", sa.Run(gctx)) })
		g.Go(func() error { w.closeAfter(gctx, "slack", sa.Close); return nil })
	}
	if tg != nil {
		g.Go(func() error { return named("telegram", tg.Run(gctx)) })
		g.Go(func() error { w.closeAfter(gctx, "telegram", tg.Close); return nil })
	}
	if ln != nil {
		// Requests in hand end by the grace period, when the adapters cancel their work.
		g.Go(func() error { return named("http", w.serveHTTP(gctx, ln, mux, w.grace+2*time.Second)) })
	}
	g.Go(func() error {
		// The first list or sweep need not wait for the active cases to be read.
		if err := w.db.Warm(gctx); err != nil && gctx.Err() == nil {
			w.log.Warn("storage: read active cases ahead", "err", err)
		}
		return nil
	})
	g.Go(func() error { w.maintain(gctx, 6*time.Hour); return nil })
	g.Go(func() error { w.runReminders(gctx, sched); return nil })
	w.log.Info("offsitebot running", "slack", sa != nil, "telegram", tg != nil)
	return g.Wait()
}

// closeAfter waits for ctx to end, then gives the work in hand of an adapter
// the grace period to finish before it is cancelled.
func (w *app) closeAfter(ctx context.Context, name string, close func(context.Context) error) {
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.grace)
	defer cancel()
	if err := close(sctx); err != nil {
		w.log.Warn("shutdown: work in hand cancelled", "adapter", name, "err", err)
	}
}

// runReminders runs the reminder schedules until ctx ends, then stops them,
// cancelling a run in progress (what it leaves unsent is retried at the next
// start) and waiting for it within the grace period.
func (w *app) runReminders(ctx context.Context, s *reminders.Scheduler) {
	s.Start()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.grace)
	defer cancel()
	select {
	case <-s.Stop().Done():
	case <-sctx.Done():
		w.log.Warn("reminders still running at shutdown; unsent ones are retried at the next start")
	}
}

// adapters makes the configured chat adapters and registers them as senders;
// nil for a platform with no token.
func (w *app) adapters() (*slack.Adapter, *telegram.Adapter, error) {
	var sa *slack.Adapter
	var tg *telegram.Adapter
	var err error
	if c := w.cfg.Slack; c.BotToken != "" {
		sa, err = slack.New(slack.Options{
			BotToken: c.BotToken, AppToken: c.AppToken, SigningSecret: c.SigningSecret, APIURL: c.APIURL,
			Mode: c.Mode, Admins: c.Admins, Channel: c.Channel, Router: w.router, Store: w.db, Now: w.now, Log: w.log,
		})
		if err != nil {
			return nil, nil, err
		}
		w.dispatch.Register(offsitebot.Slack, sa)
	}
	if c := w.cfg.Telegram; c.Token != "" {
		tg, err = telegram.New(telegram.Options{
			Token: c.Token, Mode: c.Mode, WebhookSecret: c.WebhookSecret, WebhookURL: c.WebhookURL, APIURL: c.APIURL,
			Router: w.router, Store: w.db, Now: w.now, Log: w.log, Menus: conversations.TelegramMenus(),
		})
		if err != nil {
			return nil, nil, err
		}
		w.dispatch.Register(offsitebot.Telegram, tg)
	}
	return sa, tg, nil
}

func (w *app) scheduler() (*reminders.Scheduler, error) {
	return reminders.New(reminders.Options{
		Config: w.cfg.Reminders, Store: w.db, Send: w.dispatch, Notify: w.engine.Notifier(), Now: w.now, Calendar: w.cal, Settings: w.cfg.Rules,
		Log: w.log.With("component", "reminders"),
	})
}

// reminders is `offsitebot reminders run --at TIME` and `offsitebot reminders list`.
func (w *app) reminders(ctx context.Context, words []string, out io.Writer) error {
	s, err := w.scheduler()
	if err != nil {
		return err
	}
	sub := ""
	if len(words) > 0 {
		sub = words[0]
	}
	switch sub {
	case "list":
		for _, e := range s.Next(w.now()) {
			fmt.Fprintf(out, "%-19s %-22s next %s\n", e.Name, e.Spec, e.Next.In(offsitebot.London).Format("Mon 2 Jan 2006 15:04 MST"))
		}
		return nil
	case "run":
		var at string
		for _, x := range words[1:] {
			if v, ok := strings.CutPrefix(x, "--at="); ok {
				at = v
			}
		}
		t := w.now()
		if at != "" {
			if t, err = parseInstant(at); err != nil {
				return err
			}
		}
		// Messages go out through the adapters that are configured (no polling or
		// socket is opened), and those for shell identities are printed here.
		if _, _, err := w.adapters(); err != nil {
			return err
		}
		w.dispatch.Register(offsitebot.Shell, shell.New(shell.Options{Out: out}))
		rep, err := s.RunAt(ctx, t)
		fmt.Fprint(out, rep.String())
		return err
	}
	return errors.New("use: offsitebot reminders run [--at TIME] | offsitebot reminders list")
}

// parseInstant reads RFC 3339, or "YYYY-MM-DD HH:MM" / "YYYY-MM-DDTHH:MM" in London time.
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, offsitebot.London); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: use RFC 3339 (2026-12-02T09:40:00Z) or London time as \"2026-12-02 09:40\"", s)
}
