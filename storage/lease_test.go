package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	const ttl = 30 * time.Second
	steps := []struct {
		what   string
		holder string
		at     time.Duration // after t0
		want   bool
	}{
		{"first taker", "a", 0, true},
		{"another while held", "b", 10 * time.Second, false},
		{"holder renews", "a", 20 * time.Second, true},
		{"another before the renewal lapses", "b", 49 * time.Second, false},
		{"another after it lapsed", "b", 51 * time.Second, true},
		{"old holder after losing it", "a", 52 * time.Second, false},
		{"new holder renews", "b", 60 * time.Second, true},
	}
	for _, s := range steps {
		got, err := db.AcquireLease(ctx, "poller", s.holder, t0.Add(s.at), ttl)
		if err != nil || got != s.want {
			t.Fatalf("%s: AcquireLease(%s, +%v) = %v, %v; want %v", s.what, s.holder, s.at, got, err, s.want)
		}
	}
	var doc bson.M
	if err := db.Database().Collection("leases").FindOne(ctx, bson.D{{Key: "_id", Value: "poller"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["holder"] != "b" || !doc["expires"].(bson.DateTime).Time().Equal(t0.Add(90*time.Second)) {
		t.Errorf("lease document = %v, want holder b until t0+90s", doc)
	}

	// Leases are per name.
	if ok, err := db.AcquireLease(ctx, "other", "a", t0.Add(61*time.Second), ttl); err != nil || !ok {
		t.Errorf("AcquireLease(other) = %v, %v; want true", ok, err)
	}

	// Release by someone else changes nothing; by the holder frees it at once.
	if err := db.ReleaseLease(ctx, "poller", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.AcquireLease(ctx, "poller", "a", t0.Add(62*time.Second), ttl); ok {
		t.Error("a took the lease after releasing one it did not hold")
	}
	if err := db.ReleaseLease(ctx, "poller", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.AcquireLease(ctx, "poller", "a", t0.Add(63*time.Second), ttl); err != nil || !ok {
		t.Errorf("AcquireLease after release = %v, %v; want true", ok, err)
	}
}

func TestLeaseRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	const n = 8
	race := func(name string, now time.Time) []string {
		var mu sync.Mutex
		var winners []string
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				holder := fmt.Sprintf("r%d", i)
				ok, err := db.AcquireLease(ctx, name, holder, now, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					winners = append(winners, holder)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return winners
	}
	if w := race("fresh", t0); len(w) != 1 {
		t.Errorf("fresh lease: winners %v, want exactly one", w)
	}
	// Lapsed: everyone goes through the update path at once.
	if ok, err := db.AcquireLease(ctx, "lapsed", "old", t0, time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if w := race("lapsed", t0.Add(2*time.Minute)); len(w) != 1 || w[0] == "old" {
		t.Errorf("lapsed lease: winners %v, want exactly one new holder", w)
	}
}

func TestIncCounter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	exp := t0.Add(time.Hour)
	for i, tt := range []struct {
		key  string
		by   int
		want int
	}{
		{"start:telegram:1:2025030309", 1, 1},
		{"start:telegram:1:2025030309", 1, 2},
		{"start:telegram:1:2025030309", -1, 1},
		{"start:telegram:2:2025030309", 1, 1},
		{"start:telegram:1:2025030310", 1, 1},
		{"start:telegram:1:2025030309", 1, 2},
	} {
		got, err := db.IncCounter(ctx, tt.key, tt.by, exp)
		if err != nil || got != tt.want {
			t.Errorf("%d: IncCounter(%s, %d) = %d, %v; want %d", i, tt.key, tt.by, got, err, tt.want)
		}
	}

	const n = 8
	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			v, err := db.IncCounter(ctx, "race", 1, exp)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			seen = append(seen, v)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(seen)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(seen, want) {
		t.Errorf("concurrent increments returned %v, want %v", seen, want)
	}
}

func TestClaimed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	if _, err := db.Claim(ctx, "callbacks", "k1", map[string]any{"data": "/answer OSD-7K2Q M1 yes", "chat": "42"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key, field, want string
		found            bool
	}{
		{"k1", "data", "/answer OSD-7K2Q M1 yes", true},
		{"k1", "chat", "42", true},
		{"k1", "missing", "", true},
		{"k2", "data", "", false},
	} {
		got, found, err := db.Claimed(ctx, "callbacks", tt.key, tt.field)
		if err != nil || got != tt.want || found != tt.found {
			t.Errorf("Claimed(%s, %s) = %q, %v, %v; want %q, %v", tt.key, tt.field, got, found, err, tt.want, tt.found)
		}
	}
}
