package storage_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// TestQueriesUseIndexes runs every operation of DB, with the arguments its
// callers give, on a database reached by URI (so storage takes the ways it
// takes on MongoDB), records the filter and sort of every command that reads,
// changes or deletes documents, and checks that an index storage created
// serves each: its filter narrows on the index's first key and names no
// field outside it, and its sort follows the keys the filter pins. A filter
// pinning _id (equal or $in) is served by the _id index whatever it sorts by.
func TestQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &recorder{}
	now := t0
	db := storagetest.OpenByURI(t, storage.Config{Monitor: rec.monitor(), Now: func() time.Time { return now }})
	if db.Embedded() {
		t.Fatal("opened by URI, yet embedded")
	}

	ops := queryOps(t, db, &now)
	// Every method is run here, or said to make no query: a new one must be added.
	noQueries := []string{"Client", "Close", "Database", "Drop", "Embedded", "Ping"}
	for m := range reflect.TypeFor[*storage.DB]().Methods() {
		if !slices.Contains(noQueries, m.Name) && !slices.ContainsFunc(ops, func(o queryOp) bool { return o.method == m.Name }) {
			t.Errorf("DB.%s is not run by this test: add it to queryOps (or to noQueries if it makes none)", m.Name)
		}
	}
	for _, o := range ops {
		rec.setOp(o.method)
		if err := o.run(ctx); err != nil {
			t.Fatalf("%s: %v", o.method, err)
		}
	}

	qs := rec.queries(t)
	if len(qs) < len(ops) {
		t.Fatalf("recorded %d queries for %d operations: the monitor missed some", len(qs), len(ops))
	}
	have := map[string][]bson.D{}
	for _, q := range qs {
		if _, ok := have[q.coll]; ok {
			continue
		}
		have[q.coll] = indexKeys(t, db.Database().Collection(q.coll))
	}
	for _, q := range qs {
		if err := served(q, have[q.coll]); err != nil {
			t.Errorf("%s: %s on %s with filter %v, sort %v: %v; its indexes: %s", q.op, q.command, q.coll, q.filter, q.sort, err, keyLists(have[q.coll]))
		}
	}
}

type queryOp struct {
	method string
	run    func(ctx context.Context) error
}

// queryOps are the operations of db in the ways the bot uses them. now is
// db's clock.
func queryOps(t *testing.T, db *storage.DB, now *time.Time) []queryOp {
	c := testCase("OSD-IX01", offsitebot.Active, "100001", "100002")
	ended := testCase("OSD-IX02", offsitebot.Ended, "100001", "100002")
	ended.Demo = true
	people := []offsitebot.Identity{
		{ID: "slack:T1:U1", Role: offsitebot.RoleHome, URN: "100001"},
		{ID: "slack:T1:U2", Role: offsitebot.RoleReceiving, URN: "100002", Cases: []string{c.Ref}},
		{ID: "slack:T1:U3", Role: offsitebot.RoleLA},
		{ID: "telegram:1", Role: offsitebot.RoleParent, Cases: []string{c.Ref}},
	}
	reminder := offsitebot.Reminder{Key: "contact:OSD-IX01:2025-03-03", Job: "contact", Kind: "contact", Case: c.Ref, To: "slack:T1:U1",
		ClaimedAt: t0, Expires: t0.Add(8 * time.Hour), Purge: t0.Add(48 * time.Hour), Reply: offsitebot.ReminderMessage{Text: "Contact due."}}
	ignore := func(code string, err error) error { // an error the call is meant to give
		if offsitebot.ErrorCode(err) == code {
			return nil
		}
		return err
	}
	op := func(method string, run func(ctx context.Context) error) queryOp { return queryOp{method, run} }
	return []queryOp{
		op("CreateCase", func(ctx context.Context) error { return db.CreateCase(ctx, c) }),
		op("InsertCases", func(ctx context.Context) error { return db.InsertCases(ctx, []*offsitebot.Case{ended}) }),
		op("HasRealCases", func(ctx context.Context) error { _, err := db.HasRealCases(ctx); return err }),
		op("Warm", db.Warm),
		op("Case", func(ctx context.Context) error { _, err := db.Case(ctx, c.Ref); return err }),
		op("SaveCase", func(ctx context.Context) error { return db.SaveCase(ctx, c, auditEvent("edit")) }),
		op("SaveCase", func(ctx context.Context) error { // from a version claimed already
			stale := *c
			stale.Version--
			return ignore(offsitebot.EConflict, db.SaveCase(ctx, &stale))
		}),
		op("SaveCase", func(ctx context.Context) error { // from a version never stored
			ahead := *c
			ahead.Version += 5
			return ignore(offsitebot.EConflict, db.SaveCase(ctx, &ahead))
		}),
		op("UpdateCase", func(ctx context.Context) error {
			_, err := db.UpdateCase(ctx, c.Ref, func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) { return nil, nil })
			return err
		}),
		op("Cases", func(ctx context.Context) error {
			for _, status := range []offsitebot.Status{offsitebot.Active, offsitebot.Ended} {
				for _, who := range people { // the lists each may see (cases, due, the web overview)
					if f, none := offsitebot.VisibleCases(who, status); !none {
						if _, err := db.Cases(ctx, f); err != nil {
							return err
						}
					}
				}
			}
			for _, f := range []offsitebot.CaseFilter{
				{Status: offsitebot.Active},                   // sweeps
				{Refs: []string{c.Ref}, Any: true},            // the cases of whoever writes
				{Status: offsitebot.Active, Refs: []string{}}, // a flow's choice of case
			} {
				if _, err := db.Cases(ctx, f); err != nil {
					return err
				}
			}
			return nil
		}),
		op("AppendAudit", func(ctx context.Context) error { return db.AppendAudit(ctx, auditEvent("school add")) }),
		op("AppendAuditMany", func(ctx context.Context) error {
			e := auditEvent("reminder")
			e.Case = c.Ref
			return db.AppendAuditMany(ctx, []offsitebot.AuditEvent{e, e})
		}),
		op("AuditLog", func(ctx context.Context) error { _, err := db.AuditLog(ctx, c.Ref); return err }),
		op("PutSchool", func(ctx context.Context) error {
			return db.PutSchool(ctx, offsitebot.School{URN: "100001", Name: "Home"})
		}),
		op("School", func(ctx context.Context) error { _, err := db.School(ctx, "100001"); return err }),
		op("Schools", func(ctx context.Context) error { _, err := db.Schools(ctx); return err }),
		op("PutIdentity", func(ctx context.Context) error {
			for _, p := range people {
				if err := db.PutIdentity(ctx, p); err != nil {
					return err
				}
			}
			return nil
		}),
		op("Identity", func(ctx context.Context) error { _, err := db.Identity(ctx, "slack:T1:U1"); return err }),
		op("LinkCase", func(ctx context.Context) error { return db.LinkCase(ctx, "telegram:1", ended.Ref) }),
		op("UnlinkCase", func(ctx context.Context) error { return db.UnlinkCase(ctx, "telegram:1", ended.Ref) }),
		op("SetUnreachable", func(ctx context.Context) error { return db.SetUnreachable(ctx, "telegram:1", true) }),
		op("SetAbout", func(ctx context.Context) error { return db.SetAbout(ctx, "telegram:1", ended.Ref, t0) }),
		op("Identities", func(ctx context.Context) error {
			for _, f := range []offsitebot.IdentityFilter{
				{},                        // admin lists
				{Role: offsitebot.RoleLA}, // reminders to every officer
				{Role: offsitebot.RoleHome, URN: "100001"}, // a school's staff
				{IDs: []string{"telegram:1"}},              // the people of a case
				{Case: c.Ref},
				{Prefix: "slack:"},
			} {
				if _, err := db.Identities(ctx, f); err != nil {
					return err
				}
			}
			return nil
		}),
		op("CreateJoinCode", func(ctx context.Context) error {
			return db.CreateJoinCode(ctx, offsitebot.JoinCode{Code: "IXCODE", Case: c.Ref, Role: offsitebot.RoleParent, Created: t0, Expires: t0.Add(time.Hour)})
		}),
		op("RedeemJoinCode", func(ctx context.Context) error {
			for range 2 { // the second finds it used
				if _, err := db.RedeemJoinCode(ctx, "IXCODE", "telegram:2", t0); ignore(offsitebot.EInvalid, err) != nil {
					return err
				}
			}
			return nil
		}),
		op("SaveConversation", func(ctx context.Context) error {
			return db.SaveConversation(ctx, offsitebot.Conversation{Key: "slack:T1:U1", Flow: "new", Expires: t0.Add(time.Hour)})
		}),
		op("Conversation", func(ctx context.Context) error {
			_, err := db.Conversation(ctx, "slack:T1:U1", t0.Add(2*time.Hour)) // expired: deleted
			return err
		}),
		op("DeleteConversation", func(ctx context.Context) error { return db.DeleteConversation(ctx, "slack:T1:U1") }),
		op("KeepInbox", func(ctx context.Context) error {
			_, err := db.KeepInbox(ctx, offsitebot.InboxEntry{Key: "slack:E1", Kind: "event", Payload: []byte("{}"), At: t0})
			return err
		}),
		op("InboxLeft", func(ctx context.Context) error {
			_, err := db.InboxLeft(ctx, "slack:", t0.Add(-time.Hour), t0.Add(time.Minute))
			return err
		}),
		op("ClaimInboxReplay", func(ctx context.Context) error { _, err := db.ClaimInboxReplay(ctx, "slack:E1", t0); return err }),
		op("InboxDone", func(ctx context.Context) error { return db.InboxDone(ctx, "slack:E1", t0) }),
		op("Claim", func(ctx context.Context) error {
			_, err := db.Claim(ctx, "slack_buttons", "b1", map[string]any{"data": "x", "owner": "slack:T1:U1", "at": t0})
			return err
		}),
		op("Claimed", func(ctx context.Context) error {
			_, _, err := db.Claimed(ctx, "slack_buttons", "b1", "data")
			return err
		}),
		op("AcquireLease", func(ctx context.Context) error {
			for _, l := range []struct {
				holder string
				at     time.Time
			}{{"a", t0}, {"a", t0.Add(time.Second)}, {"b", t0.Add(time.Second)}, {"b", t0.Add(time.Hour)}} { // take, renew, refused, take over
				if _, err := db.AcquireLease(ctx, "poller", l.holder, l.at, time.Minute); err != nil {
					return err
				}
			}
			return nil
		}),
		op("ReleaseLease", func(ctx context.Context) error { return db.ReleaseLease(ctx, "poller", "b") }),
		op("IncCounter", func(ctx context.Context) error {
			_, err := db.IncCounter(ctx, "sent:2025030309", 1, t0.Add(time.Hour))
			return err
		}),
		op("ClaimReminders", func(ctx context.Context) error {
			_, err := db.ClaimReminders(ctx, []offsitebot.Reminder{reminder})
			return err
		}),
		op("ClaimDigests", func(ctx context.Context) error {
			d := reminder
			d.Key, d.Lines = "", []offsitebot.ReminderLine{{Key: reminder.Key + ":2", Job: reminder.Job, Kind: reminder.Kind, Case: c.Ref,
				Expires: reminder.Expires, Reply: reminder.Reply}}
			_, err := db.ClaimDigests(ctx, []offsitebot.Reminder{d})
			return err
		}),
		op("StaleReminders", func(ctx context.Context) error {
			_, err := db.StaleReminders(ctx, t0.Add(time.Minute), t0.Add(time.Hour))
			return err
		}),
		op("RecordReminders", func(ctx context.Context) error {
			return db.RecordReminders(ctx, []offsitebot.ReminderOutcome{{Key: reminder.Key, Status: "sent", At: t0,
				ClaimedAt: reminder.ClaimedAt, Expires: reminder.Expires, Purge: reminder.Purge}})
		}),
		op("PurgeReminders", func(ctx context.Context) error { return db.PurgeReminders(ctx, t0.Add(72*time.Hour)) }),
		op("CreateWebLink", func(ctx context.Context) error {
			return db.CreateWebLink(ctx, "h1", "slack:T1:U1", t0, t0.Add(time.Hour))
		}),
		op("CheckWebLink", func(ctx context.Context) error { return db.CheckWebLink(ctx, "h1", t0) }),
		op("RedeemWebLink", func(ctx context.Context) error { _, err := db.RedeemWebLink(ctx, "h1", t0); return err }),
		op("CreateWebSession", func(ctx context.Context) error {
			return db.CreateWebSession(ctx, "s1", "slack:T1:U1", t0, t0.Add(time.Hour))
		}),
		op("WebSession", func(ctx context.Context) error { _, err := db.WebSession(ctx, "s1", t0); return err }),
		op("DeleteWebSession", func(ctx context.Context) error { return db.DeleteWebSession(ctx, "s1") }),
		op("Prune", func(ctx context.Context) error { _, err := db.Prune(ctx, t0.Add(90*24*time.Hour)); return err }),
	}
}

// recorder keeps the commands a client sends, each with the operation that
// sent it.
type recorder struct {
	mu   sync.Mutex
	op   string
	sent []sentCommand
}

type sentCommand struct {
	op, name string
	cmd      bson.Raw
}

func (r *recorder) setOp(op string) {
	r.mu.Lock()
	r.op = op
	r.mu.Unlock()
}

func (r *recorder) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		switch e.CommandName {
		case "find", "update", "delete", "findAndModify", "aggregate", "count", "distinct":
			r.mu.Lock()
			r.sent = append(r.sent, sentCommand{op: r.op, name: e.CommandName, cmd: slices.Clone(e.Command)})
			r.mu.Unlock()
		}
	}}
}

// query is one filter and sort a command applies to a collection.
type query struct {
	op, command, coll string
	filter, sort      bson.D
}

// queries takes the filters and sorts out of the commands sent: a find's, each
// statement's of an update or delete, a findAndModify's, and an aggregate's
// $match and $sort.
func (r *recorder) queries(t *testing.T) []query {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []query
	for _, s := range r.sent {
		var cmd bson.M
		if err := bson.Unmarshal(s.cmd, &cmd); err != nil {
			t.Fatal(err)
		}
		q := query{op: s.op, command: s.name, coll: fmt.Sprint(cmd[s.name])}
		doc := func(v any) bson.D {
			var d bson.D
			if raw, err := bson.Marshal(v); err == nil {
				_ = bson.Unmarshal(raw, &d)
			}
			return d
		}
		list := func(key string) []any { a, _ := cmd[key].(bson.A); return a }
		switch s.name {
		case "find":
			q.filter, q.sort = doc(cmd["filter"]), doc(cmd["sort"])
			out = append(out, q)
		case "count", "distinct":
			q.filter = doc(cmd["query"])
			out = append(out, q)
		case "findAndModify":
			q.filter, q.sort = doc(cmd["query"]), doc(cmd["sort"])
			out = append(out, q)
		case "update", "delete":
			stmts := list(s.name + "s")
			if len(stmts) == 0 {
				t.Fatalf("%s: %s command without its statements: %v", s.op, s.name, s.cmd)
			}
			for _, st := range stmts {
				for _, e := range doc(st) {
					if e.Key == "q" {
						q.filter = doc(e.Value)
					}
				}
				out = append(out, q)
			}
		case "aggregate":
			for _, stage := range list("pipeline") {
				for _, e := range doc(stage) {
					switch e.Key {
					case "$match":
						q.filter = doc(e.Value)
					case "$sort":
						q.sort = doc(e.Value)
					}
				}
			}
			out = append(out, q)
		}
	}
	return out
}

// served says why no index of keys serves q, or returns nil. A filter ORing
// conditions must be served in each of them.
func served(q query, keys []bson.D) error {
	outer := map[string]bool{} // field: pinned to a value (or a few, $in)
	var branches []bson.D
	for _, e := range q.filter {
		switch {
		case e.Key == "$or":
			a, _ := e.Value.(bson.A)
			for _, b := range a {
				d, _ := b.(bson.D)
				branches = append(branches, d)
			}
		case strings.HasPrefix(e.Key, "$"):
			return fmt.Errorf("%s is not checked here", e.Key)
		default:
			outer[e.Key] = pins(e.Value)
		}
	}
	if branches == nil {
		return servedBy(outer, q.sort, keys)
	}
	for _, b := range branches {
		conds := maps.Clone(outer)
		for _, e := range b {
			if strings.HasPrefix(e.Key, "$") {
				return fmt.Errorf("%s inside $or is not checked here", e.Key)
			}
			conds[e.Key] = pins(e.Value)
		}
		if err := servedBy(conds, q.sort, keys); err != nil {
			return fmt.Errorf("its condition %v: %w", b, err)
		}
	}
	return nil
}

// pins reports whether a field's condition is equality (or $in), which an
// index can be followed past, rather than a range.
func pins(v any) bool {
	d, ok := v.(bson.D)
	if !ok || len(d) == 0 || !strings.HasPrefix(d[0].Key, "$") {
		return true
	}
	for _, e := range d {
		if e.Key != "$eq" && e.Key != "$in" {
			return false
		}
	}
	return true
}

// servedBy finds the index for conditions conds (field: pinned) and sort.
func servedBy(conds map[string]bool, sort bson.D, keys []bson.D) error {
	if conds["_id"] {
		return nil // one document, or the few listed, by the unique _id index
	}
	if len(conds) == 0 && len(sort) == 0 {
		return fmt.Errorf("reads the whole collection")
	}
	for _, k := range keys {
		if indexServes(conds, sort, k) {
			return nil
		}
	}
	return fmt.Errorf("no index serves it")
}

func indexServes(conds map[string]bool, sort, key bson.D) bool {
	fields := make([]string, len(key))
	for i, e := range key {
		fields[i] = e.Key
	}
	for f := range conds {
		if !slices.Contains(fields, f) {
			return false // left to read the documents for
		}
	}
	i := 0
	for i < len(fields) && conds[fields[i]] {
		i++
	}
	if i+len(sort) > len(fields) {
		return false
	}
	for j, e := range sort {
		if e.Key != fields[i+j] || !sameWay(sort, key[i:], j) {
			return false
		}
	}
	_, first := conds[fields[0]]
	return first || (len(conds) == 0 && len(sort) > 0)
}

// sameWay reports whether sort's j-th key runs the way the index's does, as
// its first key does (an index is read either way).
func sameWay(sort, key bson.D, j int) bool {
	dir := func(v any) bool { return fmt.Sprint(v) != "-1" }
	return (dir(sort[j].Value) == dir(key[j].Value)) == (dir(sort[0].Value) == dir(key[0].Value))
}

// keyLists names indexes by their keys: {_id} {status home _id}.
func keyLists(keys []bson.D) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('{')
		for j, e := range k {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.Key)
		}
		b.WriteByte('}')
	}
	return b.String()
}

// TestEmbeddedKeepsNoIndexes: the embedded server, which uses none of the
// indexes, is given none, and those an earlier version made are dropped.
func TestEmbeddedKeepsNoIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, openCfg := ownServer(t, "upgraded")
	open := func() *storage.DB { return openCfg(storage.Config{Embedded: srv}) }
	old := []struct {
		coll string
		keys bson.D
	}{
		{"cases", bson.D{{Key: "status", Value: 1}, {Key: "home", Value: 1}}},
		{"cases", bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}},
		{"inbox", bson.D{{Key: "at", Value: 1}}},
	}
	for _, ix := range old {
		if _, err := open().Database().Collection(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys}); err != nil {
			t.Fatal(err)
		}
	}
	db := open()
	for _, coll := range []string{"cases", "inbox", "identities"} {
		if got := keyLists(indexKeys(t, db.Database().Collection(coll))); got != "{_id}" {
			t.Errorf("%s has indexes %s on the embedded server, want {_id} alone", coll, got)
		}
	}
}

// indexKeys lists the keys of coll's indexes, as the server reports them.
func indexKeys(t *testing.T, coll *mongo.Collection) []bson.D {
	t.Helper()
	ctx := context.Background()
	cur, err := coll.Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Key bson.D `bson:"key"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	keys := make([]bson.D, len(specs))
	for i, s := range specs {
		keys[i] = s.Key
	}
	return keys
}
