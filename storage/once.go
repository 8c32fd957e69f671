package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// colOnce holds one document per thing done only once that is not itself an
// insert: a join code redeemed, a case saved from one version, a lapsed lease
// taken over. Its _id is the natural key, so inserting it is the claim, which
// every MongoDB-wire server refuses twice. A filtered update is atomic on
// MongoDB, but not on every server that speaks its protocol (FerretDB run as
// a server applies it as read, change in Go, write back), and a client cannot
// tell them apart: so the claim comes first, and the filtered update stays.
const colOnce = "once"

// onceDoc is a claim in colOnce.
type onceDoc struct {
	Key string    `bson:"_id"`
	At  time.Time `bson:"at"`
}

// once claims key at now and reports whether this call did. When another
// did, it returns when that claim was made.
func (db *DB) once(ctx context.Context, key string, now time.Time) (won bool, at time.Time, err error) {
	coll := db.db.Collection(colOnce)
	_, err = coll.InsertOne(ctx, onceDoc{Key: key, At: now})
	if err == nil {
		return true, now, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, time.Time{}, fmt.Errorf("storage: claim %s: %w", key, err)
	}
	var doc onceDoc
	err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, now, nil // pruned since: as good as just made, for a caller judging its age
	} else if err != nil {
		return false, time.Time{}, fmt.Errorf("storage: read claim %s: %w", key, err)
	}
	return false, doc.At, nil
}

// Case saves from one version are claimed under "case:REF:VERSION". A writer
// that dies between its claim and its update leaves the case at that version
// with the claim taken; after staleSave (far longer than any save) a later
// writer takes the version over under "case:REF:VERSION~1", and so on up to
// maxTakeovers times, each again claimed once.
const (
	staleSave    = time.Minute
	maxTakeovers = 5
)

// claimSave claims the save of case ref from version, and returns the
// claim's generation (0, or the takeovers before it); another writer's claim
// is an EConflict, for UpdateCase to retry after reading the case again.
// stillAt reports whether the case is still at version, for a dead claim.
func (db *DB) claimSave(ctx context.Context, ref string, version int64, stillAt func() (bool, error)) (int, error) {
	now := db.now()
	key := fmt.Sprintf("case:%s:%d", ref, version)
	for gen := 0; gen <= maxTakeovers; gen++ {
		k := key
		if gen > 0 {
			k = fmt.Sprintf("%s~%d", key, gen)
		}
		won, at, err := db.once(ctx, k, now)
		if err != nil || won {
			return gen, err
		}
		if now.Sub(at) < staleSave {
			return 0, conflict(ref) // a save in flight, or made
		}
		if ok, err := stillAt(); err != nil {
			return 0, err
		} else if !ok {
			return 0, conflict(ref) // saved since
		}
		// Its claimant died before its update: take the version over.
	}
	return 0, conflict(ref)
}
