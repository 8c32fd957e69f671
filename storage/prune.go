package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// retention is how long a claims collection keeps its documents, by the
// time each carries: when it was made ("at") or when it ends ("expires").
type retention struct {
	field string
	keep  time.Duration
}

// claimRetention says how long each claims collection (named by the adapters
// that Claim in it) keeps its keys: long enough to outlast any redelivery
// (Slack retries within the hour, Telegram within a day) and, for button
// data, any button still on someone's screen. Counters, sign-in links and
// web sessions go by their own expiry. A join code's claim in colOnce
// outlives the code. Each field is indexed (see indexes).
func claimRetention() map[string]retention {
	return map[string]retention{
		colInbox:             {"at", inboxRetains},
		"slack_buttons":      {"at", 60 * 24 * time.Hour},
		"telegram_callbacks": {"at", 60 * 24 * time.Hour},
		colCounters:          {"expires", 0},
		colWebLinks:          {"expires", 0}, // gone once expired, as sessions are
		colWebSessions:       {"expires", 0},
		colOnce:              {"at", offsitebot.JoinCodeLife + 24*time.Hour},
	}
}

// Prune deletes what TTL indexes would on MongoDB, which the embedded server
// lacks: claim keys past their retention, expired counters and the
// conversations expired at now that nobody came back to. It returns how many
// documents it deleted from each collection, and carries on past a failure.
// Run it every few hours.
func (db *DB) Prune(ctx context.Context, now time.Time) (map[string]int64, error) {
	deleted := map[string]int64{}
	var errs []error
	for coll, r := range claimRetention() {
		n, err := db.prune(ctx, coll, r.field, now.Add(-r.keep))
		deleted[coll] = n
		errs = append(errs, err)
	}
	n, err := db.deleteExpiredConversations(ctx, now)
	deleted[colConversations] = n
	return deleted, errors.Join(append(errs, err)...)
}

// prune deletes the documents of a claims collection whose time field is
// before before.
func (db *DB) prune(ctx context.Context, collection, field string, before time.Time) (int64, error) {
	defer db.serial()()
	filter := bson.D{{Key: field, Value: bson.D{{Key: "$lt", Value: before}}}}
	res, err := db.db.Collection(collection).DeleteMany(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("storage: prune %s: %w", collection, err)
	}
	return res.DeletedCount, nil
}
