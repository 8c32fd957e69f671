package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestClaimDigests: each reminder key goes in one digest to its person,
// whichever run claims first, however many race; a reminder claimed alone
// (before digests) counts as taken; and the digest's number follows the last.
func TestClaimDigests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	digest := func(to string, keys ...string) offsitebot.Reminder {
		d := offsitebot.Reminder{Kind: "digest", To: to, ClaimedAt: t0, Expires: t0.Add(8 * time.Hour), Purge: t0.Add(48 * time.Hour)}
		for _, k := range keys {
			d.Lines = append(d.Lines, offsitebot.ReminderLine{Key: k, Job: "contact", Kind: "contact_nudge", Case: "OSD-0001",
				Expires: d.Expires, Reply: offsitebot.ReminderMessage{Text: "Contact due: " + k}})
		}
		return d
	}
	if _, err := db.ClaimReminders(ctx, []offsitebot.Reminder{{Key: "old", To: "slack:T1:U1", ClaimedAt: t0, Expires: t0, Purge: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{} // digest key -> its keys
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 { // four runs at once, with the same reminders
		wg.Go(func() {
			won, err := db.ClaimDigests(ctx, []offsitebot.Reminder{digest("slack:T1:U1", "a", "b", "old"), digest("telegram:2", "c")})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range won {
				got[d.Key] = append(got[d.Key], d.Keys...)
			}
		})
	}
	wg.Wait()
	want := map[string][]string{"digest:slack:T1:U1:000001": {"a", "b"}, "digest:telegram:2:000001": {"c"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("racing runs claimed %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name string
		keys []string
		want []string // the claimed digest's keys; nil: none claimed
	}{
		{"all taken", []string{"b", "a"}, nil},
		{"one new", []string{"a", "d"}, []string{"d"}},
		{"again", []string{"d"}, nil},
	} {
		won, err := db.ClaimDigests(ctx, []offsitebot.Reminder{digest("slack:T1:U1", tc.keys...)})
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == nil {
			if len(won) != 0 {
				t.Errorf("%s: claimed %+v, want nothing", tc.name, won)
			}
			continue
		}
		if len(won) != 1 || !slices.Equal(won[0].Keys, tc.want) || won[0].Key != "digest:slack:T1:U1:000002" || len(won[0].Lines) != 1 {
			t.Errorf("%s: claimed %+v, want digest 2 with %v", tc.name, won, tc.want)
		}
	}
}

// TestOutboxInMemory: on the embedded server the outbox's reads come from
// memory; after claims, outcomes, a retry and a purge, the stale claims are
// exactly what a DB reaching the same data by URI (which queries the server)
// and one opened afresh (which reads it back) find, and each sees the keys
// the others claimed.
func TestOutboxInMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, open := ownServer(t, "outbox")
	db := open(storage.Config{Embedded: srv})
	byURI := open(storage.Config{URI: srv.URI()})
	digest := func(to string, claimed time.Time, keys ...string) offsitebot.Reminder {
		d := offsitebot.Reminder{Kind: "digest", To: to, ClaimedAt: claimed, Expires: t0.Add(8 * time.Hour), Purge: t0.Add(48 * time.Hour)}
		for _, k := range keys {
			d.Lines = append(d.Lines, offsitebot.ReminderLine{Key: k, Expires: d.Expires})
		}
		return d
	}
	won, err := db.ClaimDigests(ctx, []offsitebot.Reminder{digest("telegram:1", t0, "a"), digest("telegram:2", t0, "b"), digest("telegram:3", t0.Add(time.Hour), "c")})
	if err != nil || len(won) != 3 {
		t.Fatalf("claimed %v, %v", won, err)
	}
	if err := db.RecordReminders(ctx, []offsitebot.ReminderOutcome{{Key: won[0].Key, Status: "sent", At: t0,
		ClaimedAt: won[0].ClaimedAt, Expires: won[0].Expires, Purge: won[0].Purge}}); err != nil {
		t.Fatal(err)
	}
	retry := won[1]
	retry.Key += "#retry"
	retry.Retry = true
	if _, err := db.ClaimReminders(ctx, []offsitebot.Reminder{retry}); err != nil {
		t.Fatal(err)
	}
	same := func(step string, before, now time.Time) {
		t.Helper()
		var want []string
		for i, other := range []*storage.DB{db, byURI, open(storage.Config{Embedded: srv})} {
			rs, err := other.StaleReminders(ctx, before, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Key)
			}
			if i == 0 {
				want = got
			} else if !slices.Equal(got, want) {
				t.Errorf("%s: stale %v, in memory %v", step, got, want)
			}
		}
		if len(want) == 0 && step != "purged" {
			t.Errorf("%s: no stale claims found", step)
		}
	}
	same("claimed", t0.Add(2*time.Hour), t0.Add(3*time.Hour))
	same("early", t0.Add(30*time.Minute), t0.Add(3*time.Hour))
	for _, tc := range []struct {
		db   *storage.DB
		keys []string
		want []string
	}{
		{byURI, []string{"a", "d"}, []string{"d"}},
		{open(storage.Config{Embedded: srv}), []string{"a", "d", "e"}, []string{"e"}},
		{db, []string{"a", "d", "e"}, nil}, // its memory behind: its claim is refused, and it reads again
	} {
		won, err := tc.db.ClaimDigests(ctx, []offsitebot.Reminder{digest("telegram:1", t0, tc.keys...)})
		if err != nil || (tc.want == nil) != (len(won) == 0) || (tc.want != nil && !slices.Equal(won[0].Keys, tc.want)) {
			t.Fatalf("claiming %v got %+v, %v; want %v", tc.keys, won, err, tc.want)
		}
	}
	if err := db.PurgeReminders(ctx, t0.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	same("purged", t0.Add(2*time.Hour), t0.Add(3*time.Hour))
	if n, err := byURI.Database().Collection("reminders").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("%d documents left in the outbox after the purge (%v), want none", n, err)
	}
	if won, err := db.ClaimDigests(ctx, []offsitebot.Reminder{digest("telegram:1", t0, "a")}); err != nil || len(won) != 1 {
		t.Fatalf("after the purge claimed %+v, %v; want a again", won, err)
	}
}
