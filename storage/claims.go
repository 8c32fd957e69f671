package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

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
	coll, err := db.claimCollection(ctx, collection)
	if err != nil {
		return false, err
	}
	if _, err := coll.InsertOne(ctx, doc); mongo.IsDuplicateKeyError(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("storage: claim %s: %w", collection, err)
	}
	return true, nil
}

// Claimed returns the string field of the document claimed under key in
// collection (see Claim), and whether there is one.
func (db *DB) Claimed(ctx context.Context, collection, key, field string) (string, bool, error) {
	var doc bson.M
	opts := options.FindOne().SetProjection(bson.D{{Key: field, Value: 1}})
	err := db.db.Collection(collection).FindOne(ctx, bson.D{{Key: "_id", Value: key}}, opts).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("storage: read claim %s: %w", collection, err)
	}
	v, _ := doc[field].(string)
	return v, true, nil
}
