package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
)

// TestActiveCasesInMemory lists active cases on the embedded server, where
// they are answered from memory, after every kind of write, and checks each
// answer is exactly what the server holds: what a DB reaching the same data
// by URI (which queries the server) lists, and what a DB opened afresh on it
// (which reads them back by the status index) lists.
func TestActiveCasesInMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, open := ownServer(t, "active")
	db := open(storage.Config{Embedded: srv})
	byURI := open(storage.Config{URI: srv.URI()})

	mustCreate(t, db,
		testCase("OSD-0001", offsitebot.Active, "100001", "200002"),
		testCase("OSD-0002", offsitebot.Ended, "100001", "200002"),
		testCase("OSD-0003", offsitebot.Active, "100002", "200002"),
	)
	filters := []offsitebot.CaseFilter{
		{Status: offsitebot.Active},
		{Status: offsitebot.Active, HomeURN: "100001"},
		{Status: offsitebot.Active, ReceivingURN: "200002", Refs: []string{"OSD-0003", "OSD-0004"}},
		{Status: offsitebot.Active, HomeURN: "100002", Refs: []string{"OSD-0001"}, Any: true},
	}
	same := func(step string) {
		t.Helper()
		fresh := open(storage.Config{Embedded: srv})
		for _, f := range filters {
			got, err := db.Cases(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, other := range []*storage.DB{byURI, fresh} {
				want, err := other.Cases(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: Cases(%+v) from memory\n%#v\nstored\n%#v", step, f, got, want)
				}
			}
		}
	}
	update := func(ref string, fn func(c *offsitebot.Case) (offsitebot.Change, error)) {
		t.Helper()
		if _, err := db.UpdateCase(ctx, ref, func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
			ch, err := fn(c)
			return ch.Audit, err
		}); err != nil {
			t.Fatal(err)
		}
	}
	same("loaded")
	staff := offsitebot.Actor{ID: "slack:T1:U1", Role: offsitebot.RoleHome, Via: offsitebot.Slack, At: t0.Add(1234567)} // not whole ms
	update("OSD-0001", func(c *offsitebot.Case) (offsitebot.Change, error) {
		return c.AddContact(staff, offsitebot.Contact{With: "receiving", How: "phone", Summary: "Fine"})
	})
	update("OSD-0003", func(c *offsitebot.Case) (offsitebot.Change, error) {
		_, ch, err := c.RecordAttendance(staff, offsitebot.AttendanceDay{Date: "2025-03-11", AM: "N", PM: "N"})
		return ch, err
	})
	mustCreate(t, db, testCase("OSD-0004", offsitebot.Active, "100001", "200002"))
	same("changed and created")
	update("OSD-0001", func(c *offsitebot.Case) (offsitebot.Change, error) {
		return c.EndDirection(staff, offsitebot.OutcomeReintegrated)
	})
	same("ended")

	// Saves made while a fresh DB reads the cases in are not lost to it.
	warming := open(storage.Config{Embedded: srv})
	done := make(chan error)
	go func() { done <- warming.Warm(ctx) }()
	for i := range 5 {
		if _, err := warming.UpdateCase(ctx, "OSD-0004", func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
			ch, err := c.AddContact(staff, offsitebot.Contact{With: "receiving", How: "phone", Summary: fmt.Sprint("Call ", i)})
			return ch.Audit, err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	db = warming
	same("saved while warming")

	// A save from a stale copy is still refused, with the version known in memory.
	c, err := db.Case(ctx, "OSD-0003")
	if err != nil {
		t.Fatal(err)
	}
	c.Version--
	wantCode(t, db.SaveCase(ctx, c), offsitebot.EConflict)
}
