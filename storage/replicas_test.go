package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
)

// replicas returns two DBs on one database of one embedded server, each
// reaching it by its URI as two processes would: without the in-process lock
// that makes the server's updates atomic for writers sharing it.
func replicas(t *testing.T, now func() time.Time) (a, b *storage.DB) {
	t.Helper()
	srv, openCfg := ownServer(t, "replicas")
	open := func() *storage.DB {
		db := openCfg(storage.Config{URI: srv.URI(), Now: now})
		if db.Embedded() {
			t.Fatal("opened by URI, yet embedded")
		}
		return db
	}
	return open(), open()
}

// TestReplicasRace races two replicas, several requests each, to redeem the
// same join codes and to change the same cases: each code links one person,
// and every change acknowledged is stored.
func TestReplicasRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := replicas(t, nil)
	dbs := []*storage.DB{a, b}

	t.Run("join codes", func(t *testing.T) {
		const codes, perReplica = 6, 4
		for i := range codes {
			jc := offsitebot.JoinCode{Code: fmt.Sprint("CODE", i), Case: "OSD-0001", Role: offsitebot.RoleParent, Created: t0, Expires: t0.Add(time.Hour)}
			if err := a.CreateJoinCode(ctx, jc); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		winners := map[string][]string{}
		var wg sync.WaitGroup
		for i := range codes {
			code := fmt.Sprint("CODE", i)
			for r, db := range dbs {
				for k := range perReplica {
					who := fmt.Sprintf("telegram:%d%d", r, k)
					wg.Go(func() {
						jc, err := db.RedeemJoinCode(ctx, code, who, t0)
						switch {
						case err == nil:
							mu.Lock()
							winners[code] = append(winners[code], jc.UsedBy)
							mu.Unlock()
						case offsitebot.ErrorCode(err) != offsitebot.EInvalid:
							t.Errorf("%s by %s: %v", code, who, err)
						}
					})
				}
			}
		}
		wg.Wait()
		for i := range codes {
			code := fmt.Sprint("CODE", i)
			if len(winners[code]) != 1 {
				t.Errorf("%s redeemed by %v, want exactly one person", code, winners[code])
				continue
			}
			// The one told they joined is the one stored.
			if _, err := b.RedeemJoinCode(ctx, code, "telegram:late", t0); offsitebot.ErrorCode(err) != offsitebot.EInvalid {
				t.Errorf("%s redeemable after the race: %v", code, err)
			}
		}
	})

	t.Run("saves", func(t *testing.T) {
		const cases, each = 2, 3 // changes per writer
		writers := 4             // per replica
		if raceDetector {
			// A save takes seconds under -race: 8 writers of one case then
			// outlast the retries meant for a few dozen at normal speed.
			writers = 2
		}
		for i := range cases {
			mustCreate(t, a, testCase(fmt.Sprint("OSD-RP0", i), offsitebot.Active, "100001", "200002"))
		}
		var mu sync.Mutex
		acked := map[string][]string{}
		var wg sync.WaitGroup
		for i := range cases {
			ref := fmt.Sprint("OSD-RP0", i)
			for r, db := range dbs {
				for w := range writers {
					wg.Go(func() {
						for n := range each {
							id := fmt.Sprintf("r%dw%dn%d", r, w, n)
							_, err := db.UpdateCase(ctx, ref, func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
								c.Contacts = append(c.Contacts, offsitebot.Contact{ID: id, At: t0, With: "home", How: "phone"})
								return []offsitebot.AuditEvent{auditEvent("contact " + id)}, nil
							})
							if err != nil {
								t.Errorf("%s %s: %v", ref, id, err) // a person would have been told to try again
								continue
							}
							mu.Lock()
							acked[ref] = append(acked[ref], id)
							mu.Unlock()
						}
					})
				}
			}
		}
		wg.Wait()
		for i := range cases {
			ref := fmt.Sprint("OSD-RP0", i)
			got, err := b.Case(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got.Contacts[1:] { // after the test case's own
				ids = append(ids, c.ID)
			}
			want := acked[ref]
			slices.Sort(ids)
			slices.Sort(want)
			var audited []string // each change's event once, and the losers' none
			for _, a := range trail(t, b, ref)[1:] {
				audited = append(audited, strings.TrimPrefix(a, "contact "))
			}
			slices.Sort(audited)
			if !slices.Equal(ids, want) || got.Version != int64(1+len(want)) || !slices.Equal(audited, want) {
				t.Errorf("%s: stored %d contacts, version %d, %d audit events; %d changes acknowledged",
					ref, len(ids), got.Version, len(audited), len(want))
			}
		}
	})
}

// TestReplicaDiedMidSave: a replica that claimed a save and died before
// making it holds the case up only until its claim is plainly stale; one
// still at work is waited for.
func TestReplicaDiedMidSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	a, _ := replicas(t, func() time.Time { return now })
	mustCreate(t, a, testCase("OSD-DEAD", offsitebot.Active, "100001", "200002"))
	// What the dead replica left: its claim on version 1, no update.
	if _, err := a.Database().Collection("once").InsertOne(ctx, map[string]any{"_id": "case:OSD-DEAD:1", "at": t0}); err != nil {
		t.Fatal(err)
	}
	c, err := a.Case(ctx, "OSD-DEAD")
	if err != nil {
		t.Fatal(err)
	}
	c.Arrival = "Reception"
	now = t0.Add(10 * time.Second)
	wantCode(t, a.SaveCase(ctx, c), offsitebot.EConflict) // perhaps still saving

	now = t0.Add(2 * time.Minute)
	if err := a.SaveCase(ctx, c); err != nil {
		t.Fatalf("save after the claimant died: %v", err)
	}
	got, err := a.Case(ctx, "OSD-DEAD")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Arrival != "Reception" {
		t.Errorf("stored version %d, arrival %q; want 2, Reception", got.Version, got.Arrival)
	}
}
