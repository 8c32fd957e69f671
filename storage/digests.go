package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A reminder run sends each person one digest, claimed as one document of
// the outbox: the recipient's next in sequence, _id "digest:TO:SEQ", holding
// only the reminders (keys) no earlier digest to them holds. Inserting it is
// the claim; another run that read the same sequence and claims the same
// number is refused, reads again and finds those keys taken. So each key is
// sent once, and a run writes one claim a person, not one a reminder: one
// read and one insert in all, unless two runs race.

// digestTries bounds how often one call reads again after losing a race.
const digestTries = 5

// digestID is the _id of a recipient's digest number seq.
func digestID(to string, seq int) string { return fmt.Sprintf("digest:%s:%06d", to, seq) }

// ledgerEntry is what ClaimDigests reads of a claim: a digest, or a
// reminder claimed alone before digests, whose key is its _id.
type ledgerEntry struct {
	ID   string   `bson:"_id"`
	To   string   `bson:"to"`
	Seq  int      `bson:"seq"`
	Keys []string `bson:"keys"`
}

// ClaimDigests claims each digest (one a recipient) as its recipient's next,
// without the lines whose keys a digest to them already holds, and returns
// those it claimed, with their Key, Seq and Keys set and only their new
// lines; a digest left with none is not claimed. Claims and their outcomes
// are purged as before (PurgeReminders), and a stale one is retried through
// ClaimReminders.
func (db *DB) ClaimDigests(ctx context.Context, ds []offsitebot.Reminder) ([]offsitebot.Reminder, error) {
	m, unlock, err := db.memo(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var won []offsitebot.Reminder
	pending := ds
	for try := 0; len(pending) > 0; try++ {
		if try == digestTries {
			return won, fmt.Errorf("storage: claim digests: %d still contested after %d tries", len(pending), try)
		}
		taken, next, err := db.ledger(ctx, m, pending)
		if err != nil {
			return won, err
		}
		var claims []offsitebot.Reminder
		for _, d := range pending {
			d.Lines = untaken(d.Lines, taken[d.To])
			if len(d.Lines) == 0 {
				continue
			}
			d.Keys = make([]string, len(d.Lines))
			for i, l := range d.Lines {
				d.Keys[i] = l.Key
			}
			d.Seq = next[d.To]
			next[d.To]++ // a second digest to the same person in one call
			d.Key = digestID(d.To, d.Seq)
			claims = append(claims, d)
		}
		if len(claims) == 0 {
			break
		}
		lost, err := db.claimNew(ctx, "claim digests", claims)
		if err != nil {
			m.forget()
			return won, err
		}
		pending = nil
		for i, d := range claims {
			switch {
			case !lost[i]:
				won = append(won, d)
				if m != nil {
					m.claim(d)
				}
			default: // another run took its number first
				pending = append(pending, d)
				m.forget() // on the embedded server, none could have: read it all again
			}
		}
	}
	return won, nil
}

// untaken returns the lines whose keys are not taken, in a new slice.
func untaken(lines []offsitebot.ReminderLine, taken map[string]time.Time) []offsitebot.ReminderLine {
	out := make([]offsitebot.ReminderLine, 0, len(lines))
	for _, l := range lines {
		if _, ok := taken[l.Key]; !ok {
			out = append(out, l)
		}
	}
	return out
}

// ledger reads, in one round trip (on the embedded server from m), the
// keys claimed for the digests' recipients and each one's next sequence
// number. A key is taken when its recipient's map has it.
func (db *DB) ledger(ctx context.Context, m *outboxMemo, ds []offsitebot.Reminder) (map[string]map[string]time.Time, map[string]int, error) {
	var tos []string
	seen := map[string]bool{}
	for _, d := range ds {
		if !seen[d.To] {
			seen[d.To] = true
			tos = append(tos, d.To)
		}
	}
	if m != nil {
		if err := m.load(ctx, db); err != nil {
			return nil, nil, err
		}
		taken, next := m.ledger(tos)
		return taken, next, nil
	}
	taken := map[string]map[string]time.Time{}
	next := map[string]int{}
	for _, to := range tos {
		taken[to], next[to] = map[string]time.Time{}, 1
	}
	var entries []ledgerEntry
	proj := bson.D{{Key: "_id", Value: 1}, {Key: "to", Value: 1}, {Key: "seq", Value: 1}, {Key: "keys", Value: 1}}
	filter := bson.D{{Key: "to", Value: bson.D{{Key: "$in", Value: tos}}}}
	if err := db.findAll(ctx, db.reminders, filter, &entries, options.Find().SetProjection(proj)); err != nil {
		return nil, nil, fmt.Errorf("storage: read claimed digests: %w", err)
	}
	for _, e := range entries {
		keys := e.Keys
		if len(keys) == 0 { // a reminder claimed alone, or its retry ("KEY#retry")
			keys = []string{strings.TrimSuffix(e.ID, "#retry")}
		}
		for _, k := range keys {
			taken[e.To][k] = time.Time{}
		}
		next[e.To] = max(next[e.To], e.Seq+1)
	}
	return taken, next, nil
}
