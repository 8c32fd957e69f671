package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// UpdateCase retries a lost race up to maxAttempts times, waiting a random
// time up to retryWait, doubled at each attempt up to maxRetryWait, so that
// writers who collided do not collide again: about two seconds in all before
// a person is told to try again, enough for a few dozen writers of one case.
const (
	maxAttempts  = 25
	retryWait    = 5 * time.Millisecond
	maxRetryWait = 200 * time.Millisecond
)

// Batch sizes of Cases: a small first batch measures the cases, then the rest
// come in batches sized to fill about replyBudget, so a sweep's round trips do
// not grow with the number of cases. The embedded server does not cap a
// batch by size and the driver drops a reply over 48 MB ("length of read
// message too large"), hence the margin; MongoDB caps a batch at 16 MiB itself.
const (
	casesFirstBatch = 100      // enough to measure the cases' size
	replyBudget     = 24 << 20 // bytes a reply is sized for: half the driver's 48 MB limit
	maxBatch        = 1 << 20
)

// CreateCase stores a new case with version 1, and its audit trail so far
// (c.Audit) apart from it (see colCaseAudit), leaving c.Audit empty. A
// reference already in use is an EConflict.
func (db *DB) CreateCase(ctx context.Context, c *offsitebot.Case) error {
	defer db.serial()() // with the copy of the active cases
	if len(c.Audit) > 0 {
		trail := newAuditSave(c.Ref, 1, 0, c.Audit)
		_, err := db.caseAudit.InsertOne(ctx, trail)
		if mongo.IsDuplicateKeyError(err) {
			// A case of that reference, or a create that died before it.
			if _, err := db.caseVersion(ctx, c.Ref); err == nil {
				return caseExists(c.Ref)
			} else if offsitebot.ErrorCode(err) != offsitebot.ENotFound {
				return err
			}
			err = db.writeAudit(ctx, trail)
		}
		if err != nil {
			return fmt.Errorf("storage: create case: %w", err)
		}
	}
	stored := *c
	stored.Version, stored.Audit = 1, nil
	if _, err := db.cases.InsertOne(ctx, &stored); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return caseExists(c.Ref)
		}
		return fmt.Errorf("storage: create case: %w", err)
	}
	c.Version, c.Audit = 1, nil
	db.active.put(c)
	return nil
}

func caseExists(ref string) error {
	return offsitebot.Errorf(offsitebot.EConflict, "A case %s already exists.", ref)
}

// Case reads a case, with its whole chronology, by reference.
func (db *DB) Case(ctx context.Context, ref string) (*offsitebot.Case, error) {
	var c offsitebot.Case
	if err := db.cases.FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&c); errors.Is(err, mongo.ErrNoDocuments) {
		return nil, offsitebot.NotFound(ref)
	} else if err != nil {
		return nil, fmt.Errorf("storage: read case: %w", err)
	}
	return &c, nil
}

// SaveCase writes c if it is still at c.Version, and adds audit to its
// audit trail, which is kept apart from the case (see colCaseAudit): c.Audit
// is neither written nor changed. Every other field is written, except nil
// contacts or feedback, which are left as stored, so a case read by Cases,
// which leaves them out, cannot wipe them. On success c.Version is
// incremented. A case changed since it was read is an EConflict.
func (db *DB) SaveCase(ctx context.Context, c *offsitebot.Case, audit ...offsitebot.AuditEvent) error {
	set, unset, err := caseFields(c)
	if err != nil {
		return fmt.Errorf("storage: save case: %w", err)
	}
	audit = slices.Clone(audit) // filled in below; the caller's stay as they were
	for i := range audit {
		if audit[i].Case == "" {
			audit[i].Case = c.Ref
		}
	}
	update := bson.D{
		{Key: "$set", Value: set},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	return db.saveCase(ctx, c.Ref, c.Version, update, audit, func() {
		c.Version++
		db.active.put(c)
	})
}

// saveCase writes the audit events of a save of case ref from version, then
// applies update to the case if it is at version, and then calls saved (on
// the embedded server still under its write lock).
//
// On MongoDB the filter {_id, version} makes that one atomic update; other
// servers reached by URI may not make it atomic, so the save from version is
// claimed first (see claimSave). The embedded server hands SQLite only a
// filter that is exactly {_id: …}; any other filter decodes every case in Go
// (≈1.7 s a save at 1,000 cases of 6 KB, against ≈0.3 s this way). So there
// the version is checked first, by _id, and the update made by _id, both
// under the server's write lock, which every writer holds (see serial).
// Either way the events are written only by the one writer that may make
// the next version (see colCaseAudit).
func (db *DB) saveCase(ctx context.Context, ref string, version int64, update bson.D, audit []offsitebot.AuditEvent, saved func()) error {
	filter := bson.D{{Key: "_id", Value: ref}, {Key: "version", Value: version}}
	gen := 0
	if db.embedded != nil {
		defer db.serial()()
		cur, ok := db.active.version(ref)
		if !ok {
			var err error
			if cur, err = db.caseVersion(ctx, ref); err != nil {
				return err
			}
		}
		if cur != version {
			return conflict(ref)
		}
		filter = filter[:1]
	} else {
		stillAt := func() (bool, error) {
			cur, err := db.caseVersion(ctx, ref)
			return cur == version, err
		}
		var err error
		if gen, err = db.claimSave(ctx, ref, version, stillAt); err != nil {
			return err
		}
	}
	if err := db.writeAudit(ctx, newAuditSave(ref, version+1, gen, audit)); err != nil {
		return err
	}
	res, err := db.cases.UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("storage: save case: %w", err)
	}
	if res.MatchedCount == 0 {
		n, err := db.cases.CountDocuments(ctx, bson.D{{Key: "_id", Value: ref}})
		if err != nil {
			return fmt.Errorf("storage: save case: %w", err)
		} else if n == 0 {
			return offsitebot.NotFound(ref)
		}
		return conflict(ref)
	}
	saved()
	return nil
}

// caseVersion reads the version of case ref.
func (db *DB) caseVersion(ctx context.Context, ref string) (int64, error) {
	var cur struct {
		Version int64 `bson:"version"`
	}
	err := db.cases.FindOne(ctx, bson.D{{Key: "_id", Value: ref}}, options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&cur)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, offsitebot.NotFound(ref)
	} else if err != nil {
		return 0, fmt.Errorf("storage: save case: %w", err)
	}
	return cur.Version, nil
}

func conflict(ref string) error {
	return offsitebot.Errorf(offsitebot.EConflict, "Someone else changed %s just now. Please try again.", ref)
}

// caseFields returns what SaveCase $sets (every stored field of c but _id,
// version, audit and nil contacts or feedback) and what it $unsets: the
// omitempty fields now empty, so clearing a field in Go clears it in storage
// too (but for the audit trail a case stored before kept in itself: it stays
// until moved, see moveAudit).
func caseFields(c *offsitebot.Case) (set, unset bson.D, err error) {
	raw, err := encode(c)
	if err != nil {
		return nil, nil, err
	}
	elems, err := raw.Elements()
	if err != nil {
		return nil, nil, err
	}
	present := make(map[string]bool, len(elems))
	keep := map[string]bool{"_id": true, "version": true, "audit": true,
		"contacts": c.Contacts == nil, "feedback": c.Feedback == nil}
	for _, e := range elems {
		k := e.Key()
		present[k] = true
		if keep[k] {
			continue
		}
		set = append(set, bson.E{Key: k, Value: e.Value()})
	}
	for _, k := range bsonFields(reflect.TypeFor[offsitebot.Case]()) {
		if !present[k] && !keep[k] {
			unset = append(unset, bson.E{Key: k, Value: ""})
		}
	}
	return set, unset, nil
}

// encode is v as the client encodes it (see Open's BSON options).
func encode(v any) (bson.Raw, error) {
	var buf bytes.Buffer
	enc := bson.NewEncoder(bson.NewDocumentWriter(&buf))
	enc.NilSliceAsEmpty()
	enc.NilMapAsEmpty()
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bsonFields lists the BSON keys of struct type t's fields, as the driver's
// default struct codec names them.
func bsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("bson"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		out = append(out, name)
	}
	return out
}

// UpdateCase reads the case, lets fn change it and return the audit events to
// append, and saves it. If someone else saved it in between, it waits a
// little, reads it again and re-runs fn, up to maxAttempts times; fn must
// therefore be safe to run again. fn's error is returned as is.
func (db *DB) UpdateCase(ctx context.Context, ref string, fn func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error)) (*offsitebot.Case, error) {
	wait := retryWait
	for attempt := 1; ; attempt++ {
		c, err := db.Case(ctx, ref)
		if err != nil {
			return nil, err
		}
		events, err := fn(c)
		if err != nil {
			return nil, err
		}
		err = db.SaveCase(ctx, c, events...)
		if err == nil {
			return c, nil
		}
		if offsitebot.ErrorCode(err) != offsitebot.EConflict || attempt == maxAttempts {
			return nil, err
		}
		t := time.NewTimer(rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("storage: update case %s: %w", ref, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// leanProjection leaves out of a case what lists and sweeps never need, and
// is the bulk of it: contacts, feedback and the audit trail.
var leanProjection = bson.D{{Key: "contacts", Value: 0}, {Key: "feedback", Value: 0}, {Key: "audit", Value: 0}}

// Cases lists the cases matching f, sorted by reference, in one query. The
// contacts, feedback and audit trail are left out (they are the bulk of a
// case and sweeps do not need them); attendance, meetings, requests, people
// and the last school contact are kept. On the embedded server, active cases
// come from memory (see activeCases).
func (db *DB) Cases(ctx context.Context, f offsitebot.CaseFilter) ([]offsitebot.Case, error) {
	if db.active != nil && f.Status == offsitebot.Active {
		if err := db.loadActive(ctx); err != nil {
			return nil, err
		}
		return db.active.list(f), nil
	}
	filter := bson.D{}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	var conds bson.A
	if f.HomeURN != "" {
		conds = append(conds, bson.D{{Key: "home", Value: f.HomeURN}})
	}
	if f.ReceivingURN != "" {
		conds = append(conds, bson.D{{Key: "receiving", Value: f.ReceivingURN}})
	}
	if f.Refs != nil && !(f.Any && len(f.Refs) == 0) {
		conds = append(conds, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: f.Refs}}}})
	}
	switch {
	case f.Any && len(conds) == 0:
		return []offsitebot.Case{}, nil // OR of nothing
	case f.Any:
		filter = append(filter, bson.E{Key: "$or", Value: conds})
	default:
		for _, c := range conds {
			filter = append(filter, c.(bson.D)...)
		}
	}
	opts := options.Find().SetProjection(leanProjection).SetBatchSize(casesFirstBatch)
	if db.embedded == nil {
		// Sorted here on MongoDB; the embedded server would hold every case
		// before sending the first, and compares slower than Go.
		opts.SetSort(bson.D{{Key: "_id", Value: 1}})
	}
	cur, err := db.cases.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("storage: list cases: %w", err)
	}
	defer cur.Close(ctx)
	out := []offsitebot.Case{}
	var bytes int
	sized := false
	for cur.Next(ctx) {
		var c offsitebot.Case
		if err := cur.Decode(&c); err != nil {
			return nil, fmt.Errorf("storage: list cases: %w", err)
		}
		out = append(out, c)
		bytes += len(cur.Current)
		if !sized && cur.RemainingBatchLength() == 0 {
			// The first batch shows how big cases are: ask for as many as fit
			// in one reply, so round trips do not grow with the number of cases
			// (the embedded server does not bound a reply by size, and the
			// driver refuses one over 48 MB; MongoDB bounds it at 16 MiB).
			cur.SetBatchSize(int32(min(replyBudget/max(bytes/len(out), 1), maxBatch)))
			sized = true
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("storage: list cases: %w", err)
	}
	if db.embedded != nil {
		slices.SortFunc(out, func(a, b offsitebot.Case) int { return strings.Compare(a.Ref, b.Ref) })
	}
	return out, nil
}

// InsertCases stores new cases in bulk, each at version 1, as they are, with
// their audit trails apart (as CreateCase does): for seeding demo data, not
// for cases people open.
func (db *DB) InsertCases(ctx context.Context, cs []*offsitebot.Case) error {
	const chunk = 200   // keeps a message well under the server's limit with term-long cases
	defer db.serial()() // with the copy of the active cases
	for len(cs) > 0 {
		n := min(chunk, len(cs))
		docs, trails := make([]any, n), make([]any, 0, n)
		for i, c := range cs[:n] {
			c.Version = 1
			if len(c.Audit) > 0 {
				trails = append(trails, newAuditSave(c.Ref, 1, 0, c.Audit))
			}
			stored := *c
			stored.Audit = nil
			docs[i] = &stored
			c.Audit = nil
		}
		if len(trails) > 0 {
			if _, err := db.caseAudit.InsertMany(ctx, trails); err != nil {
				return fmt.Errorf("storage: insert cases' audit: %w", err)
			}
		}
		if _, err := db.cases.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("storage: insert cases: %w", err)
		}
		for _, c := range cs[:n] {
			db.active.put(c)
		}
		cs = cs[n:]
	}
	return nil
}

// HasRealCases reports whether any stored case is not a demo case.
func (db *DB) HasRealCases(ctx context.Context) (bool, error) {
	err := db.cases.FindOne(ctx, bson.D{{Key: "demo", Value: bson.D{{Key: "$ne", Value: true}}}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("storage: look for real cases: %w", err)
	}
	return true, nil
}
