package storage_test

import (
	"context"
	"fmt"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
)

// TestIdentitiesInMemory: on the embedded server identities are listed from
// memory between writes; after every kind of write each filter lists exactly
// what a DB reaching the same data by URI (which queries the server) lists.
func TestIdentitiesInMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, open := ownServer(t, "people")
	db := open(storage.Config{Embedded: srv})
	byURI := open(storage.Config{URI: srv.URI()})
	filters := []offsitebot.IdentityFilter{
		{},
		{Role: offsitebot.RoleHome},
		{Role: offsitebot.RoleReceiving, URN: "200002"},
		{Case: "OSD-0001"},
		{Prefix: "telegram:"},
		{IDs: []string{"slack:T1:U1", "telegram:9"}},
		{IDs: []string{}},
	}
	for _, step := range []struct {
		name  string
		write func() error
	}{
		{"put", func() error {
			for _, id := range []offsitebot.Identity{
				{ID: "slack:T1:U1", Role: offsitebot.RoleHome, URN: "100001"},
				{ID: "slack:T1:U2", Role: offsitebot.RoleReceiving, URN: "200002"},
				{ID: "telegram:9", Role: offsitebot.RoleParent, Cases: []string{"OSD-0001"}},
			} {
				if err := db.PutIdentity(ctx, id); err != nil {
					return err
				}
			}
			return nil
		}},
		{"link", func() error { return db.LinkCase(ctx, "slack:T1:U2", "OSD-0001") }},
		{"unreachable", func() error { return db.SetUnreachable(ctx, "telegram:9", true) }},
		{"moved school", func() error {
			return db.PutIdentity(ctx, offsitebot.Identity{ID: "slack:T1:U1", Role: offsitebot.RoleReceiving, URN: "200002"})
		}},
		{"unlink", func() error { return db.UnlinkCase(ctx, "telegram:9", "OSD-0001") }},
	} {
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for _, f := range filters {
			got, err := db.Identities(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := byURI.Identities(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after %s, %+v: in memory %v, on the server %v", step.name, f, got, want)
			}
		}
	}
}
