package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// The web overview's sign-in links and sessions. Each is kept under a hash of
// its secret, never the secret itself, so a copy of the database signs
// nobody in.
const (
	colWebLinks    = "weblinks"
	colWebSessions = "websessions"
)

// webDoc is a sign-in link or a session: whose it is and until when.
type webDoc struct {
	Hash     string    `bson:"_id"`
	Identity string    `bson:"identity"`
	Created  time.Time `bson:"created"` // not "at": Prune goes by expires alone here
	Expires  time.Time `bson:"expires"`
}

// CreateWebLink stores a sign-in link for identity, under the hash of its
// secret, usable until expires.
func (db *DB) CreateWebLink(ctx context.Context, hash, identity string, now, expires time.Time) error {
	return db.putWeb(ctx, colWebLinks, webDoc{Hash: hash, Identity: identity, Created: now, Expires: expires})
}

// RedeemWebLink uses the sign-in link stored under hash once and returns its
// identity. Only one of any number of concurrent redeemers, on any replica,
// succeeds: the first to claim it in colOnce. An unknown, expired or used
// link is an EInvalid; the reasons are not told apart to whoever holds it.
func (db *DB) RedeemWebLink(ctx context.Context, hash string, now time.Time) (string, error) {
	l, err := db.webDoc(ctx, colWebLinks, hash, now)
	if err != nil {
		return "", err
	}
	if won, _, err := db.once(ctx, "weblink:"+hash, db.now()); err != nil {
		return "", err
	} else if !won {
		return "", badWebLink()
	}
	return l.Identity, nil
}

// CheckWebLink reports, without using it, whether the sign-in link stored
// under hash could still be used at now: an unknown, expired or used one is
// an EInvalid, as RedeemWebLink would say.
func (db *DB) CheckWebLink(ctx context.Context, hash string, now time.Time) error {
	if _, err := db.webDoc(ctx, colWebLinks, hash, now); err != nil {
		return err
	}
	n, err := db.db.Collection(colOnce).CountDocuments(ctx, bson.D{{Key: "_id", Value: "weblink:" + hash}})
	if err != nil {
		return fmt.Errorf("storage: read claim: %w", err)
	} else if n > 0 {
		return badWebLink()
	}
	return nil
}

// CreateWebSession stores a session of identity, under the hash of its
// cookie, until expires.
func (db *DB) CreateWebSession(ctx context.Context, hash, identity string, now, expires time.Time) error {
	return db.putWeb(ctx, colWebSessions, webDoc{Hash: hash, Identity: identity, Created: now, Expires: expires})
}

// WebSession returns the identity of the session stored under hash; an
// unknown or expired one is an EInvalid.
func (db *DB) WebSession(ctx context.Context, hash string, now time.Time) (string, error) {
	s, err := db.webDoc(ctx, colWebSessions, hash, now)
	if err != nil {
		return "", err
	}
	return s.Identity, nil
}

// DeleteWebSession ends the session stored under hash (signing out), if any.
func (db *DB) DeleteWebSession(ctx context.Context, hash string) error {
	defer db.serial()()
	if _, err := db.db.Collection(colWebSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}}); err != nil {
		return fmt.Errorf("storage: delete web session: %w", err)
	}
	return nil
}

func (db *DB) putWeb(ctx context.Context, collection string, d webDoc) error {
	coll, err := db.claimCollection(ctx, collection)
	if err != nil {
		return err
	}
	if _, err := coll.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("storage: create %s: %w", collection, err)
	}
	return nil
}

// webDoc reads a link or session that has not expired at now.
func (db *DB) webDoc(ctx context.Context, collection, hash string, now time.Time) (*webDoc, error) {
	var d webDoc
	err := db.db.Collection(collection).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, badWebLink()
	case err != nil:
		return nil, fmt.Errorf("storage: read %s: %w", collection, err)
	case !d.Expires.After(now):
		return nil, badWebLink()
	}
	return &d, nil
}

func badWebLink() error {
	return offsitebot.Errorf(offsitebot.EInvalid, "That link has expired or has been used already. Type dashboard to the bot for a new one.")
}
