package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collections of leases and counters.
const (
	colLeases   = "leases"
	colCounters = "counters"
)

type leaseDoc struct {
	Name    string    `bson:"_id"`
	Holder  string    `bson:"holder"`
	Expires time.Time `bson:"expires"`
}

// AcquireLease takes the lease name for holder until now+ttl, or renews it if
// holder has it already, and reports whether holder has it now. It is taken
// when nobody has it or the last holder's lease has lapsed (expires < now), so
// replicas' clocks should agree to well within ttl.
//
// Both ways are race-safe on any server: the first taker inserts {_id: name},
// and a lapsed lease is taken over by one replica only, the one that claims
// that term in colOnce first (an update with a filter is not atomic on every
// server, and a duplicate key from an update the embedded server reports as
// InternalError).
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	coll := db.db.Collection(colLeases)
	expires := now.Add(ttl)
	_, err := coll.InsertOne(ctx, leaseDoc{Name: name, Holder: holder, Expires: expires})
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, fmt.Errorf("storage: acquire lease %s: %w", name, err)
	}
	var cur leaseDoc
	err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&cur)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil // released just now: the next try takes it
	} else if err != nil {
		return false, fmt.Errorf("storage: acquire lease %s: %w", name, err)
	}
	filter := bson.D{{Key: "_id", Value: name}}
	switch {
	case !cur.Expires.Before(now) && cur.Holder == holder:
		// Renewed by its holder only: nobody takes a lease that has not lapsed.
		filter = append(filter, bson.E{Key: "holder", Value: holder})
	case !cur.Expires.Before(now):
		return false, nil
	default:
		won, _, err := db.once(ctx, "lease:"+name+":"+cur.Expires.UTC().Format(time.RFC3339Nano), now)
		if err != nil || !won {
			return false, err
		}
		if db.embedded == nil {
			filter = append(filter, bson.E{Key: "expires", Value: cur.Expires})
		}
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "expires", Value: expires}}}}
	unlock := db.serial()
	res, err := coll.UpdateOne(ctx, filter, update)
	unlock()
	if err != nil {
		return false, fmt.Errorf("storage: acquire lease %s: %w", name, err)
	}
	return res.MatchedCount == 1, nil
}

// ReleaseLease gives up the lease name if holder has it, so another replica
// can take it at once instead of waiting for it to lapse.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	unlock := db.serial()
	_, err := db.db.Collection(colLeases).DeleteOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: holder}})
	unlock()
	if err != nil {
		return fmt.Errorf("storage: release lease %s: %w", name, err)
	}
	return nil
}

// IncCounter adds by to the counter key, creating it at 0 first, and returns
// the new value. expires is stored when the counter is created, for
// whoever prunes old counters; callers usually put the period in the key
// ("…:2026120210" for an hour), so a new period starts a new counter.
func (db *DB) IncCounter(ctx context.Context, key string, by int, expires time.Time) (int, error) {
	coll := db.db.Collection(colCounters)
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(by)}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "expires", Value: expires}}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	for attempt := 0; ; attempt++ {
		var doc struct {
			N int64 `bson:"n"`
		}
		unlock := db.serial()
		err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}}, update, opts).Decode(&doc)
		unlock()
		if err == nil {
			return int(doc.N), nil
		}
		// On MongoDB two first increments race to insert: the loser's upsert
		// is a duplicate, and its retry finds the document.
		if mongo.IsDuplicateKeyError(err) && attempt == 0 {
			continue
		}
		return 0, fmt.Errorf("storage: counter: %w", err)
	}
}
