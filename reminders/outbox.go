package reminders

import (
	"context"
	"errors"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations"
)

// The outbox (in storage) holds one claim per reminder, under its natural
// key; inserting it is the claim, which only one run can make, so every
// reminder is sent once. How it went is recorded beside it.

// Outcomes, as recorded.
const (
	stSent        = "sent"        // delivered
	stUnreachable = "unreachable" // the recipient blocked the bot; staff were told
	stNoSender    = "nosender"    // no adapter runs for the recipient's platform
	stRetried     = "retried"     // a later run took it over (see retrySuffix)
	stAbandoned   = "abandoned"   // its one retry failed too

	// Not recorded: a claim with no outcome is still being sent, or failed
	// and waits for a retry.
	stClaimed = "claimed"
	stError   = "error"
)

// retrySuffix marks the key of a retry. A stale claim is taken over by
// claiming key+retrySuffix, which only one run can do, so every reminder is
// sent by its first claimant or by exactly one retry.
const retrySuffix = "#retry"

// Keys that name a day are kept until the day after; keys that name an
// obligation (a meeting, a stretch without contact) for obligationLife, so
// the outbox, which the embedded server reads whole for every query, stays
// small.
const obligationLife = 120 * 24 * time.Hour

// message is one reminder to send: to whom, about what, and its claim key;
// storedReply and the rest are what it says, kept so any later run can
// retry it.
type (
	message      = offsitebot.Reminder
	storedReply  = offsitebot.ReminderMessage
	storedButton = offsitebot.ReminderButton
)

func storeButtons(rows [][]bot.Button) []storedButton {
	var out []storedButton
	for i, row := range rows {
		for _, b := range row {
			out = append(out, storedButton{Row: i, Label: b.Label, Data: b.Data, Confirm: b.Confirm})
		}
	}
	return out
}

// storeReply keeps r as a reminder's reply.
func storeReply(r bot.Reply) storedReply {
	out := storedReply{Text: r.Text, Buttons: storeButtons(r.Buttons), Sensitive: r.Sensitive, Case: r.Case,
		Title: r.Title, Note: r.Note}
	for _, f := range r.Facts {
		out.Facts = append(out.Facts, offsitebot.ReminderFact(f))
	}
	for _, it := range r.Items {
		si := offsitebot.ReminderItem{Group: it.Group, Text: it.Text, Next: it.Next}
		if a := it.Action; a != nil {
			si.Action = &storedButton{Label: a.Label, Data: a.Data, Confirm: a.Confirm}
		}
		out.Items = append(out.Items, si)
	}
	return out
}

// reply is the bot.Reply a stored one stands for.
func reply(r storedReply) bot.Reply {
	var rows [][]bot.Button
	for _, b := range r.Buttons {
		for len(rows) <= b.Row {
			rows = append(rows, nil)
		}
		rows[b.Row] = append(rows[b.Row], bot.Button{Label: b.Label, Data: b.Data, Confirm: b.Confirm})
	}
	out := bot.Reply{Text: r.Text, Buttons: rows, Sensitive: r.Sensitive, Case: r.Case, Title: r.Title, Note: r.Note}
	for _, f := range r.Facts {
		out.Facts = append(out.Facts, bot.Fact(f))
	}
	for _, it := range r.Items {
		item := bot.Item{Group: it.Group, Text: it.Text, Next: it.Next}
		if a := it.Action; a != nil {
			item.Action = &bot.Button{Label: a.Label, Data: a.Data, Confirm: a.Confirm}
		}
		out.Items = append(out.Items, item)
	}
	return out
}

// unreachable is a recipient found to have blocked the bot, about a case.
type unreachable struct{ to, ref string }

// outbox claims, sends and records reminders for one run.
type outbox struct {
	s   *Scheduler
	run string
	now time.Time

	done     []offsitebot.ReminderOutcome // not yet recorded
	sent     []offsitebot.AuditEvent      // messages sent about cases, for their chronology
	lastSave time.Time                    // when the chronology was last written
	gone     map[string]bool              // recipients found unreachable in this run
}

// flushEvery is how often the chronology's copies of the messages sent are
// written in a burst. The outcomes themselves are written one by one.
const flushEvery = 2 * time.Second

// claim claims every message in one round trip and returns those this run
// now owns, and how many others had claimed already.
func (o *outbox) claim(ctx context.Context, msgs []message) ([]message, int, error) {
	if len(msgs) == 0 {
		return nil, 0, nil
	}
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
	}
	won, err := o.s.store.ClaimReminders(ctx, msgs)
	if err != nil {
		return nil, 0, err
	}
	return won, len(msgs) - len(won), nil
}

// record notes how a claim went, to be written with the next flush.
func (o *outbox) record(m message, status string) {
	at := o.s.stamp(o.now)
	o.done = append(o.done, offsitebot.ReminderOutcome{Key: m.Key, Status: status, At: at,
		ClaimedAt: m.ClaimedAt, Expires: m.Expires, Purge: m.Purge})
	if status == stSent && !strings.HasPrefix(m.Case, "school:") {
		o.sent = append(o.sent, offsitebot.AuditEvent{At: at, By: "offsitebot", Via: offsitebot.System,
			Action: "reminder sent", Case: m.Case, Detail: m.Kind + " to " + m.To + ": " + m.Reply.Text})
	}
}

// deliver sends the claimed messages for one recipient, several in one
// digest (see conversations.Digest), and records how it went for each. It
// returns the state it reached; an error only when the context ended or a
// flush failed.
func (o *outbox) deliver(ctx context.Context, ms []message) (string, error) {
	m := ms[0]
	if o.gone[m.To] {
		o.recordAll(ms, stUnreachable)
		return stUnreachable, nil
	}
	replies := make([]bot.Reply, len(ms))
	for i, m := range ms {
		replies[i] = reply(m.Reply)
	}
	err := o.s.send.Send(ctx, m.To, conversations.Digest(replies))
	st := stSent
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return stClaimed, ctx.Err()
	case errors.Is(err, bot.ErrUnreachable):
		o.s.log.WarnContext(ctx, "reminders: recipient unreachable", "to", m.To, "case", m.Case, "key", m.Key, "reminders", len(ms))
		o.gone[m.To] = true
		st = stUnreachable
	case errors.Is(err, bot.ErrNoSender):
		o.s.log.DebugContext(ctx, "reminders: no adapter for recipient", "to", m.To, "key", m.Key, "reminders", len(ms))
		st = stNoSender
	default:
		// No outcome recorded: after the claim timeout a later run takes it over once.
		o.s.log.ErrorContext(ctx, "reminders: send failed", "to", m.To, "key", m.Key, "reminders", len(ms), "err", err)
		return stError, nil
	}
	o.recordAll(ms, st)
	// Each message's outcomes are written as soon as they are known, one
	// small insert, so a crash can send again at most the message in flight
	// (sent, not recorded).
	return st, o.save(ctx, time.Since(o.lastSave) >= flushEvery)
}

func (o *outbox) recordAll(ms []message, status string) {
	for _, m := range ms {
		o.record(m, status)
	}
}

// flush writes the outcomes and chronology entries not written yet.
func (o *outbox) flush(ctx context.Context) error { return o.save(ctx, true) }

// save writes the outcomes not written yet in one round trip, and with them
// the chronology's copies when withAudit is set.
func (o *outbox) save(ctx context.Context, withAudit bool) error {
	// Records what already happened, so it is written even as the run is stopped.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if sent := o.sent; withAudit && len(sent) > 0 {
		o.lastSave = time.Now()
		// The chronology's copy: losing it loses no reminder, so it is not retried.
		o.sent = nil
		if err := o.s.store.AppendAuditMany(ctx, sent); err != nil {
			o.s.log.WarnContext(ctx, "reminders: record in chronology", "messages", len(sent), "err", err)
		}
	}
	if len(o.done) == 0 {
		return nil
	}
	docs := o.done
	o.done = nil
	if err := o.s.store.RecordReminders(ctx, docs); err != nil {
		// Kept for the next flush: an outcome lost makes its claim look
		// stale, and a retry would send it again.
		o.done = docs
		return err
	}
	return nil
}

// stale returns the claims left without an outcome for longer than the claim
// timeout and not yet expired (a morning prompt is not worth sending the next
// day). A retry left so is given up, and logged.
func (o *outbox) stale(ctx context.Context) ([]message, error) {
	docs, err := o.s.store.StaleReminders(ctx, o.s.stamp(o.now).Add(-o.s.timeout), o.now)
	if err != nil {
		return nil, err
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
	return o.s.store.PurgeReminders(ctx, before)
}
