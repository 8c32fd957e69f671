package storage

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// outboxMemo is, on the embedded server, what ClaimDigests and
// StaleReminders need of the outbox, in memory: each claim's recipient,
// number, keys and times, and which have an outcome. The server would decode
// every claim, whole, for each of their queries: months of digests once the
// outbox has grown. It is safe for the reason activeCases is: only one
// process may use a data directory and every write of the outbox goes
// through this DB, which writes through to it (under mu, which also makes
// each ClaimDigests one step here). It is read once, on first use, by one
// scan; a write that fails half way makes it read again.
type outboxMemo struct {
	mu     sync.Mutex
	loaded bool
	claims map[string]memoClaim            // claims and retries, by _id
	taken  map[string]map[string]time.Time // recipient -> key claimed -> when the last claim holding it is purged
	next   map[string]int                  // recipient -> the number of their next digest
	done   map[string]time.Time            // claims with an outcome, by the claim's _id: the outcome's purge time
}

type memoClaim struct{ claimedAt, expires, purge time.Time }

// memoDoc is what the load reads of each outbox document.
type memoDoc struct {
	ID        string    `bson:"_id"`
	To        string    `bson:"to"`
	Seq       int       `bson:"seq"`
	Keys      []string  `bson:"keys"`
	ClaimedAt time.Time `bson:"claimedAt"`
	Expires   time.Time `bson:"expires"`
	Purge     time.Time `bson:"purge"`
}

// load reads the outbox unless it is in memory. Callers hold m.mu.
func (m *outboxMemo) load(ctx context.Context, db *DB) error {
	if m.loaded {
		return nil
	}
	var docs []memoDoc
	proj := bson.D{{Key: "to", Value: 1}, {Key: "seq", Value: 1}, {Key: "keys", Value: 1},
		{Key: "claimedAt", Value: 1}, {Key: "expires", Value: 1}, {Key: "purge", Value: 1}}
	if err := db.findAll(ctx, db.reminders, bson.D{}, &docs, options.Find().SetProjection(proj)); err != nil {
		return fmt.Errorf("storage: read the outbox: %w", err)
	}
	m.claims, m.taken, m.next, m.done = map[string]memoClaim{}, map[string]map[string]time.Time{}, map[string]int{}, map[string]time.Time{}
	for _, d := range docs {
		if claim, ok := strings.CutSuffix(d.ID, doneSuffix); ok {
			m.done[claim] = d.Purge
			continue
		}
		m.claim(offsitebot.Reminder{Key: d.ID, To: d.To, Seq: d.Seq, Keys: d.Keys, ClaimedAt: d.ClaimedAt, Expires: d.Expires, Purge: d.Purge})
	}
	m.loaded = true
	return nil
}

// claim notes r as claimed, its times as the server keeps them (to the millisecond).
func (m *outboxMemo) claim(r offsitebot.Reminder) {
	keys := r.Keys
	if len(keys) == 0 { // a reminder claimed alone, or its retry
		keys = []string{strings.TrimSuffix(r.Key, "#retry")}
	}
	ms := func(t time.Time) time.Time { return t.Truncate(time.Millisecond) }
	c := memoClaim{claimedAt: ms(r.ClaimedAt), expires: ms(r.Expires), purge: ms(r.Purge)}
	m.claims[r.Key] = c
	if m.taken[r.To] == nil {
		m.taken[r.To] = map[string]time.Time{}
	}
	for _, k := range keys {
		if c.purge.After(m.taken[r.To][k]) {
			m.taken[r.To][k] = c.purge
		}
	}
	m.next[r.To] = max(m.next[r.To], r.Seq+1)
}

// ledger is DB.ledger from memory: what it returns is the memo's own, to
// be read while m.mu is held.
func (m *outboxMemo) ledger(tos []string) (map[string]map[string]time.Time, map[string]int) {
	next := make(map[string]int, len(tos))
	for _, to := range tos {
		next[to] = max(1, m.next[to])
	}
	return m.taken, next
}

// open lists the claims made before claimedBefore, unexpired at now and
// without an outcome.
func (m *outboxMemo) open(claimedBefore, now time.Time) []string {
	var out []string
	for id, c := range m.claims {
		if _, done := m.done[id]; !done && c.claimedAt.Before(claimedBefore) && c.expires.After(now) {
			out = append(out, id)
		}
	}
	return out
}

// expired lists the _ids of the claims and outcomes whose purge time is
// before before.
func (m *outboxMemo) expired(before time.Time) []string {
	var out []string
	for id, c := range m.claims {
		if c.purge.Before(before) {
			out = append(out, id)
		}
	}
	for id, p := range m.done {
		if p.Before(before) {
			out = append(out, id+doneSuffix)
		}
	}
	return out
}

// purge forgets what PurgeReminders deleted.
func (m *outboxMemo) purge(before time.Time) {
	for id, c := range m.claims {
		if c.purge.Before(before) {
			delete(m.claims, id)
		}
	}
	for to, keys := range m.taken {
		for k, p := range keys {
			if p.Before(before) {
				delete(keys, k)
			}
		}
		if len(keys) == 0 {
			delete(m.taken, to)
		}
	}
	for id, p := range m.done {
		if p.Before(before) {
			delete(m.done, id)
		}
	}
}

// memo returns the outbox's memo, locked and loaded, and its unlock; nil
// (and a no-op) on MongoDB. A write that fails under it should call
// forget, so the next use reads the outbox again.
func (db *DB) memo(ctx context.Context) (*outboxMemo, func(), error) {
	m := db.outbox
	if m == nil {
		return nil, func() {}, nil
	}
	m.mu.Lock()
	if err := m.load(ctx, db); err != nil {
		m.mu.Unlock()
		return nil, nil, err
	}
	return m, m.mu.Unlock, nil
}

// forget makes the memo read the outbox again at its next use.
func (m *outboxMemo) forget() {
	if m != nil {
		m.loaded = false
	}
}
