package storage_test

import (
	"context"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
)

// The embedded server's own start-up: these run whatever the test database.

func TestEmbeddedReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for i := range 2 { // the second start finds the indexes and data there
		db, err := storage.Open(ctx, storage.Config{DataDir: dir})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if !db.Embedded() {
			t.Error("not embedded")
		}
		switch i {
		case 0:
			if err := db.CreateCase(ctx, &offsitebot.Case{Ref: "OSD-KEEP", Status: offsitebot.Active}); err != nil {
				t.Fatal(err)
			}
		case 1:
			if _, err := db.Case(ctx, "OSD-KEEP"); err != nil {
				t.Errorf("case lost over restart: %v", err)
			}
		}
		if err := db.Close(ctx); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
}

func TestEmbeddedLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	second, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err == nil {
		second.Close(ctx)
		t.Fatal("second Open on the same data dir succeeded")
	}
	if !strings.Contains(err.Error(), "another offsitebot is using "+dir) {
		t.Errorf("error %q does not say the dir is in use", err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Released on Close.
	third, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := third.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
