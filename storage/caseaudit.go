package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// colCaseAudit holds the audit trail of every case, apart from the case
// document, so that a read or a save of a case, the single-case commands'
// whole cost on the embedded server, does not carry it: it was half of a
// term-long case. It is insert-only: one document a save, written before
// the case's update and carrying the version that update makes.
//
// A save that dies between the two leaves its document behind, for a
// version the case never reached: readers skip a version above the case's,
// and the save that does make that version replaces it (same _id; on the
// embedded server saves are serialised, on MongoDB that version is claimed,
// see claimSave). A save taken over from a claimant that died carries the
// claim's generation, and readers keep the highest of a version: the taker
// is the one whose update can match.
const colCaseAudit = "caseaudit"

// auditSave is one save's audit events in colCaseAudit.
type auditSave struct {
	ID      string                  `bson:"_id"`
	Case    string                  `bson:"case"`
	Version int64                   `bson:"version"` // made by the save; 0 for a trail moved out of a case stored before
	Gen     int                     `bson:"gen,omitempty"`
	Events  []offsitebot.AuditEvent `bson:"events"`
}

func newAuditSave(ref string, version int64, gen int, events []offsitebot.AuditEvent) auditSave {
	id := fmt.Sprintf("%s:%d", ref, version)
	if gen > 0 {
		id += fmt.Sprintf("~%d", gen)
	}
	return auditSave{ID: id, Case: ref, Version: version, Gen: gen, Events: events}
}

// writeAudit inserts s, or replaces what a save of the same version and
// generation left when it died before its update.
func (db *DB) writeAudit(ctx context.Context, s auditSave) error {
	if len(s.Events) == 0 {
		return nil
	}
	_, err := db.caseAudit.InsertOne(ctx, s)
	if mongo.IsDuplicateKeyError(err) {
		_, err = db.caseAudit.ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.ID}}, s)
	}
	if err != nil {
		return fmt.Errorf("storage: write audit of %s: %w", s.Case, err)
	}
	return nil
}

// caseTrail is the audit trail of case ref, now at version, oldest save first.
func (db *DB) caseTrail(ctx context.Context, ref string, version int64) ([]offsitebot.AuditEvent, error) {
	saves, err := db.auditSaves(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("storage: read audit of %s: %w", ref, err)
	}
	slices.SortStableFunc(saves, func(a, b auditSave) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), cmp.Compare(a.Gen, b.Gen))
	})
	var out []offsitebot.AuditEvent
	for i, s := range saves {
		if s.Version > version || (i+1 < len(saves) && saves[i+1].Version == s.Version) {
			continue // never saved, or taken over
		}
		out = append(out, s.Events...)
	}
	return out, nil
}

// auditSaves reads the documents of colCaseAudit about case ref. The
// embedded server would decode every one of them for the filter, so there
// they are read from the index of their case (see Embedded.DocsWhere).
func (db *DB) auditSaves(ctx context.Context, ref string) ([]auditSave, error) {
	var out []auditSave
	if db.embedded == nil {
		err := db.findAll(ctx, db.caseAudit, bson.D{{Key: "case", Value: ref}}, &out, options.Find())
		return out, err
	}
	stored, err := aboutCase[storedSave](ctx, db, colCaseAudit, ref)
	for _, s := range stored {
		out = append(out, s.auditSave())
	}
	return out, err
}

// aboutCase reads, on the embedded server, the documents of collection whose
// case is ref, as T (see Embedded.DocsWhere), in the order they were inserted.
func aboutCase[T any](ctx context.Context, db *DB, collection, ref string) ([]T, error) {
	docs, err := db.embedded.DocsWhere(ctx, db.db.Name(), collection, "case", ref)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		if err := json.Unmarshal(d, &out[i]); err != nil {
			return nil, fmt.Errorf("%s of %s: %w", collection, ref, err)
		}
	}
	return out, nil
}

// storedSave is an auditSave as the embedded server stores it (see
// Embedded.DocsWhere).
type storedSave struct {
	ID      string        `json:"_id"`
	Case    string        `json:"case"`
	Version int64         `json:"version"`
	Gen     int           `json:"gen"`
	Events  []storedEvent `json:"events"`
}

func (s storedSave) auditSave() auditSave {
	out := auditSave{ID: s.ID, Case: s.Case, Version: s.Version, Gen: s.Gen}
	for _, e := range s.Events {
		out.Events = append(out.Events, e.event())
	}
	return out
}

// storedEvent is an AuditEvent as the embedded server stores it: its time in
// milliseconds since the epoch.
type storedEvent struct {
	At     int64               `json:"at"`
	By     string              `json:"by"`
	Via    offsitebot.Platform `json:"via"`
	Action string              `json:"action"`
	Case   string              `json:"case"`
	Detail string              `json:"detail"`
}

func (e storedEvent) event() offsitebot.AuditEvent {
	return offsitebot.AuditEvent{At: time.UnixMilli(e.At).UTC(), By: e.By, Via: e.Via, Action: e.Action, Case: e.Case, Detail: e.Detail}
}

// colMeta holds what storage knows of the database itself: here, that the
// audit trails were moved out of the cases.
const colMeta = "meta"

const auditMoved = "audit moved out of cases"

// moveAudit moves, once per database, the audit trail of every case stored
// before it was kept apart (in the case document) to colCaseAudit, as the
// save of version 0, so a school upgrading keeps it and its cases shrink.
// Readers still merge a trail left in a case (Case.Audit), so one written by
// an older replica meanwhile is not lost either; the next start moves it.
// Each case is moved by inserting its trail first, then removing it from the
// case, so an interrupted move is repeated whole at the next start.
func (db *DB) moveAudit(ctx context.Context) error {
	meta := db.db.Collection(colMeta)
	err := meta.FindOne(ctx, bson.D{{Key: "_id", Value: auditMoved}}).Err()
	if err == nil {
		return nil
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("storage: move audit: %w", err)
	}
	// Every case, once, through the index of their status (the embedded
	// server decodes every case for any filter).
	statuses := bson.A{offsitebot.Active, offsitebot.Ended, offsitebot.Void}
	opts := options.Find().SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "audit", Value: 1}})
	var all []struct {
		Ref     string                  `bson:"_id"`
		Version int64                   `bson:"version"`
		Audit   []offsitebot.AuditEvent `bson:"audit"`
	}
	if err := db.findAll(ctx, db.cases, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: statuses}}}}, &all, opts); err != nil {
		return fmt.Errorf("storage: move audit: %w", err)
	}
	moved, n := true, 0
	for _, c := range all {
		if len(c.Audit) == 0 {
			continue
		}
		ok, err := db.moveCaseAudit(ctx, c.Ref, c.Version, c.Audit)
		if err != nil {
			return err
		}
		moved, n = moved && ok, n+1
	}
	if !moved {
		return nil // a case changed meanwhile: the next start moves it
	}
	if _, err := meta.InsertOne(ctx, bson.D{{Key: "_id", Value: auditMoved}, {Key: "at", Value: db.now()}, {Key: "cases", Value: n}}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("storage: move audit: %w", err)
	}
	return nil
}

// moveCaseAudit moves the trail of case ref, read at version, and reports
// whether the case was still at it. On MongoDB the version is in the filter
// (a replica of the version before could still push to the trail); on the
// embedded server that filter would decode every case, and under its write
// lock the version cannot change.
func (db *DB) moveCaseAudit(ctx context.Context, ref string, version int64, trail []offsitebot.AuditEvent) (bool, error) {
	if err := db.writeAudit(ctx, newAuditSave(ref, 0, 0, trail)); err != nil {
		return false, err
	}
	defer db.serial()()
	filter := bson.D{{Key: "_id", Value: ref}}
	if db.embedded == nil {
		filter = append(filter, bson.E{Key: "version", Value: version})
	}
	res, err := db.cases.UpdateOne(ctx, filter, bson.D{{Key: "$unset", Value: bson.D{{Key: "audit", Value: ""}}}})
	if err != nil {
		return false, fmt.Errorf("storage: move audit of %s: %w", ref, err)
	}
	return res.MatchedCount == 1, nil
}
