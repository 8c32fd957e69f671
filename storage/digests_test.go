package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage/storagetest"
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
