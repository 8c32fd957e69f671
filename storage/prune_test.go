package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestPrune(t *testing.T) {
	ctx := context.Background()
	db := storagetest.New(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for key, at := range map[string]time.Time{"old": now.Add(-8 * 24 * time.Hour), "new": now.Add(-time.Hour)} {
		if ok, err := db.Claim(ctx, "events", key, map[string]any{"at": at}); !ok || err != nil {
			t.Fatalf("claim %s: %v %v", key, ok, err)
		}
	}
	if _, err := db.IncCounter(ctx, "c1", 1, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := db.Prune(ctx, "events", now.Add(-7*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	// The pruned key can be claimed again; the kept one cannot.
	if ok, _ := db.Claim(ctx, "events", "old", nil); !ok {
		t.Error("old key still claimed after prune")
	}
	if ok, _ := db.Claim(ctx, "events", "new", nil); ok {
		t.Error("new key lost by prune")
	}
	if n, err := db.Prune(ctx, "counters", now); err != nil || n != 1 {
		t.Errorf("expired counter: pruned %d, %v", n, err)
	}
}
