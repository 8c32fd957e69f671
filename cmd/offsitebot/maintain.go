package main

import (
	"context"
	"time"
)

// retention says how long each claims collection keeps its keys: long enough
// to outlast any redelivery (Slack retries within the hour, Telegram within a
// day) and, for button data, any button still on someone's screen.
var retention = map[string]time.Duration{
	"slack_events":       7 * 24 * time.Hour,
	"telegram_updates":   7 * 24 * time.Hour,
	"telegram_callbacks": 60 * 24 * time.Hour,
	"counters":           0, // by their own expiry
}

// maintain prunes what TTL indexes would remove on MongoDB (the embedded
// server has none), now and every few hours until ctx ends.
func (w *app) maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		w.prune(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *app) prune(ctx context.Context) {
	now := w.now()
	for coll, keep := range retention {
		if n, err := w.db.Prune(ctx, coll, now.Add(-keep)); err != nil {
			w.log.Warn("prune", "collection", coll, "err", err)
		} else if n > 0 {
			w.log.Info("pruned", "collection", coll, "deleted", n)
		}
	}
	if _, err := w.db.DeleteExpiredConversations(ctx, now); err != nil {
		w.log.Warn("prune conversations", "err", err)
	}
}
