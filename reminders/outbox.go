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

// line is one reminder of a digest.
type line = offsitebot.ReminderLine

// kindDigest is the kind of every claim: all a run has for one person.
const kindDigest = "digest"

// outbox claims, sends and records reminders for one run.
type outbox struct {
	s   *Scheduler
	run string
	now time.Time

	done     []offsitebot.ReminderOutcome // not yet recorded
	sent     []offsitebot.AuditEvent      // reminders sent about cases, for their chronology
	lastSave time.Time                    // when the chronology was last written
	gone     map[string]bool              // recipients found unreachable in this run
}

// flushEvery is how often the chronology's copies of the reminders sent are
// written in a burst. The outcomes themselves are written one by one.
const flushEvery = 2 * time.Second

// digests groups a run's reminders by recipient, one digest each, in the
// order of each person's first and keeping theirs, stamped for claiming: it
// is kept until its last reminder's purge time, and worth sending until the
// last one expires.
func (o *outbox) digests(msgs []message) []message {
	stamp := o.s.stamp(o.now)
	var out []message
	at := map[string]int{}
	for _, m := range msgs {
		i, ok := at[m.To]
		if !ok {
			i = len(out)
			at[m.To] = i
			out = append(out, message{Kind: kindDigest, Job: m.Job, Case: m.Case, To: m.To, ClaimedAt: stamp, Run: o.run})
		}
		d := &out[i]
		if d.Case != m.Case {
			d.Case = "" // about several cases
		}
		if !strings.Contains(","+d.Job+",", ","+m.Job+",") {
			d.Job += "," + m.Job
		}
		d.Lines = append(d.Lines, line{Key: m.Key, Job: m.Job, Kind: m.Kind, Case: m.Case, Expires: m.Expires, Reply: m.Reply})
		purge := m.Purge
		if purge.IsZero() {
			purge = o.now.Add(obligationLife)
		}
		d.Expires = latest(d.Expires, m.Expires)
		d.Purge = latest(d.Purge, purge, m.Expires)
	}
	return out
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// lines is what d says: its lines, or itself for a reminder claimed alone
// (before digests) and retried now; without those expired at now.
func lines(d message, now time.Time) []line {
	all := d.Lines
	if len(all) == 0 {
		all = []line{{Key: d.Key, Job: d.Job, Kind: d.Kind, Case: d.Case, Expires: d.Expires, Reply: d.Reply}}
	}
	out := make([]line, 0, len(all))
	for _, l := range all {
		if l.Expires.After(now) {
			out = append(out, l)
		}
	}
	return out
}

// claim claims the digests in one round trip (two when another run races)
// and returns those this run now owns, without the reminders an earlier
// digest to the same person holds.
func (o *outbox) claim(ctx context.Context, ds []message) ([]message, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	return o.s.store.ClaimDigests(ctx, ds)
}

// record notes how a claim went, to be written with the next flush; the
// reminders sent go into their cases' chronology.
func (o *outbox) record(d message, status string) {
	at := o.s.stamp(o.now)
	o.done = append(o.done, offsitebot.ReminderOutcome{Key: d.Key, Status: status, At: at,
		ClaimedAt: d.ClaimedAt, Expires: d.Expires, Purge: d.Purge})
	if status != stSent {
		return
	}
	for _, l := range lines(d, o.now) {
		if !strings.HasPrefix(l.Case, "school:") {
			o.sent = append(o.sent, offsitebot.AuditEvent{At: at, By: "offsitebot", Via: offsitebot.System,
				Action: "reminder sent", Case: l.Case, Detail: l.Kind + " to " + d.To + ": " + l.Reply.Text})
		}
	}
}

// deliver sends a claimed digest, and records how it went. It returns the
// state it reached; an error only when the context ended or a flush failed.
func (o *outbox) deliver(ctx context.Context, d message) (string, error) {
	if o.gone[d.To] {
		o.record(d, stUnreachable)
		return stUnreachable, nil
	}
	ls := lines(d, o.now)
	parts := make([]conversations.DigestPart, len(ls))
	for i, l := range ls {
		parts[i] = conversations.DigestPart{Job: l.Job, Reply: reply(l.Reply)}
	}
	err := o.s.send.Send(ctx, d.To, conversations.Digest(parts))
	st := stSent
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return stClaimed, ctx.Err()
	case errors.Is(err, bot.ErrUnreachable):
		o.s.log.WarnContext(ctx, "reminders: recipient unreachable", "to", d.To, "key", d.Key, "reminders", len(ls))
		o.gone[d.To] = true
		st = stUnreachable
	case errors.Is(err, bot.ErrNoSender):
		o.s.log.DebugContext(ctx, "reminders: no adapter for recipient", "to", d.To, "key", d.Key, "reminders", len(ls))
		st = stNoSender
	default:
		// No outcome recorded: after the claim timeout a later run takes it over once.
		o.s.log.ErrorContext(ctx, "reminders: send failed", "to", d.To, "key", d.Key, "reminders", len(ls), "err", err)
		return stError, nil
	}
	o.record(d, st)
	// Each message's outcome is written as soon as it is known, one small
	// insert, so a crash can send again at most the message in flight
	// (sent, not recorded).
	return st, o.save(ctx, time.Since(o.lastSave) >= flushEvery)
}

// flush writes the outcomes and chronology entries not written yet.
func (o *outbox) flush(ctx context.Context) error { return o.save(ctx, true) }

// save writes the outcomes not written yet in one round trip, and with them,
// when withAudit is set, the chronology's copies: one entry a case, however
// many reminders about it went out since the last.
func (o *outbox) save(ctx context.Context, withAudit bool) error {
	// Records what already happened, so it is written even as the run is stopped.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if sent := o.sent; withAudit && len(sent) > 0 {
		o.lastSave = time.Now()
		// The chronology's copy: losing it loses no reminder, so it is not retried.
		o.sent = nil
		if err := o.s.store.AppendAuditMany(ctx, byCase(sent)); err != nil {
			o.s.log.WarnContext(ctx, "reminders: record in chronology", "reminders", len(sent), "err", err)
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

// byCase joins the events about each case into one, its details a line
// each, in the order of each case's first.
func byCase(events []offsitebot.AuditEvent) []offsitebot.AuditEvent {
	var out []offsitebot.AuditEvent
	at := map[string]int{}
	for _, e := range events {
		i, ok := at[e.Case]
		if !ok {
			at[e.Case] = len(out)
			out = append(out, e)
			continue
		}
		out[i].Detail += "\n" + e.Detail
	}
	return out
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
		m.ClaimedAt, m.Run = o.s.stamp(o.now), o.run
		retries[i] = m
	}
	won, err := o.s.store.ClaimReminders(ctx, retries)
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
