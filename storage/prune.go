package storage

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Prune deletes the documents of a claims collection (deduplication keys and
// the like, which carry their time in "at" or their end in "expires") older
// than before. It stands in for TTL indexes, which the embedded server lacks.
func (db *DB) Prune(ctx context.Context, collection string, before time.Time) (int64, error) {
	defer db.serial()()
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: before}}}},
	}}}
	res, err := db.db.Collection(collection).DeleteMany(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("storage: prune %s: %w", collection, err)
	}
	return res.DeletedCount, nil
}
