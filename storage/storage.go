// Package storage keeps offsitebot's records in MongoDB through the official
// driver. With no URI it starts an embedded MongoDB-wire server (FerretDB on
// SQLite) in-process, so the bot and its tests run with nothing installed.
//
// The embedded server reads whole collections for every query and does not
// make updates atomic (see DB.serial), so the design keeps to what is safe on
// both: one document per case with its whole chronology, claims by inserting
// natural keys as _id, and sweeps computed in Go from one read.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection names.
const (
	colCases         = "cases"
	colSchools       = "schools"
	colIdentities    = "identities"
	colJoinCodes     = "joincodes"
	colConversations = "conversations"
	colAudit         = "audit"
)

// Config says where the data lives.
type Config struct {
	URI      string       // MongoDB URI; empty starts the embedded server in DataDir
	Database string       // default "offsitebot"
	DataDir  string       // embedded server's directory; default "./data"
	Logger   *slog.Logger // start-up, and the embedded server's errors (never document contents)

	// Server, if set, is a running embedded server to use instead of URI or
	// DataDir; Close leaves it running. Tests share one this way.
	Server *Server

	// Monitor, if set, sees every command the client sends (benchmarks count
	// round trips with it).
	Monitor *event.CommandMonitor
}

// DB is the store. It is safe for concurrent use.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	server *Server // embedded server in use, or nil on MongoDB
	owned  bool    // server was started by Open and is closed by Close

	cases, schools, identities, joinCodes, conversations, audit *mongo.Collection
}

// Open connects to cfg.URI, or starts the embedded server when it is empty,
// checks the connection and creates the indexes (idempotently).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Database == "" {
		cfg.Database = "offsitebot"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./data"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{server: cfg.Server}
	uri := cfg.URI
	switch {
	case cfg.Server != nil:
		uri = cfg.Server.URI()
	case uri == "":
		s, err := StartServer(cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		db.server, db.owned = s, true
		uri = s.URI()
		cfg.Logger.Info("storage: embedded server started", "dir", s.Dir())
	}

	opts := options.Client().ApplyURI(uri).SetBSONOptions(&options.BSONOptions{
		// Arrays are never null in storage, so $push and $addToSet always apply
		// and readers need not tell "none" from "missing".
		NilSliceAsEmpty: true,
		NilMapAsEmpty:   true,
	})
	if cfg.Monitor != nil {
		opts.SetMonitor(cfg.Monitor)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		_ = db.closeServer()
		return nil, fmt.Errorf("storage: connect: %w", err)
	}
	db.client = client
	if err := client.Ping(ctx, nil); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("storage: ping: %w", err)
	}
	db.db = client.Database(cfg.Database)
	db.cases = db.db.Collection(colCases)
	db.schools = db.db.Collection(colSchools)
	db.identities = db.db.Collection(colIdentities)
	db.joinCodes = db.db.Collection(colJoinCodes)
	db.conversations = db.db.Collection(colConversations)
	db.audit = db.db.Collection(colAudit)
	if err := db.createIndexes(ctx); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return db, nil
}

// Close disconnects and stops the embedded server if Open started it.
func (db *DB) Close(ctx context.Context) error {
	var err error
	if db.client != nil {
		if e := db.client.Disconnect(ctx); e != nil {
			err = fmt.Errorf("storage: disconnect: %w", e)
		}
	}
	return errors.Join(err, db.closeServer())
}

func (db *DB) closeServer() error {
	if !db.owned {
		return nil
	}
	db.owned = false
	return db.server.Close()
}

// Client is the driver client, for benchmarks against bare driver calls.
func (db *DB) Client() *mongo.Client { return db.client }

// Database is the driver database in use.
func (db *DB) Database() *mongo.Database { return db.db }

// Embedded reports whether the data is on the embedded server.
func (db *DB) Embedded() bool { return db.server != nil }

// serial makes one update atomic on the embedded server, which applies an
// update by reading the document, changing it in Go and writing it back
// without checking it is unchanged: two concurrent updates of one document
// would both "match" and one would be lost (this breaks optimistic locking
// and single-use codes). Only one process may use a data directory (lock
// file), so a lock in the server serializes every writer that goes through
// storage (not writes made directly with Database()). MongoDB needs none.
func (db *DB) serial() func() {
	if db.server == nil {
		return func() {}
	}
	db.server.writes.Lock()
	return db.server.writes.Unlock
}

// createIndexes makes the indexes the queries need. Creating an existing
// index with the same keys is a no-op, so this runs at every start. No TTL or
// partial indexes: the embedded server refuses them (expired conversations
// are deleted when read, and by DeleteExpiredConversations).
//
// Case references, join codes, conversation keys and claim keys are _ids,
// unique by construction. Attendance is unique per case and date by
// construction too: one AttendanceDay per date inside the case document,
// replaced in Go, so it needs no index of its own.
func (db *DB) createIndexes(ctx context.Context) error {
	idx := func(keys ...string) mongo.IndexModel {
		d := bson.D{}
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return mongo.IndexModel{Keys: d}
	}
	all := []struct {
		coll   *mongo.Collection
		models []mongo.IndexModel
	}{
		{db.cases, []mongo.IndexModel{idx("status", "home"), idx("status", "receiving")}},
		{db.identities, []mongo.IndexModel{idx("urn", "role"), idx("cases")}},
		{db.joinCodes, []mongo.IndexModel{idx("case")}},
		{db.audit, []mongo.IndexModel{idx("case", "at")}},
		{db.conversations, []mongo.IndexModel{idx("expires")}},
	}
	for _, c := range all {
		// One at a time: the embedded server panics and drops the connection
		// when one createIndexes names two or more indexes that already exist
		// (it deletes from the list it is iterating), i.e. at every restart.
		for _, m := range c.models {
			if _, err := c.coll.Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("storage: create indexes on %s: %w", c.coll.Name(), err)
			}
		}
	}
	return nil
}
