package storage

import (
	"context"
	"fmt"

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

// AuditLog lists the events of the audit collection about case ref, or all of
// them when ref is "", oldest first. Events inside a case are in Case.Audit.
func (db *DB) AuditLog(ctx context.Context, ref string) ([]offsitebot.AuditEvent, error) {
	filter := bson.D{}
	if ref != "" {
		filter = bson.D{{Key: "case", Value: ref}}
	}
	out := []offsitebot.AuditEvent{}
	// _id breaks ties in insertion order (ObjectIDs grow).
	if err := db.findAll(ctx, db.audit, filter, &out, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})); err != nil {
		return nil, fmt.Errorf("storage: read audit log: %w", err)
	}
	return out, nil
}
