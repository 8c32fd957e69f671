package embedded_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/embedded"
	"go.mongodb.org/mongo-driver/v2/bson"
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

// TestIndexIDs shows the server's own queries by _id, in the form it sends
// SQLite, use the index storage has made, for the collections made at start
// and for one first used later; and that a collection made behind storage's
// back scans (so the check can tell).
func TestIndexIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, dir, db := startWith(t, "idx")
	if err := db.CreateCase(ctx, &offsitebot.Case{Ref: "OSD-0001", Status: offsitebot.Active}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Claim(ctx, "later_claims", "k1", nil); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := db.Database().Collection("raw").InsertOne(ctx, map[string]any{"_id": "x"}); err != nil {
		t.Fatal(err)
	}

	sq, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "idx.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	for _, tc := range []struct {
		coll    string
		indexed bool
	}{
		{"cases", true},
		{"identities", true},
		{"reminders", true},
		{"inbox", true},
		{"later_claims", true},
		{"raw", false},
	} {
		var table string
		if err := sq.QueryRowContext(ctx, `SELECT table_name FROM "_ferretdb_collections" WHERE name = ?`, tc.coll).Scan(&table); err != nil {
			t.Fatalf("%s: no table: %v", tc.coll, err)
		}
		// The statements FerretDB 1.24 sends (internal/backends/sqlite).
		for _, q := range []string{
			`SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`,
			`UPDATE %q SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`,
			`DELETE FROM %q WHERE _ferretdb_sjson->'$._id' IN (?)`,
		} {
			plan := queryPlan(t, sq, fmt.Sprintf(q, table))
			if got := strings.Contains(plan, "USING INDEX "+table+"_offsitebot__id"); got != tc.indexed {
				t.Errorf("%s: plan of %q is %q; uses the _id index: %v, want %v", tc.coll, q, plan, got, tc.indexed)
			}
		}
	}
}

// TestIDsWhere shows storage's look-up of the active cases reads the index
// of their status, not the documents, and finds them.
func TestIDsWhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, dir, db := startWith(t, "where")
	for _, c := range []offsitebot.Case{{Ref: "OSD-0001", Status: offsitebot.Active}, {Ref: "OSD-0002", Status: offsitebot.Ended}, {Ref: "OSD-0003", Status: offsitebot.Active}} {
		if err := db.CreateCase(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := srv.IDsWhere(ctx, "where", "cases", "status", "active")
	if slices.Sort(ids); err != nil || !slices.Equal(ids, []string{"OSD-0001", "OSD-0003"}) {
		t.Errorf("IDsWhere = %q, %v; want the two active cases", ids, err)
	}
	sq, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "where.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	var table string
	if err := sq.QueryRowContext(ctx, `SELECT table_name FROM "_ferretdb_collections" WHERE name = 'cases'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf(`SELECT _ferretdb_sjson->>'$._id' FROM %q WHERE _ferretdb_sjson->>'$.status' = ?`, table)
	if plan := queryPlan(t, sq, q); !strings.Contains(plan, "USING INDEX "+table+"_offsitebot_status") {
		t.Errorf("plan of %q is %q; want the status index", q, plan)
	}
}

// startWith starts a server in a directory of its own and opens database
// name on it through storage.
func startWith(t *testing.T, name string) (*embedded.Server, string, *storage.DB) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	db, err := storage.Open(ctx, storage.Config{Embedded: srv, Database: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(ctx) })
	return srv, dir, db
}

// queryPlan is what EXPLAIN QUERY PLAN says of q, one step a line.
func queryPlan(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = `"x"`
	}
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "\n")
}

// TestMoveAudit: a database from before the audit trail was kept apart from
// the cases keeps every case's trail when storage opens it: moved once out of
// the case (read from it until then), an interrupted move repeated, and
// later saves adding to it.
func TestMoveAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, _, db := startWith(t, "moved")
	at := time.Date(2025, 3, 3, 9, 30, 0, 0, time.UTC)
	legacy := func(ref string, actions ...string) *offsitebot.Case {
		c := &offsitebot.Case{Ref: ref, Version: int64(len(actions)), Status: offsitebot.Active}
		for i, a := range actions {
			c.Audit = append(c.Audit, offsitebot.AuditEvent{At: at.Add(time.Duration(i) * time.Minute), By: "slack:T1:U1", Via: offsitebot.Slack, Action: a, Case: ref})
		}
		return c
	}
	cases := db.Database().Collection("cases")
	old := legacy("OSD-OLD1", "case opened", "contact logged", "attendance recorded")
	half := legacy("OSD-OLD2", "case opened", "exported") // its move was interrupted
	for _, c := range []*offsitebot.Case{old, half} {
		if _, err := cases.InsertOne(ctx, c); err != nil { // as storage stored a case before
			t.Fatal(err)
		}
	}
	if _, err := db.Database().Collection("caseaudit").InsertOne(ctx, bson.D{{Key: "_id", Value: "OSD-OLD2:0"}, {Key: "case", Value: "OSD-OLD2"},
		{Key: "version", Value: 0}, {Key: "events", Value: half.Audit}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Database().Collection("meta").DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	// What readers see: the case's own trail (Case.Audit) and the log.
	seen := func(db *storage.DB, ref string) []string {
		t.Helper()
		c, err := db.Case(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		log, err := db.AuditLog(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range slices.Concat(c.Audit, log) {
			out = append(out, e.Action)
		}
		return out
	}
	if got, want := seen(db, old.Ref), []string{"case opened", "contact logged", "attendance recorded"}; !slices.Equal(got, want) {
		t.Errorf("before the move: %q, want %q", got, want)
	}

	moved, err := storage.Open(ctx, storage.Config{Embedded: srv, Database: "moved"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { moved.Close(ctx) })
	for _, c := range []*offsitebot.Case{old, half} {
		var raw bson.M
		if err := cases.FindOne(ctx, bson.D{{Key: "_id", Value: c.Ref}}).Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if _, ok := raw["audit"]; ok {
			t.Errorf("%s: trail still in the case after the move", c.Ref)
		}
		var want []string
		for _, e := range c.Audit {
			want = append(want, e.Action)
		}
		if got := seen(moved, c.Ref); !slices.Equal(got, want) {
			t.Errorf("%s after the move: %q, want %q", c.Ref, got, want)
		}
	}
	k, err := moved.Case(ctx, old.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := moved.SaveCase(ctx, k, offsitebot.AuditEvent{At: at.Add(time.Hour), By: "slack:T1:U1", Via: offsitebot.Slack, Action: "exported"}); err != nil {
		t.Fatal(err)
	}
	if got, want := seen(moved, old.Ref), []string{"case opened", "contact logged", "attendance recorded", "exported"}; !slices.Equal(got, want) {
		t.Errorf("after a save: %q, want %q", got, want)
	}
	if n, err := db.Database().Collection("meta").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Errorf("move recorded %d times (%v), want once", n, err)
	}
}
