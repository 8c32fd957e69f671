package storage

import (
	"context"
	"fmt"
	"maps"
	"slices"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// AppendAudit records an event not kept in a case (schools, staff). The
// audit collection is insert-only.
func (db *DB) AppendAudit(ctx context.Context, e offsitebot.AuditEvent) error {
	if _, err := db.audit.InsertOne(ctx, e); err != nil {
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
	if err := db.findAll(ctx, db.audit, filter, bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}, &out); err != nil {
		return nil, fmt.Errorf("storage: read audit log: %w", err)
	}
	return out, nil
}

// Claim inserts {_id: key, fields...} into collection and reports whether
// this call inserted it: true exactly once per key, across restarts and
// replicas. It is the basis of dedupe and send-once. An insert is atomic on
// MongoDB and the embedded server alike, so it needs no lock.
func (db *DB) Claim(ctx context.Context, collection, key string, fields map[string]any) (bool, error) {
	doc := bson.D{{Key: "_id", Value: key}}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k != "_id" {
			doc = append(doc, bson.E{Key: k, Value: fields[k]})
		}
	}
	if _, err := db.db.Collection(collection).InsertOne(ctx, doc); mongo.IsDuplicateKeyError(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("storage: claim %s: %w", collection, err)
	}
	return true, nil
}
