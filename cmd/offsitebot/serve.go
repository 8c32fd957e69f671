package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot/slack"
	"github.com/offsitebot/offsitebot/bot/telegram"
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

	if c := w.cfg.Slack; c.BotToken != "" {
		sa, err := slack.New(slack.Options{
			BotToken: c.BotToken, AppToken: c.AppToken, SigningSecret: c.SigningSecret, APIURL: c.APIURL,
			Mode: c.Mode, Admins: c.Admins, Channel: c.Channel, Router: w.router, Store: w.db, Now: w.now, Log: w.log,
		})
		if err != nil {
			return err
		}
		w.dispatch.Register(offsitebot.Slack, sa)
		if c.Mode == "http" {
			mux.Handle("POST "+slack.Path, sa)
			needHTTP = true
		}
		closers = append(closers, sa.Close)
		run("slack", sa.Run)
	}
	if c := w.cfg.Telegram; c.Token != "" {
		tg, err := telegram.New(telegram.Options{
			Token: c.Token, Mode: c.Mode, WebhookSecret: c.WebhookSecret, WebhookURL: c.WebhookURL, APIURL: c.APIURL,
			Router: w.router, Store: w.db, Now: w.now, Log: w.log,
		})
		if err != nil {
			return err
		}
		if w.cfg.Telegram.Username == "" {
			name, err := tg.Username(ctx)
			if err != nil {
				return fmt.Errorf("%w (or set [telegram] username)", err)
			}
			w.engine.TelegramBot = name
		}
		w.dispatch.Register(offsitebot.Telegram, tg)
		if c.Mode == telegram.Webhook {
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

func (w *app) startReminders() (func(), error) { return func() {}, nil }

func (w *app) reminders(ctx context.Context, words []string, out io.Writer) error {
	return fmt.Errorf("reminders are not wired yet")
}
