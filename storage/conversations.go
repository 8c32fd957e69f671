package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Conversation reads the saved flow under key; none, or an expired one, is
// (nil, nil). An expired one is deleted here, as the embedded server has no
// TTL indexes.
func (db *DB) Conversation(ctx context.Context, key string, now time.Time) (*offsitebot.Conversation, error) {
	var c offsitebot.Conversation
	err := db.conversations.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("storage: read conversation: %w", err)
	}
	if c.Expires.After(now) {
		return &c, nil
	}
	// Delete only the expired state read, not one saved meanwhile.
	unlock := db.serial()
	_, err = db.conversations.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "expires", Value: c.Expires}})
	unlock()
	if err != nil {
		return nil, fmt.Errorf("storage: delete expired conversation: %w", err)
	}
	return nil, nil
}

// SaveConversation stores c, replacing any state under its key.
func (db *DB) SaveConversation(ctx context.Context, c offsitebot.Conversation) error {
	defer db.serial()()
	_, err := db.conversations.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.Key}}, c, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("storage: save conversation: %w", err)
	}
	return nil
}

// DeleteConversation ends the flow under key, if any.
func (db *DB) DeleteConversation(ctx context.Context, key string) error {
	defer db.serial()()
	if _, err := db.conversations.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return fmt.Errorf("storage: delete conversation: %w", err)
	}
	return nil
}

// deleteExpiredConversations removes the flows expired at now that nobody
// came back to (Conversation deletes the others), and returns how many.
func (db *DB) deleteExpiredConversations(ctx context.Context, now time.Time) (int64, error) {
	defer db.serial()()
	res, err := db.conversations.DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("storage: delete expired conversations: %w", err)
	}
	return res.DeletedCount, nil
}
