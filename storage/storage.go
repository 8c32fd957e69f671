// Package storage keeps offsitebot's records in MongoDB through the official
// driver: on a MongoDB server given by URI, or on the embedded MongoDB-wire
// server (FerretDB on SQLite) that package storage/embedded runs in-process,
// so the bot and its tests run with nothing installed.
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
	"slices"
	"strings"
	"sync"
	"time"

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
	colReminders     = "reminders" // the reminders' outbox
	// colInbox (inbox.go): deliveries kept before they are acknowledged
)

// Config says where the data lives.
type Config struct {
	URI      string // MongoDB URI; ignored when Embedded is set
	Database string // default "offsitebot"

	// Embedded, if set, is the in-process server to use (package
	// storage/embedded); Close leaves it running. Storage works around its
	// gaps, which a server reached only by URI must not have.
	Embedded Embedded

	// Monitor, if set, sees every command the client sends (benchmarks count
	// round trips with it).
	Monitor *event.CommandMonitor

	// Now is the clock claims are stamped with (default time.Now), to tell a
	// writer that died after its claim from one still at work.
	Now func() time.Time
}

// Embedded is the in-process MongoDB-wire server of package storage/embedded.
// Declared here so that storage does not link it: only the programs and
// tests that start one do.
type Embedded interface {
	URI() string
	// Lock and Unlock serialise the updates of every DB using the server,
	// which does not make one atomic: see DB.serial.
	sync.Locker
	// IndexIDs makes lookups by _id index lookups in every collection that
	// database has: the server's own _id index does not serve its queries.
	IndexIDs(ctx context.Context, database string) error
	// IndexField indexes a top-level field of a collection for IDsWhere,
	// which returns the _ids of the documents whose field is value without
	// decoding any (the server's own filters decode every document).
	IndexField(ctx context.Context, database, collection, field string) error
	IDsWhere(ctx context.Context, database, collection, field, value string) ([]string, error)
	// DocsWhere returns those documents themselves, as the server stores
	// them (JSON, dates in milliseconds), in the order they were inserted.
	DocsWhere(ctx context.Context, database, collection, field, value string) ([][]byte, error)
}

// DB is the store. It is safe for concurrent use.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded Embedded // nil on MongoDB
	now      func() time.Time

	cases, schools, identities, joinCodes, conversations, audit, caseAudit, reminders, inbox *mongo.Collection

	mu    sync.Mutex
	known map[string]bool // on the embedded server: collections made with their _id index

	active *activeCases  // on the embedded server: what Cases lists, in memory
	outbox *outboxMemo   // on the embedded server: what the outbox's reads need, in memory
	people *identityMemo // on the embedded server: every identity, in memory between writes
}

// Open connects to the server, checks the connection and creates the
// indexes (idempotently).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Database == "" {
		cfg.Database = "offsitebot"
	}
	uri := cfg.URI
	if cfg.Embedded != nil {
		uri = cfg.Embedded.URI()
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
		return nil, fmt.Errorf("storage: connect: %w", err)
	}
	db := &DB{client: client, embedded: cfg.Embedded, now: cfg.Now}
	if db.now == nil {
		db.now = time.Now
	}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	db.db = client.Database(cfg.Database)
	db.cases = db.db.Collection(colCases)
	db.schools = db.db.Collection(colSchools)
	db.identities = db.db.Collection(colIdentities)
	db.joinCodes = db.db.Collection(colJoinCodes)
	db.conversations = db.db.Collection(colConversations)
	db.audit = db.db.Collection(colAudit)
	db.caseAudit = db.db.Collection(colCaseAudit)
	db.reminders = db.db.Collection(colReminders)
	db.inbox = db.db.Collection(colInbox)
	if err := db.createIndexes(ctx); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := db.indexIDs(ctx); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := db.moveAudit(ctx); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return db, nil
}

// Close disconnects. It leaves an embedded server running.
func (db *DB) Close(ctx context.Context) error {
	if err := db.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("storage: disconnect: %w", err)
	}
	return nil
}

// Ping checks that the server answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// Drop deletes the whole database (tests end with it).
func (db *DB) Drop(ctx context.Context) error {
	if err := db.db.Drop(ctx); err != nil {
		return fmt.Errorf("storage: drop %s: %w", db.db.Name(), err)
	}
	return nil
}

// Client is the driver client, for benchmarks against bare driver calls.
func (db *DB) Client() *mongo.Client { return db.client }

// Database is the driver database in use, for tests that look at what is
// stored.
func (db *DB) Database() *mongo.Database { return db.db }

// Embedded reports whether the data is on the embedded server.
func (db *DB) Embedded() bool { return db.embedded != nil }

// serial makes one update atomic on the embedded server, which applies an
// update by reading the document, changing it in Go and writing it back
// without checking it is unchanged: two concurrent updates of one document
// would both "match" and one would be lost (this breaks optimistic locking
// and single-use codes). Only one process may use a data directory (lock
// file), so a lock in the server serializes every writer that goes through
// storage (not writes made directly with Database()). MongoDB needs none.
func (db *DB) serial() func() {
	if db.embedded == nil {
		return func() {}
	}
	db.embedded.Lock()
	return db.embedded.Unlock
}

// indexes are the indexes storage creates besides each collection's _id
// index, each for the queries named beside it. On MongoDB every query
// storage makes is served by one of them or by the _id index (a filter
// naming _id, or the whole collection sorted by _id): TestQueriesUseIndexes
// runs every operation and checks each filter and sort against them. The
// embedded server, which answers every filter other than {_id} by decoding
// the whole collection, gets none of them (see createIndexes); there storage
// adds the SQLite indexes it does use, on _id, the cases' status and the case
// of audit entries (see indexIDs).
//
// No TTL or partial indexes: the embedded server refuses them (Prune deletes
// what TTL indexes would). Case references, join codes, conversation keys and
// claim keys are _ids, unique by construction. Attendance is unique per case
// and date by construction too: one AttendanceDay per date inside the case
// document, replaced in Go, so it needs no index of its own.
var indexes = []struct {
	coll string
	keys []string
}{
	{colCases, []string{"status", "_id"}},              // Cases: every case of a status (LA, admin, sweeps), by reference
	{colCases, []string{"status", "home", "_id"}},      // Cases: a home school's
	{colCases, []string{"status", "receiving", "_id"}}, // Cases: a receiving school's (ORed with linked cases)
	{colCases, []string{"demo"}},                       // HasRealCases
	{colIdentities, []string{"role", "_id"}},           // Identities: everyone of a role
	{colIdentities, []string{"urn", "role", "_id"}},    // Identities: a school's staff
	{colIdentities, []string{"cases", "_id"}},          // Identities: those linked to a case
	{colAudit, []string{"case", "at", "_id"}},          // AuditLog of a case
	{colCaseAudit, []string{"case", "version"}},        // AuditLog: a case's own trail
	{colConversations, []string{"expires"}},            // Prune
	{colReminders, []string{"expires", "claimedAt"}},   // StaleReminders: few are unexpired
	{colReminders, []string{"purge"}},                  // PurgeReminders
	{colReminders, []string{"to", "seq"}},              // ClaimDigests: a person's digests
	// Prune, by each claims collection's own time (see claimRetention):
	{colInbox, []string{"at"}}, // and InboxLeft
	{colOnce, []string{"at"}},
	{"slack_buttons", []string{"at"}},
	{"telegram_callbacks", []string{"at"}},
	{colCounters, []string{"expires"}},
	{colWebLinks, []string{"expires"}},
	{colWebSessions, []string{"expires"}},
}

// obsoleteIndexes were created by earlier versions and are now prefixes of
// another index, or serve no query: dropped at start so that writes do not
// keep them up.
var obsoleteIndexes = []struct{ coll, name string }{
	{colCases, "status_1_home_1"},
	{colCases, "status_1_receiving_1"},
	{colIdentities, "urn_1_role_1"},
	{colIdentities, "cases_1"},
	{colJoinCodes, "case_1"},
	{colAudit, "case_1_at_1"},
}

// createIndexes makes the indexes (creating one that exists is a no-op, so
// this runs at every start) and drops the obsolete ones. The embedded server
// gets none: it would use none of them, each costs every write (an SQLite
// index on an expression of the stored JSON), and creating one on a full
// collection takes minutes (≈ 50 s an index at 10,000 term-long cases); those
// earlier versions made there are dropped.
func (db *DB) createIndexes(ctx context.Context) error {
	drop := obsoleteIndexes
	for _, ix := range indexes {
		keys, names := bson.D{}, []string{}
		for _, k := range ix.keys {
			keys = append(keys, bson.E{Key: k, Value: 1})
			names = append(names, k+"_1")
		}
		if db.embedded != nil {
			drop = append(drop, struct{ coll, name string }{ix.coll, strings.Join(names, "_")}) // as the server names it
			continue
		}
		// One at a time: the embedded server panics and drops the connection
		// when one createIndexes names two or more indexes that already exist
		// (it deletes from the list it is iterating), i.e. at every restart.
		if _, err := db.db.Collection(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			return fmt.Errorf("storage: create index on %s: %w", ix.coll, err)
		}
	}
	for _, ix := range drop {
		err := db.db.Collection(ix.coll).Indexes().DropOne(ctx, ix.name)
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && (ce.Code == 27 || ce.Code == 26)) { // IndexNotFound, NamespaceNotFound
			return fmt.Errorf("storage: drop index %s on %s: %w", ix.name, ix.coll, err)
		}
	}
	return nil
}

// indexIDs makes, on the embedded server, every collection storage uses,
// with the index that turns its lookups by _id from scans into searches
// (see Embedded.IndexIDs). A collection made later is indexed by
// claimCollection when it is first used.
func (db *DB) indexIDs(ctx context.Context) error {
	if db.embedded == nil {
		return nil
	}
	all := []string{colCases, colSchools, colIdentities, colJoinCodes, colConversations, colAudit, colCaseAudit, colMeta, colReminders, colLeases}
	for name := range claimRetention() {
		all = append(all, name)
	}
	have, err := db.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("storage: list collections: %w", err)
	}
	db.known = make(map[string]bool, len(all))
	for _, name := range all {
		if !slices.Contains(have, name) {
			if err := db.createCollection(ctx, name); err != nil {
				return err
			}
		}
		db.known[name] = true
	}
	if err := db.embedded.IndexIDs(ctx, db.db.Name()); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	for _, f := range []struct{ coll, field string }{{colCases, "status"}, {colCaseAudit, "case"}, {colAudit, "case"}} {
		if err := db.embedded.IndexField(ctx, db.db.Name(), f.coll, f.field); err != nil {
			return fmt.Errorf("storage: %w", err)
		}
	}
	db.active = &activeCases{}
	db.outbox = &outboxMemo{}
	db.people = &identityMemo{}
	return nil
}

// claimCollection returns the named collection of claims, on the embedded
// server made with its _id index first if this DB has not used it yet.
func (db *DB) claimCollection(ctx context.Context, name string) (*mongo.Collection, error) {
	coll := db.db.Collection(name)
	if db.embedded == nil {
		return coll, nil
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.known[name] {
		return coll, nil
	}
	if err := db.createCollection(ctx, name); err != nil {
		return nil, err
	}
	if err := db.embedded.IndexIDs(ctx, db.db.Name()); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	db.known[name] = true
	return coll, nil
}

// createCollection makes the named collection unless it exists already.
func (db *DB) createCollection(ctx context.Context, name string) error {
	err := db.db.CreateCollection(ctx, name)
	var ce mongo.CommandError
	if err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
		return fmt.Errorf("storage: create collection %s: %w", name, err)
	}
	return nil
}
