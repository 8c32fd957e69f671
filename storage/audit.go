package storage

import (
	"context"
	"fmt"
	"slices"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AppendAudit records an event not kept in a case (schools, staff). The
// audit collection is insert-only.
func (db *DB) AppendAudit(ctx context.Context, e offsitebot.AuditEvent) error {
	if _, err := db.audit.InsertOne(ctx, e); err != nil {
		return fmt.Errorf("storage: append audit: %w", err)
	}
	return nil
}

// AppendAuditMany records many events in one round trip (a reminder run's
// messages); insert-only like AppendAudit.
func (db *DB) AppendAuditMany(ctx context.Context, events []offsitebot.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	docs := make([]any, len(events))
	for i, e := range events {
		docs[i] = e
	}
	if _, err := db.audit.InsertMany(ctx, docs); err != nil {
		return fmt.Errorf("storage: append audit: %w", err)
	}
	return nil
}

// AuditLog lists the audit trail of case ref (see colCaseAudit) and the
// events of the audit collection about it, or all the latter when ref is "",
// oldest first. A trail a case stored before kept in itself is in its
// Case.Audit until moved (see moveAudit).
func (db *DB) AuditLog(ctx context.Context, ref string) ([]offsitebot.AuditEvent, error) {
	if ref == "" {
		out := []offsitebot.AuditEvent{}
		// _id breaks ties in insertion order (ObjectIDs grow).
		if err := db.findAll(ctx, db.audit, bson.D{}, &out, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})); err != nil {
			return nil, fmt.Errorf("storage: read audit log: %w", err)
		}
		return out, nil
	}
	version, ok := db.active.version(ref)
	if !ok {
		var err error
		if version, err = db.caseVersion(ctx, ref); offsitebot.ErrorCode(err) == offsitebot.ENotFound {
			version = 0 // no case: only what was moved out of one, if any
		} else if err != nil {
			return nil, err
		}
	}
	trail, err := db.caseTrail(ctx, ref, version)
	if err != nil {
		return nil, err
	}
	others, err := db.auditAbout(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("storage: read audit log: %w", err)
	}
	out := slices.Concat(trail, others)
	slices.SortStableFunc(out, func(a, b offsitebot.AuditEvent) int { return a.At.Compare(b.At) })
	return out, nil
}

// auditAbout lists the events of the audit collection about case ref, in the
// order they were recorded; on the embedded server from the index of their
// case, as auditSaves reads.
func (db *DB) auditAbout(ctx context.Context, ref string) ([]offsitebot.AuditEvent, error) {
	out := []offsitebot.AuditEvent{}
	if db.embedded == nil {
		err := db.findAll(ctx, db.audit, bson.D{{Key: "case", Value: ref}}, &out, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
		return out, err
	}
	stored, err := aboutCase[storedEvent](ctx, db, colAudit, ref)
	for _, e := range stored {
		out = append(out, e.event())
	}
	return out, err
}
