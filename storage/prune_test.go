package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	claims := []struct {
		coll, key string
		at        time.Time
	}{
		{"inbox", "old", now.Add(-4 * 24 * time.Hour)},
		{"inbox", "new", now.Add(-time.Hour)},
		{"telegram_callbacks", "old", now.Add(-61 * 24 * time.Hour)},
		{"telegram_callbacks", "kept", now.Add(-8 * 24 * time.Hour)}, // buttons last longer
	}
	for _, c := range claims {
		if ok, err := db.Claim(ctx, c.coll, c.key, map[string]any{"at": c.at}); !ok || err != nil {
			t.Fatalf("claim %s %s: %v %v", c.coll, c.key, ok, err)
		}
	}
	if _, err := db.IncCounter(ctx, "c1", 1, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IncCounter(ctx, "c2", 1, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := db.Prune(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	for coll, want := range map[string]int64{"inbox": 1, "telegram_callbacks": 1, "counters": 1, "slack_buttons": 0} {
		if got[coll] != want {
			t.Errorf("pruned %d from %s, want %d", got[coll], coll, want)
		}
	}
	// The pruned keys can be claimed again; the kept ones cannot.
	for _, c := range claims {
		ok, err := db.Claim(ctx, c.coll, c.key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.key == "old"; ok != want {
			t.Errorf("%s %s claimable after prune: %v, want %v", c.coll, c.key, ok, want)
		}
	}
}
