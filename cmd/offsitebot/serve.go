package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot/shell"
	"github.com/offsitebot/offsitebot/bot/slack"
	"github.com/offsitebot/offsitebot/bot/telegram"
	"github.com/offsitebot/offsitebot/reminders"
)

// serve runs the chat adapters, the HTTP endpoints and the reminders until ctx ends.
func (w *app) serve(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	m := newMetrics()
	w.router.Observe(m.observe)
	mux := w.mux(m)
	needHTTP := false
	var closers []func(context.Context) error
	run := func(name string, fn func(context.Context) error) {
		go func() {
			if err := fn(ctx); err != nil {
				cancel(fmt.Errorf("%s: %w", name, err))
			}
		}()
	}

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
	if sa != nil {
		if w.cfg.Slack.Mode == "http" {
			mux.Handle("POST "+slack.Path, sa)
			needHTTP = true
		}
		closers = append(closers, sa.Close)
		run("slack", sa.Run)
	}
	if tg != nil {
		if w.cfg.Telegram.Mode == telegram.Webhook {
			mux.Handle("POST "+telegram.WebhookPath, tg)
			needHTTP = true
		}
		run("telegram", tg.Run)
	}
	go w.maintain(ctx, 6*time.Hour)
	stopReminders, err := w.startReminders()
	if err != nil {
		return err
	}
	defer stopReminders()

	switch addr := w.cfg.HTTP.Listen; {
	case addr != "":
		// Listen now, so a port in use fails the start and the port is open once we say we run.
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("[http] listen: %w", err)
		}
		run("http", func(ctx context.Context) error { return serveHTTP(ctx, ln, mux) })
		w.log.Info("http listening", "addr", ln.Addr().String())
	case needHTTP:
		return errors.New("slack http mode and telegram webhook mode need [http] listen (e.g. \":8080\")")
	}
	w.log.Info("offsitebot running", "slack", w.cfg.Slack.BotToken != "", "telegram", w.cfg.Telegram.Token != "")
	<-ctx.Done()
	sctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer stop()
	for _, c := range closers {
		if err := c(sctx); err != nil {
			w.log.Warn("shutdown", "err", err)
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
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
			Router: w.router, Store: w.db, Now: w.now, Log: w.log,
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
		Config: w.cfg.Reminders, Store: w.db, Send: w.dispatch, Now: w.now, Calendar: w.cal,
		Log: w.log.With("component", "reminders"),
	})
}

// startReminders runs the reminder schedules; the returned func stops them,
// waiting a little for a run in progress (what it leaves unsent is retried).
func (w *app) startReminders() (func(), error) {
	s, err := w.scheduler()
	if err != nil {
		return nil, err
	}
	s.Start()
	return func() {
		select {
		case <-s.Stop().Done():
		case <-time.After(15 * time.Second):
			w.log.Warn("reminders still running at shutdown; unsent ones are retried at the next start")
		}
	}, nil
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
