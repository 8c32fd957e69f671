package main

import (
	"context"
	"time"
)

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
	deleted, err := w.db.Prune(ctx, w.now())
	if err != nil && ctx.Err() == nil { // shutting down: the next start prunes
		w.log.Warn("prune", "err", err)
	}
	for coll, n := range deleted {
		if n > 0 {
			w.log.Info("pruned", "collection", coll, "deleted", n)
		}
	}
}
