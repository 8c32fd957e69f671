package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The reminders' outbox holds one document per reminder claimed, its _id the
// reminder's natural key, so inserting it is the claim: atomic on MongoDB and
// on the embedded server alike. How it went is another document inserted
// beside it, _id key+doneSuffix. The outbox is only ever inserted into (and
// purged): the embedded server writes each document of an update in its own
// transaction, so marking 10,000 claims sent with UpdateMany takes minutes,
// where one InsertMany of 10,000 takes a fraction of a second.
const doneSuffix = "#done"

// reminderDone records how a claim went.
type reminderDone struct {
	Key       string    `bson:"_id"` // claim key + doneSuffix
	Status    string    `bson:"status"`
	At        time.Time `bson:"at"`
	ClaimedAt time.Time `bson:"claimedAt"` // the claim's, so one query finds both
	Expires   time.Time `bson:"expires"`
	Purge     time.Time `bson:"purge"`
}

// ClaimReminders claims every reminder in one round trip (unordered, so
// duplicates do not stop the rest) and returns those this call now owns:
// each key is won once, across runs, restarts and replicas.
func (db *DB) ClaimReminders(ctx context.Context, rs []offsitebot.Reminder) ([]offsitebot.Reminder, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	m, unlock, err := db.memo(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	lost, err := db.claimNew(ctx, "claim reminders", rs)
	if err != nil {
		m.forget()
		return nil, err
	}
	won := make([]offsitebot.Reminder, 0, len(rs)-len(lost))
	for i, r := range rs {
		if !lost[i] {
			won = append(won, r)
			if m != nil {
				m.claim(r)
			}
		}
	}
	return won, nil
}

// claimNew inserts the claims rs, as insertNew, for op (in its errors).
func (db *DB) claimNew(ctx context.Context, op string, rs []offsitebot.Reminder) (map[int]bool, error) {
	docs := make([]any, len(rs))
	for i := range rs {
		docs[i] = rs[i]
	}
	lost, err := insertNew(ctx, db.reminders, docs)
	if err != nil {
		var r *refused
		if errors.As(err, &r) {
			return nil, fmt.Errorf("storage: %s: %d of %d refused, the first with code %d (key %s)",
				op, r.n, len(rs), r.code, rs[r.index].Key)
		}
		return nil, fmt.Errorf("storage: %s: %w", op, err)
	}
	return lost, nil
}

// RecordReminders records how claimed reminders went, in one round trip. An
// outcome recorded already (an earlier call that failed half way) is kept.
func (db *DB) RecordReminders(ctx context.Context, outcomes []offsitebot.ReminderOutcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	docs := make([]any, len(outcomes))
	for i, o := range outcomes {
		docs[i] = reminderDone{Key: o.Key + doneSuffix, Status: o.Status, At: o.At,
			ClaimedAt: o.ClaimedAt, Expires: o.Expires, Purge: o.Purge}
	}
	m, unlock, err := db.memo(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := insertNew(ctx, db.reminders, docs); err != nil {
		m.forget()
		var r *refused
		if errors.As(err, &r) {
			return fmt.Errorf("storage: record reminders: %d refused, the first with code %d", r.n, r.code)
		}
		return fmt.Errorf("storage: record reminders: %w", err)
	}
	if m != nil {
		for _, o := range outcomes {
			m.done[o.Key] = o.Purge.Truncate(time.Millisecond)
		}
	}
	return nil
}

// StaleReminders returns, sorted by key, the claims made before
// claimedBefore that have no outcome recorded and are still worth sending at
// now (not expired).
func (db *DB) StaleReminders(ctx context.Context, claimedBefore, now time.Time) ([]offsitebot.Reminder, error) {
	m, unlock, err := db.memo(ctx)
	if err != nil {
		return nil, err
	}
	if m != nil {
		open := m.open(claimedBefore, now)
		unlock()
		return db.readClaims(ctx, open)
	}
	filter := bson.D{
		{Key: "claimedAt", Value: bson.D{{Key: "$lt", Value: claimedBefore}}},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: now}}},
	}
	// Keys first: most claims in the window have their outcome beside them.
	var keys []struct {
		Key string `bson:"_id"`
	}
	if err := db.findAll(ctx, db.reminders, filter, &keys, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}})); err != nil {
		return nil, fmt.Errorf("storage: find stale reminders: %w", err)
	}
	have := make(map[string]bool, len(keys))
	for _, k := range keys {
		have[k.Key] = true
	}
	var open []string
	for _, k := range keys {
		if !strings.HasSuffix(k.Key, doneSuffix) && !have[k.Key+doneSuffix] {
			open = append(open, k.Key)
		}
	}
	return db.readClaims(ctx, open)
}

// readClaims reads the claims with the given keys, sorted by key.
func (db *DB) readClaims(ctx context.Context, keys []string) ([]offsitebot.Reminder, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var out []offsitebot.Reminder
	if err := db.findAll(ctx, db.reminders, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}}, &out, byID()); err != nil {
		return nil, fmt.Errorf("storage: read stale reminders: %w", err)
	}
	return out, nil
}

// PurgeReminders forgets the claims and outcomes whose purge time is before
// before, in one round trip.
func (db *DB) PurgeReminders(ctx context.Context, before time.Time) error {
	defer db.serial()()
	m, unlock, err := db.memo(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if m != nil {
		// By _id, each an index lookup: a filter on purge would decode the whole outbox.
		ids := m.expired(before)
		if len(ids) == 0 {
			return nil
		}
		models := make([]mongo.WriteModel, len(ids))
		for i, id := range ids {
			models[i] = mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}})
		}
		if _, err := db.reminders.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			m.forget()
			return fmt.Errorf("storage: purge reminders: %w", err)
		}
		m.purge(before)
		return nil
	}
	if _, err := db.reminders.DeleteMany(ctx, bson.D{{Key: "purge", Value: bson.D{{Key: "$lt", Value: before}}}}); err != nil {
		return fmt.Errorf("storage: purge reminders: %w", err)
	}
	return nil
}

// refused is a batch insert some of whose documents were refused for a
// reason other than a duplicate key. It does not wrap the driver's error:
// the embedded server quotes the documents, and they hold message text.
type refused struct{ n, index, code int }

func (r *refused) Error() string {
	return fmt.Sprintf("%d refused, the first with code %d", r.n, r.code)
}

// insertNew inserts docs unordered, so a duplicate does not stop the rest,
// and returns the indexes of those already there (by _id).
func insertNew(ctx context.Context, coll *mongo.Collection, docs []any) (dup map[int]bool, err error) {
	_, err = coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, err
	}
	dup = make(map[int]bool, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return nil, &refused{n: len(bwe.WriteErrors), index: we.Index, code: we.Code}
		}
		dup[we.Index] = true
	}
	return dup, nil
}
