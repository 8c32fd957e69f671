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

// CreateJoinCode stores a new join code; a code already in use is an EConflict.
func (db *DB) CreateJoinCode(ctx context.Context, jc offsitebot.JoinCode) error {
	if _, err := db.joinCodes.InsertOne(ctx, jc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return offsitebot.Errorf(offsitebot.EConflict, "That join code is already taken; please make a new one.")
		}
		return fmt.Errorf("storage: create join code: %w", err)
	}
	return nil
}

// RedeemJoinCode uses a code once: it records who used it and when, and
// returns it. Only one of any number of concurrent redeemers succeeds, on
// any server: the first to claim the code in colOnce. An unknown, used or
// expired code is an EInvalid saying which.
func (db *DB) RedeemJoinCode(ctx context.Context, code, by string, now time.Time) (*offsitebot.JoinCode, error) {
	jc, err := db.joinCode(ctx, code)
	if err != nil {
		return nil, err
	} else if err := unusable(jc, now); err != nil {
		return nil, err
	}
	if won, _, err := db.once(ctx, "joincode:"+code, db.now()); err != nil {
		return nil, err
	} else if !won {
		return nil, codeUsed()
	}
	filter := bson.D{{Key: "_id", Value: code}}
	if db.embedded == nil {
		// Checked again where the update is atomic (MongoDB); the embedded
		// server would decode every code for a filter other than {_id}.
		filter = append(filter, bson.E{Key: "usedBy", Value: bson.D{{Key: "$exists", Value: false}}})
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "usedBy", Value: by}, {Key: "usedAt", Value: now}}}}
	unlock := db.serial()
	err = db.joinCodes.FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(jc)
	unlock()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, codeUsed() // by a writer that does not claim (an older version)
	} else if err != nil {
		return nil, fmt.Errorf("storage: redeem join code: %w", err)
	}
	return jc, nil
}

func codeUsed() error {
	return offsitebot.Errorf(offsitebot.EInvalid, "That code has already been used. Each code works once: please ask the school for a new one.")
}

// joinCode reads a join code; an unknown one is an EInvalid.
func (db *DB) joinCode(ctx context.Context, code string) (*offsitebot.JoinCode, error) {
	var jc offsitebot.JoinCode
	err := db.joinCodes.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&jc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "That code isn't one I know. Please check it, or ask the school for a new link.")
	} else if err != nil {
		return nil, fmt.Errorf("storage: redeem join code: %w", err)
	}
	return &jc, nil
}

// unusable says why jc cannot be redeemed at now, or returns nil.
func unusable(jc *offsitebot.JoinCode, now time.Time) error {
	switch {
	case jc.UsedBy != "":
		return codeUsed()
	case !jc.Expires.After(now):
		return offsitebot.Errorf(offsitebot.EInvalid, "That code expired on %s; ask the school for a new link (codes last %d days).",
			offsitebot.DateOf(jc.Expires).Short(), int(offsitebot.JoinCodeLife/(24*time.Hour)))
	}
	return nil
}
