package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// activeCases is, on the embedded server, every active case as Cases lists
// it (without contacts, feedback and audit), held in memory. Lists, due
// lists and reminder sweeps are answered from it: the server would decode
// every case ever opened, whole, for each of them (seconds at 1,000 cases).
// It is safe because only one process may use a data directory and every
// write of a case goes through this DB, which writes through to it under the
// server's write lock (see serial); so it also knows the version of every
// active case, and a save need not read it back to check. It is filled at
// start (Warm) or on first use from the index of the cases' status (see
// Embedded.IDsWhere), reading the active cases only, one by one by _id.
type activeCases struct {
	load sync.Mutex // one load at a time

	mu      sync.RWMutex
	loaded  bool
	byRef   map[string]*offsitebot.Case
	loading bool                        // a load is reading the server
	pending map[string]*offsitebot.Case // saves made meanwhile: nil for a case no longer active
}

// lean is c as Cases returns it: without contacts, feedback and audit, and
// through BSON, so times and empty lists are as a read would give them.
func lean(c *offsitebot.Case) (*offsitebot.Case, error) {
	cp := *c
	cp.Contacts, cp.Feedback, cp.Audit = nil, nil, nil
	raw, err := encode(&cp)
	if err != nil {
		return nil, err
	}
	var out offsitebot.Case
	if err := bson.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	out.Contacts, out.Feedback, out.Audit = nil, nil, nil
	return &out, nil
}

// put records c as just stored, or forgets it once it is no longer active.
// Callers hold the server's write lock.
func (a *activeCases) put(c *offsitebot.Case) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded && !a.loading {
		return // the load will read it
	}
	var l *offsitebot.Case
	if c.Status == offsitebot.Active {
		var err error
		if l, err = lean(c); err != nil {
			// Read it all again rather than keep a stale copy.
			a.loaded, a.byRef = false, nil
			return
		}
	}
	switch {
	case a.loading:
		a.pending[c.Ref] = l
	case l == nil:
		delete(a.byRef, c.Ref)
	default:
		a.byRef[c.Ref] = l
	}
}

// version is the stored version of case ref, if it is active and loaded.
func (a *activeCases) version(ref string) (int64, bool) {
	if a == nil {
		return 0, false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	c, ok := a.byRef[ref]
	if !ok {
		return 0, false
	}
	return c.Version, true
}

// Warm reads the active cases into memory on the embedded server, as the
// first list or sweep would (one read by _id a case: seconds for
// thousands), so a server calls it as it starts. On MongoDB it does nothing.
func (db *DB) Warm(ctx context.Context) error {
	if db.active == nil {
		return nil
	}
	return db.loadActive(ctx)
}

// loadActive fills the copy from the server, once. Saves go on meanwhile:
// what they store is kept aside and wins over what the load read.
func (db *DB) loadActive(ctx context.Context) error {
	a := db.active
	a.mu.RLock()
	loaded := a.loaded
	a.mu.RUnlock()
	if loaded {
		return nil
	}
	a.load.Lock()
	defer a.load.Unlock()
	a.mu.Lock()
	if a.loaded {
		a.mu.Unlock()
		return nil
	}
	a.loading, a.pending = true, map[string]*offsitebot.Case{}
	a.mu.Unlock()

	byRef, err := db.readActive(ctx)

	a.mu.Lock()
	defer a.mu.Unlock()
	pending := a.pending
	a.loading, a.pending = false, nil
	if err != nil {
		return err
	}
	for ref, c := range pending {
		if c == nil {
			delete(byRef, ref)
		} else {
			byRef[ref] = c
		}
	}
	a.byRef, a.loaded = byRef, true
	return nil
}

// readActive reads the active cases, found by the index of their status,
// one by one by _id, lean.
func (db *DB) readActive(ctx context.Context) (map[string]*offsitebot.Case, error) {
	refs, err := db.embedded.IDsWhere(ctx, db.db.Name(), colCases, "status", string(offsitebot.Active))
	if err != nil {
		return nil, fmt.Errorf("storage: list active cases: %w", err)
	}
	byRef := make(map[string]*offsitebot.Case, len(refs))
	opts := options.FindOne().SetProjection(leanProjection)
	for _, ref := range refs {
		var c offsitebot.Case
		err := db.cases.FindOne(ctx, bson.D{{Key: "_id", Value: ref}}, opts).Decode(&c)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments): // gone meanwhile
		case err != nil:
			return nil, fmt.Errorf("storage: read active case: %w", err)
		case c.Status == offsitebot.Active:
			byRef[ref] = &c
		}
	}
	return byRef, nil
}

// list returns copies of the active cases matching f (whose Status is
// Active), sorted by reference, as the query in Cases would.
func (a *activeCases) list(f offsitebot.CaseFilter) []offsitebot.Case {
	var conds []func(c *offsitebot.Case) bool
	if f.HomeURN != "" {
		conds = append(conds, func(c *offsitebot.Case) bool { return c.HomeURN == f.HomeURN })
	}
	if f.ReceivingURN != "" {
		conds = append(conds, func(c *offsitebot.Case) bool { return c.ReceivingURN == f.ReceivingURN })
	}
	if f.Refs != nil && !(f.Any && len(f.Refs) == 0) {
		conds = append(conds, func(c *offsitebot.Case) bool { return slices.Contains(f.Refs, c.Ref) })
	}
	out := []offsitebot.Case{}
	if f.Any && len(conds) == 0 {
		return out // OR of nothing
	}
	match := func(c *offsitebot.Case) bool {
		for _, cond := range conds {
			if cond(c) == f.Any {
				return f.Any
			}
		}
		return !f.Any
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, c := range a.byRef {
		if match(c) {
			out = append(out, *c.Clone())
		}
	}
	slices.SortFunc(out, func(x, y offsitebot.Case) int { return strings.Compare(x.Ref, y.Ref) })
	return out
}
