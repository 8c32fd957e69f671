package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// outboxCollection holds one document per reminder claimed, its _id the
// reminder's natural key, so inserting it is the claim: atomic on MongoDB and
// on the embedded server alike. How it went is another document inserted
// beside it, _id key+doneSuffix. The outbox is only ever inserted into (and
// purged): the embedded server writes each document of an update in its own
// transaction, so marking 10,000 claims sent with UpdateMany takes minutes,
// where one InsertMany of 10,000 takes a fraction of a second.
const outboxCollection = "reminders"

// Outcomes, the status of a done document.
const (
	stSent        = "sent"        // delivered
	stUnreachable = "unreachable" // the recipient blocked the bot; staff were told
	stNoSender    = "nosender"    // no adapter runs for the recipient's platform
	stRetried     = "retried"     // a later run took it over (see retrySuffix)
	stAbandoned   = "abandoned"   // its one retry failed too

	// Not stored: a claim with no done document is still being sent, or
	// failed and waits for a retry.
	stClaimed = "claimed"
	stError   = "error"
)

// doneSuffix marks the document recording how a claim went.
const doneSuffix = "#done"

// retrySuffix marks the key of a retry. A stale claim is taken over by
// inserting key+retrySuffix, which only one run can do: the embedded server
// does not make a filtered update atomic, an insert of a unique _id it does.
// So every reminder is sent by its first claimant or by exactly one retry.
const retrySuffix = "#retry"

// Keys that name a day are kept until the day after; keys that name an
// obligation (a meeting, a stretch without contact) for obligationLife, so
// the outbox, which the embedded server reads whole for every query, stays
// small.
const obligationLife = 120 * 24 * time.Hour

// message is one reminder to send: to whom, about what, and its claim key.
type message struct {
	Key       string      `bson:"_id"`
	Job       string      `bson:"job"`
	Kind      string      `bson:"kind"`
	Case      string      `bson:"case"` // reference, or "school:URN" for a school's summary
	To        string      `bson:"to"`
	ClaimedAt time.Time   `bson:"claimedAt"`
	Expires   time.Time   `bson:"expires"` // not worth sending after this
	Purge     time.Time   `bson:"purge"`   // the claim may be forgotten after this
	Run       string      `bson:"run"`     // the run that claimed it
	Retry     bool        `bson:"retry"`   // this is the one retry of another claim
	Reply     storedReply `bson:"reply"`   // kept so any later run can retry it
}

// done records how a claim went.
type done struct {
	Key       string    `bson:"_id"` // claim key + doneSuffix
	Status    string    `bson:"status"`
	At        time.Time `bson:"at"`
	ClaimedAt time.Time `bson:"claimedAt"` // the claim's, so one query finds both
	Expires   time.Time `bson:"expires"`
	Purge     time.Time `bson:"purge"`
}

// storedReply is the part of a bot.Reply a reminder uses. Buttons are kept
// flat with their row: the embedded server refuses nested arrays.
type storedReply struct {
	Text      string         `bson:"text"`
	Buttons   []storedButton `bson:"buttons,omitempty"`
	Sensitive bool           `bson:"sensitive,omitempty"`
	Case      string         `bson:"case,omitempty"`
}

type storedButton struct {
	Row   int    `bson:"row"`
	Label string `bson:"label"`
	Data  string `bson:"data"`
}

func storeButtons(rows [][]bot.Button) []storedButton {
	var out []storedButton
	for i, row := range rows {
		for _, b := range row {
			out = append(out, storedButton{Row: i, Label: b.Label, Data: b.Data})
		}
	}
	return out
}

func (r storedReply) reply() bot.Reply {
	var rows [][]bot.Button
	for _, b := range r.Buttons {
		for len(rows) <= b.Row {
			rows = append(rows, nil)
		}
		rows[b.Row] = append(rows[b.Row], bot.Button{Label: b.Label, Data: b.Data})
	}
	return bot.Reply{Text: r.Text, Buttons: rows, Sensitive: r.Sensitive, Case: r.Case}
}

// unreachable is a recipient found to have blocked the bot, about a case.
type unreachable struct{ to, ref string }

// outbox claims, sends and records reminders for one run.
type outbox struct {
	s   *Scheduler
	col *mongo.Collection
	run string
	now time.Time

	done     []any                   // outcomes not yet recorded
	sent     []offsitebot.AuditEvent // messages sent about cases, for their chronology
	lastSave time.Time
	gone     map[string]bool // recipients found unreachable in this run
}

// flushEvery bounds how long a sent reminder stays recorded only as claimed,
// so a crash in a long burst leaves few to be sent a second time.
const flushEvery = 2 * time.Second

// claim inserts every message as a claim in one round trip (unordered, so
// duplicates do not stop the rest) and returns those this run now owns.
func (o *outbox) claim(ctx context.Context, msgs []message) ([]message, int, error) {
	if len(msgs) == 0 {
		return nil, 0, nil
	}
	docs := make([]any, len(msgs))
	stamp := o.s.stamp(o.now)
	for i := range msgs {
		m := &msgs[i]
		m.ClaimedAt, m.Run = stamp, o.run
		if m.Purge.IsZero() {
			m.Purge = o.now.Add(obligationLife)
		}
		if m.Purge.Before(m.Expires) {
			m.Purge = m.Expires
		}
		docs[i] = m
	}
	_, err := o.col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return msgs, 0, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, 0, fmt.Errorf("claim reminders: %w", err)
	}
	lost := make(map[int]bool, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			// Not the error itself: the embedded server quotes the documents,
			// and they hold message text.
			return nil, 0, fmt.Errorf("claim reminders: %d of %d refused, the first with code %d (key %s)",
				len(bwe.WriteErrors), len(msgs), we.Code, msgs[we.Index].Key)
		}
		lost[we.Index] = true
	}
	won := make([]message, 0, len(msgs)-len(lost))
	for i, m := range msgs {
		if !lost[i] {
			won = append(won, m)
		}
	}
	return won, len(lost), nil
}

// record notes how a claim went, to be written with the next flush.
func (o *outbox) record(m message, status string) {
	at := o.s.stamp(o.now)
	o.done = append(o.done, done{Key: m.Key + doneSuffix, Status: status, At: at,
		ClaimedAt: m.ClaimedAt, Expires: m.Expires, Purge: m.Purge})
	if status == stSent && !strings.HasPrefix(m.Case, "school:") {
		o.sent = append(o.sent, offsitebot.AuditEvent{At: at, By: "offsitebot", Via: offsitebot.System,
			Action: "reminder sent", Case: m.Case, Detail: m.Kind + " to " + m.To + ": " + m.Reply.Text})
	}
}

// deliver sends one claimed message and records how it went. It returns the
// state it reached; an error only when the context ended or a flush failed.
func (o *outbox) deliver(ctx context.Context, m message) (string, error) {
	if o.gone[m.To] {
		o.record(m, stUnreachable)
		return stUnreachable, nil
	}
	err := o.s.send.Send(ctx, m.To, m.Reply.reply())
	st := stSent
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return stClaimed, ctx.Err()
	case errors.Is(err, bot.ErrUnreachable):
		o.s.log.WarnContext(ctx, "reminders: recipient unreachable", "to", m.To, "case", m.Case, "key", m.Key)
		o.gone[m.To] = true
		st = stUnreachable
	case errors.Is(err, bot.ErrNoSender):
		o.s.log.DebugContext(ctx, "reminders: no adapter for recipient", "to", m.To, "key", m.Key)
		st = stNoSender
	default:
		// No outcome recorded: after the claim timeout a later run takes it over once.
		o.s.log.ErrorContext(ctx, "reminders: send failed", "to", m.To, "key", m.Key, "err", err)
		return stError, nil
	}
	o.record(m, st)
	if time.Since(o.lastSave) >= flushEvery {
		return st, o.flush(ctx)
	}
	return st, nil
}

// flush writes the outcomes recorded since the last flush, in one round trip.
func (o *outbox) flush(ctx context.Context) error {
	o.lastSave = time.Now()
	if len(o.done) == 0 {
		return nil
	}
	docs := o.done
	o.done = nil
	// Records what already happened, so it is written even as the run is stopped.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if sent := o.sent; len(sent) > 0 {
		// The chronology's copy: losing it loses no reminder, so it is not retried.
		o.sent = nil
		if err := o.s.store.AppendAuditMany(ctx, sent); err != nil {
			o.s.log.WarnContext(ctx, "reminders: record in chronology", "messages", len(sent), "err", err)
		}
	}
	_, err := o.col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	// Kept for the next flush: an outcome lost makes its claim look stale,
	// and a retry would send it again. Those already written come back as
	// duplicates then.
	o.done = docs
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) { // a duplicate: recorded already
				return fmt.Errorf("record reminders: %d refused, the first with code %d", len(bwe.WriteErrors), we.Code)
			}
		}
		o.done = nil
		return nil
	}
	return fmt.Errorf("record reminders: %w", err)
}

// stale returns the claims left without an outcome for longer than the claim
// timeout and not yet expired (a morning prompt is not worth sending the next
// day). A retry left so is given up, and logged.
func (o *outbox) stale(ctx context.Context) ([]message, error) {
	cutoff := o.s.stamp(o.now).Add(-o.s.timeout)
	filter := bson.D{
		{Key: "claimedAt", Value: bson.D{{Key: "$lt", Value: cutoff}}},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: o.now}}},
	}
	// Keys first: most claims in the window have their outcome beside them.
	cur, err := o.col.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find stale reminders: %w", err)
	}
	var keys []struct {
		Key string `bson:"_id"`
	}
	if err := cur.All(ctx, &keys); err != nil {
		return nil, fmt.Errorf("find stale reminders: %w", err)
	}
	have := make(map[string]bool, len(keys))
	for _, k := range keys {
		have[k.Key] = true
	}
	var open []string
	for _, k := range keys {
		if !strings.HasSuffix(k.Key, doneSuffix) && !have[k.Key+doneSuffix] {
			open = append(open, k.Key)
		}
	}
	if len(open) == 0 {
		return nil, nil
	}
	cur, err = o.col.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: open}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read stale reminders: %w", err)
	}
	var docs []message
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read stale reminders: %w", err)
	}
	var retry []message
	for _, m := range docs {
		if m.Retry {
			o.s.log.ErrorContext(ctx, "reminders: retry failed too, giving up", "key", m.Key, "to", m.To)
			o.record(m, stAbandoned)
			continue
		}
		retry = append(retry, m)
	}
	return retry, nil
}

// takeOver claims the retry of each stale message; only one run wins each.
func (o *outbox) takeOver(ctx context.Context, stale []message) ([]message, error) {
	if len(stale) == 0 {
		return nil, nil
	}
	retries := make([]message, len(stale))
	for i, m := range stale {
		m.Key += retrySuffix
		m.Retry = true
		retries[i] = m
	}
	won, _, err := o.claim(ctx, retries)
	if err != nil {
		return nil, err
	}
	for _, m := range won {
		orig := m
		orig.Key = strings.TrimSuffix(m.Key, retrySuffix)
		o.record(orig, stRetried)
	}
	return won, nil
}

// purge forgets claims past their purge time, in one round trip. It goes by
// the clock, not a run's as-of time: a run as of a later day (reminders run
// --at) would forget today's claims, and today's runs send them again.
func (o *outbox) purge(ctx context.Context) error {
	before := o.s.now()
	if o.now.Before(before) {
		before = o.now
	}
	_, err := o.col.DeleteMany(ctx, bson.D{{Key: "purge", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return fmt.Errorf("purge reminders: %w", err)
	}
	return nil
}
