package storage

import (
	"context"
	"slices"
	"strings"
	"sync"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// identityMemo is, on the embedded server, every identity as Identities
// lists them, read in one query after any write and kept until the next:
// the server decodes every identity (a parent for each case ever opened) for
// any filter, and a reminder sweep or a list asks again each time. It is safe
// for the reason activeCases is: only one process may use a data directory
// and every write of an identity goes through this DB, which calls changed.
type identityMemo struct {
	mu  sync.Mutex
	gen uint64                // counts writes, so a read that raced one is not kept
	all []offsitebot.Identity // sorted by ID; nil until read since the last write
}

// changed forgets what was read: an identity has just been written.
func (m *identityMemo) changed() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.all = nil
}

// list returns the identities f keeps, reading them all first if needed.
func (m *identityMemo) list(ctx context.Context, db *DB, f offsitebot.IdentityFilter) ([]offsitebot.Identity, error) {
	m.mu.Lock()
	all, gen := m.all, m.gen
	m.mu.Unlock()
	if all == nil {
		all = []offsitebot.Identity{}
		if err := db.findAll(ctx, db.identities, bson.D{}, &all, byID()); err != nil {
			return nil, err
		}
		m.mu.Lock()
		if m.gen == gen {
			m.all = all
		}
		m.mu.Unlock()
	}
	out := []offsitebot.Identity{}
	for _, id := range all {
		if keeps(f, id) {
			id.Cases = slices.Clone(id.Cases)
			out = append(out, id)
		}
	}
	return out, nil
}

// keeps reports whether f keeps id, as the query Identities makes on MongoDB.
func keeps(f offsitebot.IdentityFilter, id offsitebot.Identity) bool {
	return (f.Role == "" || id.Role == f.Role) &&
		(f.URN == "" || id.URN == f.URN) &&
		(f.Case == "" || slices.Contains(id.Cases, f.Case)) &&
		strings.HasPrefix(id.ID, f.Prefix) &&
		(f.IDs == nil || slices.Contains(f.IDs, id.ID))
}
