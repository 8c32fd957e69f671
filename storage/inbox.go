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

// The inbox is insert-only, as the reminders' outbox is: an entry is kept
// under the platform's delivery ID, handled is another document KEY#done
// beside it, and a replay after a crash is claimed as KEY#replay, which only
// one replica can insert.
const (
	colInbox     = "inbox"
	inboxDone    = "#done"
	inboxReplay  = "#replay"
	inboxRetains = 3 * 24 * time.Hour // outlasts Slack's and Telegram's redeliveries
)

// inboxMark is a #done or #replay document.
type inboxMark struct {
	Key string    `bson:"_id"`
	At  time.Time `bson:"at"`
}

// KeepInbox stores e and reports whether it is new: false means it was kept
// before (a redelivery), and must not be handled again.
func (db *DB) KeepInbox(ctx context.Context, e offsitebot.InboxEntry) (bool, error) {
	if _, err := db.inbox.InsertOne(ctx, e); mongo.IsDuplicateKeyError(err) {
		return false, nil
	} else if err != nil {
		// Not wrapped: the embedded server quotes the document, which holds message text.
		return false, fmt.Errorf("storage: keep inbox entry %s: %s", e.Key, errorCode(err))
	}
	return true, nil
}

// InboxDone records that the entry under key was handled.
func (db *DB) InboxDone(ctx context.Context, key string, at time.Time) error {
	_, err := db.mark(ctx, key+inboxDone, at)
	return err
}

// ClaimInboxReplay claims the replay of an entry left unhandled; true for
// exactly one caller.
func (db *DB) ClaimInboxReplay(ctx context.Context, key string, at time.Time) (bool, error) {
	return db.mark(ctx, key+inboxReplay, at)
}

func (db *DB) mark(ctx context.Context, key string, at time.Time) (bool, error) {
	if _, err := db.inbox.InsertOne(ctx, inboxMark{Key: key, At: at}); mongo.IsDuplicateKeyError(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("storage: mark inbox entry %s: %w", key, err)
	}
	return true, nil
}

// InboxLeft returns, oldest first, the entries whose key begins with prefix,
// kept before before and after since, that were neither handled nor claimed
// for a replay.
func (db *DB) InboxLeft(ctx context.Context, prefix string, since, before time.Time) ([]offsitebot.InboxEntry, error) {
	filter := bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}, {Key: "$gt", Value: since}}}}
	var keys []inboxMark
	if err := db.findAll(ctx, db.inbox, filter, &keys, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}})); err != nil {
		return nil, fmt.Errorf("storage: find inbox entries left: %w", err)
	}
	have := make(map[string]bool, len(keys))
	for _, k := range keys {
		have[k.Key] = true
	}
	var open []string
	for _, k := range keys {
		if strings.HasPrefix(k.Key, prefix) && !strings.Contains(k.Key, "#") && !have[k.Key+inboxDone] && !have[k.Key+inboxReplay] {
			open = append(open, k.Key)
		}
	}
	if len(open) == 0 {
		return nil, nil
	}
	var out []offsitebot.InboxEntry
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	if err := db.findAll(ctx, db.inbox, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: open}}}}, &out, opts); err != nil {
		return nil, fmt.Errorf("storage: read inbox entries left: %w", err)
	}
	return out, nil
}

// errorCode names a write error by its code only.
func errorCode(err error) string {
	var se mongo.ServerError
	if errors.As(err, &se) {
		return fmt.Sprintf("server error (codes %v)", se.ErrorCodes())
	}
	return "write failed"
}
