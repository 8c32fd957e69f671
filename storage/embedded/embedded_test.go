package embedded_test

import (
	"context"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/embedded"
)

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for i := range 2 { // the second start finds the indexes and data there
		srv, err := embedded.Start(dir, nil)
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		db, err := storage.Open(ctx, storage.Config{Embedded: srv})
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
		if err := srv.Close(); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
	}
}

func TestLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := embedded.Start(dir, nil)
	if err == nil {
		second.Close()
		t.Fatal("second Start on the same data dir succeeded")
	}
	if !strings.Contains(err.Error(), "another offsitebot is using "+dir) {
		t.Errorf("error %q does not say the dir is in use", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Released on Close.
	third, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	if err := third.Close(); err != nil {
		t.Fatal(err)
	}
}
