package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// TestWebLinks: a sign-in link works once, until it expires; a session
// lasts until it expires or is deleted; Prune takes both once expired.
func TestWebLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	for _, h := range []string{"L1", "L2"} {
		if err := db.CreateWebLink(ctx, h, "slack:T:U1", t0, t0.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, hash string
		at         time.Time
		want       string // "" for refused
	}{
		{"unknown", "NOPE", t0, ""},
		{"expired", "L2", t0.Add(10 * time.Minute), ""},
		{"first use", "L1", t0.Add(9 * time.Minute), "slack:T:U1"},
		{"second use", "L1", t0.Add(9 * time.Minute), ""},
	}
	for _, tt := range tests {
		if err := db.CheckWebLink(ctx, tt.hash, tt.at); (tt.want == "") != (offsitebot.ErrorCode(err) == offsitebot.EInvalid) {
			t.Errorf("%s: checked: %v", tt.name, err)
		}
		got, err := db.RedeemWebLink(ctx, tt.hash, tt.at)
		if got != tt.want || (tt.want == "") != (offsitebot.ErrorCode(err) == offsitebot.EInvalid) {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}

	if err := db.CreateWebSession(ctx, "S1", "slack:T:U1", t0, t0.Add(8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateWebSession(ctx, "S2", "slack:T:U2", t0, t0.Add(8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if id, err := db.WebSession(ctx, "S1", t0.Add(time.Hour)); id != "slack:T:U1" || err != nil {
		t.Errorf("session within 8 hours: %q, %v", id, err)
	}
	if _, err := db.WebSession(ctx, "S1", t0.Add(8*time.Hour)); offsitebot.ErrorCode(err) != offsitebot.EInvalid {
		t.Errorf("session after 8 hours: %v", err)
	}
	if err := db.DeleteWebSession(ctx, "S2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.WebSession(ctx, "S2", t0); offsitebot.ErrorCode(err) != offsitebot.EInvalid {
		t.Errorf("session after sign-out: %v", err)
	}
	// A session still running is kept by Prune; expired links and sessions go.
	if err := db.CreateWebSession(ctx, "S3", "slack:T:U3", t0, t0.Add(9*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := db.Prune(ctx, t0.Add(8*time.Hour+time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got["weblinks"] != 2 || got["websessions"] != 1 {
		t.Errorf("pruned %d links and %d sessions, want 2 and 1", got["weblinks"], got["websessions"])
	}
	if id, err := db.WebSession(ctx, "S3", t0.Add(8*time.Hour+time.Minute)); id != "slack:T:U3" || err != nil {
		t.Errorf("running session after Prune: %q, %v", id, err)
	}
}

// TestWebLinkReplicas: replicas racing to use one sign-in link sign in one
// browser only.
func TestWebLinkReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := replicas(t, nil)
	const links, perReplica = 4, 3
	for i := range links {
		if err := a.CreateWebLink(ctx, fmt.Sprint("H", i), "slack:T:U1", t0, t0.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	won := map[string]int{}
	var wg sync.WaitGroup
	for i := range links {
		for _, db := range []*storage.DB{a, b} {
			for range perReplica {
				wg.Go(func() {
					_, err := db.RedeemWebLink(ctx, fmt.Sprint("H", i), t0)
					if err == nil {
						mu.Lock()
						won[fmt.Sprint("H", i)]++
						mu.Unlock()
					} else if offsitebot.ErrorCode(err) != offsitebot.EInvalid {
						t.Error(err)
					}
				})
			}
		}
	}
	wg.Wait()
	for i := range links {
		if n := won[fmt.Sprint("H", i)]; n != 1 {
			t.Errorf("link H%d used %d times, want once", i, n)
		}
	}
}
