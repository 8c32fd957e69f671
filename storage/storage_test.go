package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/embedded"
	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// ownServer starts an embedded server for t alone, and returns it with a
// function opening a DB on its database named database with cfg, closed
// when t ends.
func ownServer(t *testing.T, database string) (*embedded.Server, func(cfg storage.Config) *storage.DB) {
	t.Helper()
	srv, err := embedded.Start(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, func(cfg storage.Config) *storage.DB {
		t.Helper()
		cfg.Database = database
		db, err := storage.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(context.Background()) })
		return db
	}
}

// t0 is the tests' "now"; whole milliseconds, as storage keeps them.
var t0 = time.Date(2025, 3, 3, 9, 30, 0, 0, time.UTC)

func testCase(ref string, status offsitebot.Status, home, receiving string) *offsitebot.Case {
	return &offsitebot.Case{
		Ref: ref, Status: status, Pupil: "Sam Taylor", DOB: "2012-05-01",
		HomeURN: home, ReceivingURN: receiving, Start: "2025-03-10", End: "2025-05-30",
		Opened: t0, OpenedBy: "slack:T1:U1",
		People:   []offsitebot.Person{{ID: "telegram:1", Role: offsitebot.RoleParent, Name: "Pat Taylor", Joined: t0}},
		Contacts: []offsitebot.Contact{{ID: "c1", At: t0, With: "receiving", How: "phone", Summary: "Settled in well.", By: "slack:T1:U1", Via: offsitebot.Slack}},
		Attendance: []offsitebot.AttendanceDay{
			{Date: "2025-03-10", AM: "/", PM: "D", By: "slack:T1:U2", At: t0, Via: offsitebot.Slack},
		},
		Meetings: []offsitebot.Meeting{{ID: "m1", At: t0.Add(14 * 24 * time.Hour), Mode: offsitebot.InPerson, Scheduled: t0, By: "slack:T1:U1"}},
		Requests: []offsitebot.ReviewRequest{{ID: "r1", At: t0, From: offsitebot.FromParent, Text: "Please meet.", By: "telegram:1", Via: offsitebot.Telegram}},
		Feedback: []offsitebot.Feedback{{ID: "f1", At: t0, By: "telegram:1", Pupil: "OK", Family: "Fine"}},
		Audit:    []offsitebot.AuditEvent{{At: t0, By: "slack:T1:U1", Via: offsitebot.Slack, Action: "open", Case: ref}},
	}
}

func auditEvent(action string) offsitebot.AuditEvent {
	return offsitebot.AuditEvent{At: t0, By: "slack:T1:U1", Via: offsitebot.Slack, Action: action}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := offsitebot.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// trail is the actions of case ref's audit trail, as readers get it.
func trail(t *testing.T, db *storage.DB, ref string) []string {
	t.Helper()
	es, err := db.AuditLog(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Case != ref {
			t.Errorf("%s's trail holds %+v", ref, e)
		}
		out = append(out, e.Action)
	}
	return out
}

func mustCreate(t *testing.T, db *storage.DB, cs ...*offsitebot.Case) {
	t.Helper()
	for _, c := range cs {
		if err := db.CreateCase(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCaseCreateRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)

	c := testCase("OSD-AAAA", offsitebot.Active, "100001", "200002")
	c.Version = 7 // ignored: a new case starts at 1
	mustCreate(t, db, c)
	if c.Version != 1 || c.Audit != nil {
		t.Errorf("after create: version %d, audit %+v; want 1 and the trail kept apart", c.Version, c.Audit)
	}
	got, err := db.Case(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Pupil != c.Pupil || len(got.Contacts) != 1 || len(got.Meetings) != 1 ||
		!got.Meetings[0].At.Equal(c.Meetings[0].At) || len(got.Audit) != 0 || got.People[0].Name != "Pat Taylor" {
		t.Errorf("read back %+v", got)
	}
	if got := trail(t, db, c.Ref); !slices.Equal(got, []string{"open"}) {
		t.Errorf("trail %q, want the one event it was opened with", got)
	}

	wantCode(t, db.CreateCase(ctx, testCase("OSD-AAAA", offsitebot.Active, "1", "2")), offsitebot.EConflict)
	if got := trail(t, db, c.Ref); len(got) != 1 {
		t.Errorf("trail after a second create of the reference: %q, want the first's", got)
	}
	_, err = db.Case(ctx, "OSD-ZZZZ")
	wantCode(t, err, offsitebot.ENotFound)
	wantCode(t, db.SaveCase(ctx, &offsitebot.Case{Ref: "OSD-ZZZZ", Version: 1}), offsitebot.ENotFound)

	// nil slices are stored as empty arrays, never null, so $push always works.
	bare := &offsitebot.Case{Ref: "OSD-BBBB", Status: offsitebot.Active}
	mustCreate(t, db, bare)
	var raw bson.M
	if err := db.Database().Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: bare.Ref}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"people", "contacts", "attendance", "meetings", "requests", "feedback"} {
		if _, ok := raw[k].(bson.A); !ok {
			t.Errorf("%s stored as %T %v, want an empty array", k, raw[k], raw[k])
		}
	}
	if a, ok := raw["audit"]; ok {
		t.Errorf("audit stored in the case: %v", a)
	}
}

func TestSaveCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	c := testCase("OSD-SAVE", offsitebot.Active, "100001", "200002")
	c.Outcome = "to be cleared"
	c.Demo = true
	mustCreate(t, db, c)

	c.Sessions = "9:00-12:00"
	c.Outcome, c.Demo = "", false // omitempty fields: must be removed, not left as they were
	c.Contacts = append(c.Contacts, offsitebot.Contact{ID: "c2", At: t0, With: "parent", How: "email", Summary: "Sent the plan."})
	if err := db.SaveCase(ctx, c, auditEvent("contact")); err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || len(c.Audit) != 0 {
		t.Errorf("after save: version %d, audit in memory %+v", c.Version, c.Audit)
	}
	if got := trail(t, db, c.Ref); !slices.Equal(got, []string{"open", "contact"}) {
		t.Errorf("trail %q", got)
	}
	got, err := db.Case(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Sessions != "9:00-12:00" || got.Outcome != "" || got.Demo || len(got.Contacts) != 2 || len(got.Audit) != 0 {
		t.Errorf("stored after save: %+v", got)
	}
}

// TestSaveProjectedCase: a case as Cases lists it (no contacts, feedback or
// audit trail) saved back keeps what it was read without.
func TestSaveProjectedCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	mustCreate(t, db, testCase("OSD-PROJ", offsitebot.Active, "100001", "200002"))
	cs, err := db.Cases(ctx, offsitebot.CaseFilter{Refs: []string{"OSD-PROJ"}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("Cases: %d, %v", len(cs), err)
	}
	c := &cs[0]
	if c.Contacts != nil || c.Feedback != nil {
		t.Fatalf("Cases returned contacts %v, feedback %v: want them left out", c.Contacts, c.Feedback)
	}
	c.Sessions = "9:00-12:00"
	if err := db.SaveCase(ctx, c, auditEvent("save")); err != nil {
		t.Fatal(err)
	}
	got, err := db.Case(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sessions != "9:00-12:00" || len(got.Contacts) != 1 || len(got.Feedback) != 1 || len(trail(t, db, c.Ref)) != 2 {
		t.Errorf("stored: sessions %q, %d contacts, %d feedback, %d audit; want the change, 1, 1, 2",
			got.Sessions, len(got.Contacts), len(got.Feedback), len(trail(t, db, c.Ref)))
	}
}

func TestSaveCaseConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	mustCreate(t, db, testCase("OSD-CONF", offsitebot.Active, "100001", "200002"))

	a, err := db.Case(ctx, "OSD-CONF")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.Case(ctx, "OSD-CONF")
	if err != nil {
		t.Fatal(err)
	}
	a.Arrival = "Ms Jones"
	if err := db.SaveCase(ctx, a, auditEvent("a")); err != nil {
		t.Fatal(err)
	}
	b.Sessions = "all day"
	err = db.SaveCase(ctx, b, auditEvent("b"))
	wantCode(t, err, offsitebot.EConflict)
	if want := "Someone else changed OSD-CONF just now. Please try again."; offsitebot.ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", offsitebot.ErrorMessage(err), want)
	}
	if b.Version != 1 {
		t.Errorf("loser changed in memory: version %d", b.Version)
	}
	got, _ := db.Case(ctx, "OSD-CONF")
	if got.Sessions != "" || got.Arrival != "Ms Jones" {
		t.Errorf("loser's change stored: %+v", got)
	}
	if got := trail(t, db, "OSD-CONF"); !slices.Equal(got, []string{"open", "a"}) {
		t.Errorf("trail %q, want the winner's only", got)
	}
}

// Concurrent UpdateCase calls all land: losers re-read and re-apply.
func TestUpdateCaseRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	mustCreate(t, db, testCase("OSD-RTRY", offsitebot.Active, "100001", "200002"))

	const writers = 5
	var runs atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			_, err := db.UpdateCase(ctx, "OSD-RTRY", func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
				runs.Add(1)
				c.Contacts = append(c.Contacts, offsitebot.Contact{ID: fmt.Sprint("w", i), At: t0})
				return []offsitebot.AuditEvent{auditEvent(fmt.Sprint("w", i))}, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := db.Case(ctx, "OSD-RTRY")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(trail(t, db, "OSD-RTRY")); len(got.Contacts) != 1+writers || n != 1+writers || got.Version != 1+writers {
		t.Errorf("got %d contacts, %d audit events, version %d; want %d, %d, %d",
			len(got.Contacts), n, got.Version, 1+writers, 1+writers, 1+writers)
	}
	t.Logf("%d writers ran fn %d times", writers, runs.Load())

	// fn's error comes back as is and nothing is saved.
	_, err = db.UpdateCase(ctx, "OSD-RTRY", func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		c.Pupil = "changed"
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "no")
	})
	wantCode(t, err, offsitebot.EInvalid)
	_, err = db.UpdateCase(ctx, "OSD-NONE", func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) { return nil, nil })
	wantCode(t, err, offsitebot.ENotFound)
}

func TestAuditAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	c := testCase("OSD-AUDT", offsitebot.Active, "100001", "200002")
	mustCreate(t, db, c)

	c.Audit = append(c.Audit, auditEvent("sneaked in"))             // adding to it in memory…
	if err := db.SaveCase(ctx, c, auditEvent("save")); err != nil { // …is not stored: only the save's events are
		t.Fatal(err)
	}
	if got, want := trail(t, db, c.Ref), []string{"open", "save"}; !slices.Equal(got, want) {
		t.Errorf("stored audit %q, want %q", got, want)
	}
	c.Audit = nil
	if err := db.SaveCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := trail(t, db, c.Ref); len(got) != 2 {
		t.Errorf("stored audit after saving with none: %q, want 2 events", got)
	}
}

// TestAuditOfUnsavedVersions: a save writes its audit events before the
// case; one that died in between left them for a version the case never
// reached, which readers skip and the save that does reach it replaces. Of
// a version taken over from a claimant that died (MongoDB), the taker's
// events are read.
func TestAuditOfUnsavedVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	const ref = "OSD-DIED"
	mustCreate(t, db, testCase(ref, offsitebot.Active, "100001", "200002"))
	left := func(id string, version int64, gen int, action string) bson.D {
		e := auditEvent(action)
		e.Case = ref
		return bson.D{{Key: "_id", Value: id}, {Key: "case", Value: ref}, {Key: "version", Value: version}, {Key: "gen", Value: gen},
			{Key: "events", Value: bson.A{e}}}
	}
	if _, err := db.Database().Collection("caseaudit").InsertMany(ctx, []any{
		left(ref+":2", 2, 0, "died after its claim"), left(ref+":2~1", 2, 1, "taken over"), left(ref+":3", 3, 0, "died before its update"),
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := trail(t, db, ref), []string{"open"}; !slices.Equal(got, want) {
		t.Errorf("at version 1: trail %q, want %q", got, want)
	}
	// The taker's update, as it would have made it.
	c, err := db.Case(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Database().Collection("cases").UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 2}}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := trail(t, db, ref), []string{"open", "taken over"}; !slices.Equal(got, want) {
		t.Errorf("at version 2: trail %q, want %q", got, want)
	}
	c.Version = 2
	if err := db.SaveCase(ctx, c, auditEvent("saved")); err != nil {
		t.Fatal(err)
	}
	if got, want := trail(t, db, ref), []string{"open", "taken over", "saved"}; !slices.Equal(got, want) {
		t.Errorf("at version 3: trail %q, want %q", got, want)
	}
}

func TestCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	mustCreate(t, db,
		testCase("OSD-0003", offsitebot.Active, "100001", "200002"),
		testCase("OSD-0001", offsitebot.Active, "100001", "200003"),
		testCase("OSD-0002", offsitebot.Ended, "100001", "200002"),
		testCase("OSD-0004", offsitebot.Active, "100009", "200002"),
		testCase("OSD-0005", offsitebot.Active, "100008", "200008"),
	)
	tests := []struct {
		name string
		f    offsitebot.CaseFilter
		want []string
	}{
		{"all", offsitebot.CaseFilter{}, []string{"OSD-0001", "OSD-0002", "OSD-0003", "OSD-0004", "OSD-0005"}},
		{"active", offsitebot.CaseFilter{Status: offsitebot.Active}, []string{"OSD-0001", "OSD-0003", "OSD-0004", "OSD-0005"}},
		{"ended", offsitebot.CaseFilter{Status: offsitebot.Ended}, []string{"OSD-0002"}},
		{"home", offsitebot.CaseFilter{HomeURN: "100001"}, []string{"OSD-0001", "OSD-0002", "OSD-0003"}},
		{"active home", offsitebot.CaseFilter{Status: offsitebot.Active, HomeURN: "100001"}, []string{"OSD-0001", "OSD-0003"}},
		{"receiving", offsitebot.CaseFilter{ReceivingURN: "200002"}, []string{"OSD-0002", "OSD-0003", "OSD-0004"}},
		{"home and receiving", offsitebot.CaseFilter{HomeURN: "100001", ReceivingURN: "200002"}, []string{"OSD-0002", "OSD-0003"}},
		{"refs", offsitebot.CaseFilter{Refs: []string{"OSD-0005", "OSD-0002", "OSD-9999"}}, []string{"OSD-0002", "OSD-0005"}},
		{"empty refs", offsitebot.CaseFilter{Refs: []string{}}, []string{}},
		{"home or refs", offsitebot.CaseFilter{Status: offsitebot.Active, HomeURN: "100009", Refs: []string{"OSD-0005", "OSD-0002"}, Any: true}, []string{"OSD-0004", "OSD-0005"}},
		{"home or receiving", offsitebot.CaseFilter{HomeURN: "100008", ReceivingURN: "200003", Any: true}, []string{"OSD-0001", "OSD-0005"}},
		{"any of nothing", offsitebot.CaseFilter{Status: offsitebot.Active, Any: true}, []string{}},
		{"any of no refs", offsitebot.CaseFilter{Refs: []string{}, Any: true}, []string{}},
		{"no match", offsitebot.CaseFilter{HomeURN: "999999"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Cases(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			refs := []string{}
			for _, c := range got {
				refs = append(refs, c.Ref)
			}
			if !slices.Equal(refs, tt.want) {
				t.Errorf("Cases(%+v) = %q, want %q", tt.f, refs, tt.want)
			}
		})
	}

	t.Run("projection", func(t *testing.T) {
		got, err := db.Cases(ctx, offsitebot.CaseFilter{Refs: []string{"OSD-0001"}})
		if err != nil || len(got) != 1 {
			t.Fatal(got, err)
		}
		c := got[0]
		if len(c.Contacts) != 0 || len(c.Feedback) != 0 || len(c.Audit) != 0 {
			t.Errorf("contacts, feedback or audit read: %d, %d, %d", len(c.Contacts), len(c.Feedback), len(c.Audit))
		}
		if len(c.Meetings) != 1 || len(c.Attendance) != 1 || len(c.Requests) != 1 || len(c.People) != 1 || c.Version != 1 || c.Pupil == "" {
			t.Errorf("needed fields missing: %+v", c)
		}
	})
}

func TestSchools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	for _, s := range []offsitebot.School{{URN: "200002", Name: "Riverside"}, {URN: "100001", Name: "Hill Top"}, {URN: "200002", Name: "Riverside Academy"}} {
		if err := db.PutSchool(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.School(ctx, "200002")
	if err != nil || s.Name != "Riverside Academy" {
		t.Errorf("School = %+v, %v", s, err)
	}
	_, err = db.School(ctx, "999999")
	wantCode(t, err, offsitebot.ENotFound)
	if want := "No school with URN 999999; an admin can add it with: school add URN NAME"; offsitebot.ErrorMessage(err) != want {
		t.Errorf("message %q", offsitebot.ErrorMessage(err))
	}
	all, err := db.Schools(ctx)
	if err != nil || len(all) != 2 || all[0].URN != "100001" {
		t.Errorf("Schools = %+v, %v", all, err)
	}
}

func TestIdentities(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)

	if id, err := db.Identity(ctx, "slack:T1:U1"); id != nil || offsitebot.ErrorCode(err) != offsitebot.ENotFound {
		t.Fatalf("unknown identity = %+v, %v; want not found, as for a case", id, err)
	}
	for _, id := range []offsitebot.Identity{
		{ID: "slack:T1:U1", Role: offsitebot.RoleHome, Name: "Alex", URN: "100001", Created: t0},
		{ID: "slack:T1:U2", Role: offsitebot.RoleReceiving, Name: "Bo", URN: "200002", Created: t0},
		{ID: "telegram:7", Role: offsitebot.RoleParent, Name: "Pat", Cases: []string{"OSD-0001"}, Created: t0},
		{ID: "telegram:8", Role: offsitebot.RoleParent, Name: "Chris", Cases: []string{"OSD-0002"}, Created: t0},
		{ID: "shell:home:Alex", Role: offsitebot.RoleHome, Name: "Alex", URN: "100001", Created: t0},
	} {
		if err := db.PutIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	// Putting again changes role and name, keeps the links and the creation time.
	if err := db.PutIdentity(ctx, offsitebot.Identity{ID: "telegram:7", Role: offsitebot.RoleParent, Name: "Pat T", Cases: []string{"OSD-0003"}, Created: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name string
		err  error
	}{
		{"link", db.LinkCase(ctx, "telegram:7", "OSD-0004")},
		{"link twice", db.LinkCase(ctx, "telegram:7", "OSD-0004")},
		{"link receiving", db.LinkCase(ctx, "slack:T1:U2", "OSD-0002")},
		{"unlink", db.UnlinkCase(ctx, "telegram:7", "OSD-0001")},
		{"unlink never linked", db.UnlinkCase(ctx, "telegram:7", "OSD-0009")},
		{"unreachable", db.SetUnreachable(ctx, "telegram:8", true)},
	} {
		if step.err != nil {
			t.Errorf("%s: %v", step.name, step.err)
		}
	}
	wantCode(t, db.LinkCase(ctx, "telegram:404", "OSD-0001"), offsitebot.ENotFound)
	wantCode(t, db.SetUnreachable(ctx, "telegram:404", true), offsitebot.ENotFound)

	pat, err := db.Identity(ctx, "telegram:7")
	if err != nil {
		t.Fatal(err)
	}
	if pat.Name != "Pat T" || !pat.Created.Equal(t0) || !slices.Equal(pat.Cases, []string{"OSD-0003", "OSD-0004"}) {
		t.Errorf("telegram:7 = %+v", pat)
	}
	if chris, _ := db.Identity(ctx, "telegram:8"); !chris.Unreachable {
		t.Errorf("telegram:8 not unreachable")
	}
	if err := db.SetUnreachable(ctx, "telegram:8", false); err != nil {
		t.Fatal(err)
	}
	if chris, _ := db.Identity(ctx, "telegram:8"); chris.Unreachable {
		t.Errorf("telegram:8 still unreachable")
	}

	tests := []struct {
		name string
		f    offsitebot.IdentityFilter
		want []string
	}{
		{"all", offsitebot.IdentityFilter{}, []string{"shell:home:Alex", "slack:T1:U1", "slack:T1:U2", "telegram:7", "telegram:8"}},
		{"role", offsitebot.IdentityFilter{Role: offsitebot.RoleParent}, []string{"telegram:7", "telegram:8"}},
		{"urn", offsitebot.IdentityFilter{URN: "100001"}, []string{"shell:home:Alex", "slack:T1:U1"}},
		{"urn and role", offsitebot.IdentityFilter{URN: "200002", Role: offsitebot.RoleReceiving}, []string{"slack:T1:U2"}},
		{"case", offsitebot.IdentityFilter{Case: "OSD-0002"}, []string{"slack:T1:U2", "telegram:8"}},
		{"unlinked case", offsitebot.IdentityFilter{Case: "OSD-0001"}, []string{}},
		{"prefix", offsitebot.IdentityFilter{Prefix: "slack:"}, []string{"slack:T1:U1", "slack:T1:U2"}},
		{"prefix is literal", offsitebot.IdentityFilter{Prefix: "slack.T"}, []string{}},
		{"prefix and case", offsitebot.IdentityFilter{Prefix: "telegram:", Case: "OSD-0004"}, []string{"telegram:7"}},
		{"ids", offsitebot.IdentityFilter{IDs: []string{"telegram:8", "slack:T1:U1", "telegram:404"}}, []string{"slack:T1:U1", "telegram:8"}},
		{"no ids", offsitebot.IdentityFilter{IDs: []string{}}, []string{}},
		{"ids and prefix", offsitebot.IdentityFilter{IDs: []string{"telegram:8", "slack:T1:U1"}, Prefix: "slack:"}, []string{"slack:T1:U1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Identities(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, id := range got {
				ids = append(ids, id.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("Identities(%+v) = %q, want %q", tt.f, ids, tt.want)
			}
		})
	}
}

func TestJoinCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	code := func(c string, expires time.Time) offsitebot.JoinCode {
		return offsitebot.JoinCode{Code: c, Case: "OSD-0001", Role: offsitebot.RoleParent, Created: expires.Add(-offsitebot.JoinCodeLife), CreatedBy: "slack:T1:U1", Expires: expires}
	}
	for _, jc := range []offsitebot.JoinCode{
		code("GOOD", t0.Add(time.Hour)),
		code("OLD", time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC)),
		code("RACE", t0.Add(time.Hour)),
	} {
		if err := db.CreateJoinCode(ctx, jc); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, db.CreateJoinCode(ctx, code("GOOD", t0)), offsitebot.EConflict)

	jc, err := db.RedeemJoinCode(ctx, "GOOD", "telegram:7", t0)
	if err != nil {
		t.Fatal(err)
	}
	if jc.Case != "OSD-0001" || jc.UsedBy != "telegram:7" || !jc.UsedAt.Equal(t0) {
		t.Errorf("redeemed %+v", jc)
	}

	tests := []struct {
		name, code string
		now        time.Time
		want       string
	}{
		{"used", "GOOD", t0, "That code has already been used. Each code works once: please ask the school for a new one."},
		{"used and expired", "GOOD", t0.Add(48 * time.Hour), "That code has already been used. Each code works once: please ask the school for a new one."},
		{"expired", "OLD", t0, "That code expired on Sun 2 Mar; ask the school for a new link (codes last 7 days)."},
		{"expires at now", "RACE", t0.Add(time.Hour), "That code expired on Mon 3 Mar; ask the school for a new link (codes last 7 days)."},
		{"unknown", "NOPE", t0, "That code isn't one I know. Please check it, or ask the school for a new link."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jc, err := db.RedeemJoinCode(ctx, tt.code, "telegram:8", tt.now)
			wantCode(t, err, offsitebot.EInvalid)
			if jc != nil || offsitebot.ErrorMessage(err) != tt.want {
				t.Errorf("got %+v, %q; want %q", jc, offsitebot.ErrorMessage(err), tt.want)
			}
		})
	}

	t.Run("concurrent", func(t *testing.T) {
		const n = 8
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				jc, err := db.RedeemJoinCode(ctx, "RACE", fmt.Sprint("telegram:", 100+i), t0)
				switch {
				case err == nil && jc.UsedBy == fmt.Sprint("telegram:", 100+i):
					wins.Add(1)
				case offsitebot.ErrorCode(err) != offsitebot.EInvalid:
					t.Errorf("redeemer %d: %+v, %v", i, jc, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d of %d concurrent redeemers won, want exactly 1", wins.Load(), n)
		}
	})
}

func TestConversations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	key := "telegram:7"
	if c, err := db.Conversation(ctx, key, t0); c != nil || err != nil {
		t.Fatalf("none saved: %+v, %v", c, err)
	}
	conv := offsitebot.Conversation{Key: key, Flow: "contact", Answers: map[string]string{"case": "OSD-0001"}, Order: []string{"case"}, Expires: t0.Add(30 * time.Minute)}
	if err := db.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	conv.Answers["with"] = "parent"
	conv.Order = append(conv.Order, "with")
	if err := db.SaveConversation(ctx, conv); err != nil { // replaces
		t.Fatal(err)
	}
	got, err := db.Conversation(ctx, key, t0.Add(29*time.Minute))
	if err != nil || got == nil {
		t.Fatalf("load: %+v, %v", got, err)
	}
	if got.Flow != "contact" || got.Answers["with"] != "parent" || !slices.Equal(got.Order, []string{"case", "with"}) || !got.Expires.Equal(conv.Expires) {
		t.Errorf("loaded %+v", got)
	}

	// Expired: gone, and deleted rather than only hidden.
	if got, err := db.Conversation(ctx, key, t0.Add(30*time.Minute)); got != nil || err != nil {
		t.Errorf("expired: %+v, %v", got, err)
	}
	if n, _ := db.Database().Collection("conversations").CountDocuments(ctx, bson.D{}); n != 0 {
		t.Errorf("%d conversations left after expiry", n)
	}

	empty := offsitebot.Conversation{Key: "shell:home:Alex", Flow: "open", Expires: t0.Add(time.Hour)}
	if err := db.SaveConversation(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Conversation(ctx, empty.Key, t0); err != nil || got == nil || got.Answers == nil {
		t.Errorf("nil answers should come back as an empty map: %+v, %v", got, err)
	}
	if err := db.DeleteConversation(ctx, empty.Key); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteConversation(ctx, empty.Key); err != nil { // deleting none is fine
		t.Fatal(err)
	}
	if got, _ := db.Conversation(ctx, empty.Key, t0); got != nil {
		t.Errorf("deleted conversation still there: %+v", got)
	}

	// The sweep removes abandoned flows, and only those.
	for _, c := range []offsitebot.Conversation{
		{Key: "a", Flow: "open", Expires: t0.Add(-time.Minute)},
		{Key: "b", Flow: "open", Expires: t0},
		{Key: "c", Flow: "open", Expires: t0.Add(time.Minute)},
	} {
		if err := db.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.Prune(ctx, t0); n["conversations"] != 2 || err != nil {
		t.Errorf("Prune deleted %d conversations, %v; want 2", n["conversations"], err)
	}
	if got, _ := db.Conversation(ctx, "c", t0); got == nil {
		t.Error("live conversation swept")
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	for i, e := range []offsitebot.AuditEvent{
		{At: t0.Add(2 * time.Minute), By: "slack:T1:U1", Via: offsitebot.Slack, Action: "school add"},
		{At: t0, By: "slack:T1:U1", Via: offsitebot.Slack, Action: "link", Case: "OSD-0001"},
		{At: t0.Add(time.Minute), By: "slack:T1:U1", Via: offsitebot.Slack, Action: "unlink", Case: "OSD-0001"},
		{At: t0, By: "slack:T1:U1", Via: offsitebot.Slack, Action: "link", Case: "OSD-0002"},
	} {
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(i, err)
		}
	}
	actions := func(es []offsitebot.AuditEvent) (out []string) {
		for _, e := range es {
			out = append(out, e.Action+" "+e.Case)
		}
		return out
	}
	got, err := db.AuditLog(ctx, "OSD-0001")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"link OSD-0001", "unlink OSD-0001"}; !slices.Equal(actions(got), want) {
		t.Errorf("AuditLog(OSD-0001) = %q, want %q", actions(got), want)
	}
	got, err = db.AuditLog(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"link OSD-0001", "link OSD-0002", "unlink OSD-0001", "school add "}; !slices.Equal(actions(got), want) {
		t.Errorf("AuditLog() = %q, want %q", actions(got), want)
	}
}

func TestClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	tests := []struct {
		coll, key string
		want      bool
	}{
		{"outbox", "weekly-contact/OSD-0001/slack:T1:U1/2025-W10", true},
		{"outbox", "weekly-contact/OSD-0001/slack:T1:U1/2025-W10", false},
		{"outbox", "weekly-contact/OSD-0001/slack:T1:U1/2025-W11", true},
		{"updates", "weekly-contact/OSD-0001/slack:T1:U1/2025-W10", true}, // keys are per collection
		{"updates", "weekly-contact/OSD-0001/slack:T1:U1/2025-W10", false},
	}
	for i, tt := range tests {
		got, err := db.Claim(ctx, tt.coll, tt.key, map[string]any{"at": t0, "kind": "weekly-contact", "_id": "ignored"})
		if err != nil || got != tt.want {
			t.Errorf("%d: Claim(%s, %s) = %v, %v; want %v", i, tt.coll, tt.key, got, err, tt.want)
		}
	}
	var doc bson.M
	if err := db.Database().Collection("outbox").FindOne(ctx, bson.D{{Key: "_id", Value: tests[0].key}}).Decode(&doc); err != nil || doc["kind"] != "weekly-contact" {
		t.Errorf("claimed document %v, %v", doc, err)
	}

	t.Run("concurrent", func(t *testing.T) {
		const n = 8
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				ok, err := db.Claim(ctx, "outbox", "race", nil)
				if err != nil {
					t.Error(err)
				} else if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d of %d claims won, want 1", wins.Load(), n)
		}
	})
}
