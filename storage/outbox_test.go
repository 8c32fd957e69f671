package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	reminder := func(key string, claimed time.Time) offsitebot.Reminder {
		return offsitebot.Reminder{Key: key, Job: "attendance-prompt", Kind: "attendance", Case: "OSD-0001", To: "telegram:1",
			ClaimedAt: claimed, Expires: claimed.Add(8 * time.Hour), Purge: claimed.Add(48 * time.Hour),
			Reply: offsitebot.ReminderMessage{Text: "Attendance today?", Case: "OSD-0001",
				Buttons: []offsitebot.ReminderButton{{Row: 0, Label: "/", Data: "a"}, {Row: 1, Label: "D", Data: "d"}}}}
	}
	keys := func(rs []offsitebot.Reminder) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Key)
		}
		return out
	}

	won, err := db.ClaimReminders(ctx, []offsitebot.Reminder{reminder("a", t0), reminder("b", t0), reminder("c", t0)})
	if err != nil || len(won) != 3 {
		t.Fatalf("first claim won %v, %v; want all 3", keys(won), err)
	}
	// Another run claims an overlapping batch: only the new key is its.
	won, err = db.ClaimReminders(ctx, []offsitebot.Reminder{reminder("b", t0), reminder("d", t0.Add(time.Hour)), reminder("a", t0)})
	if err != nil || !slices.Equal(keys(won), []string{"d"}) {
		t.Fatalf("second claim won %v, %v; want [d]", keys(won), err)
	}

	sent := offsitebot.ReminderOutcome{Key: "a", Status: "sent", At: t0, ClaimedAt: t0, Expires: t0.Add(8 * time.Hour), Purge: t0.Add(48 * time.Hour)}
	if err := db.RecordReminders(ctx, []offsitebot.ReminderOutcome{sent}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordReminders(ctx, []offsitebot.ReminderOutcome{sent}); err != nil { // again, after a half-failed flush
		t.Fatalf("recording an outcome twice: %v", err)
	}

	for _, tc := range []struct {
		name          string
		claimedBefore time.Time
		now           time.Time
		want          []string
	}{
		{"none old enough", t0, t0.Add(time.Hour), nil},
		{"claims without an outcome", t0.Add(time.Minute), t0.Add(time.Hour), []string{"b", "c"}},
		{"and the later one", t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), []string{"b", "c", "d"}},
		{"expired ones are not worth sending", t0.Add(2 * time.Hour), t0.Add(8*time.Hour + time.Minute), []string{"d"}},
	} {
		got, err := db.StaleReminders(ctx, tc.claimedBefore, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys(got), tc.want) {
			t.Errorf("%s: stale %v, want %v", tc.name, keys(got), tc.want)
		}
		if len(got) > 0 && len(got[0].Reply.Buttons) != 2 {
			t.Errorf("%s: stale claim lost its message: %+v", tc.name, got[0].Reply)
		}
	}

	// Purged claims and outcomes are forgotten: their keys can be claimed again.
	if err := db.PurgeReminders(ctx, t0.Add(48*time.Hour+time.Minute)); err != nil {
		t.Fatal(err)
	}
	won, err = db.ClaimReminders(ctx, []offsitebot.Reminder{reminder("a", t0), reminder("d", t0)})
	if err != nil || !slices.Equal(keys(won), []string{"a"}) {
		t.Errorf("after purge won %v, %v; want [a] (d is kept until later)", keys(won), err)
	}
}
