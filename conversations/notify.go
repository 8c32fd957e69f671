package conversations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// NotifyStore is what the notifier reads and records; *storage.DB has it all.
type NotifyStore interface {
	Case(ctx context.Context, ref string) (*offsitebot.Case, error)
	SaveCase(ctx context.Context, c *offsitebot.Case, audit ...offsitebot.AuditEvent) error
	UpdateCase(ctx context.Context, ref string, fn func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error)) (*offsitebot.Case, error)
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
	Identities(ctx context.Context, f offsitebot.IdentityFilter) ([]offsitebot.Identity, error)
	SetUnreachable(ctx context.Context, identityID string, v bool) error
	School(ctx context.Context, urn string) (*offsitebot.School, error)
}

// Notifier is the one way offsitebot tells people what a case owes them, for
// the flows and the reminders alike. It words each notice for its recipient,
// sends it and records what went; and it alone deals with a recipient the
// adapters report unreachable: marked so, and the home school told once.
type Notifier struct {
	store NotifyStore
	send  bot.Sender
	now   func() time.Time
	log   *slog.Logger
}

// NewNotifier returns a notifier sending through send (a *bot.Dispatcher).
func NewNotifier(store NotifyStore, send bot.Sender, now func() time.Time, log *slog.Logger) *Notifier {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{store: store, send: send, now: now, log: log}
}

// actor is who makes a change in call c.
func actor(c bot.Call) offsitebot.Actor {
	return offsitebot.Actor{ID: c.Who.ID, Role: c.Who.Role, Via: c.Platform, At: c.Now}
}

func (s *session) actor() offsitebot.Actor { return actor(s.call) }

// change makes one change of the core to c and stores it (see update). It
// returns the case as stored and the change, whose notices are still to tell.
func (e *Engine) change(ctx context.Context, c *offsitebot.Case, fn func(*offsitebot.Case) (offsitebot.Change, error)) (*offsitebot.Case, offsitebot.Change, error) {
	var ch offsitebot.Change
	k, err := e.update(ctx, c, keep(&ch, fn))
	return k, ch, err
}

// changeRef is change for a case not read yet.
func (e *Engine) changeRef(ctx context.Context, ref string, fn func(*offsitebot.Case) (offsitebot.Change, error)) (*offsitebot.Case, offsitebot.Change, error) {
	return e.notify.changeRef(ctx, ref, fn)
}

func (nt *Notifier) changeRef(ctx context.Context, ref string, fn func(*offsitebot.Case) (offsitebot.Change, error)) (*offsitebot.Case, offsitebot.Change, error) {
	var ch offsitebot.Change
	k, err := nt.store.UpdateCase(ctx, ref, keep(&ch, fn))
	return k, ch, err
}

// keep adapts a change of the core to a storage update, keeping the change
// of the last run in ch (an update runs again after a lost race).
func keep(ch *offsitebot.Change, fn func(*offsitebot.Case) (offsitebot.Change, error)) func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) {
	return func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		var err error
		*ch, err = fn(k)
		return ch.Audit, err
	}
}

// update changes case c, trying first from a copy of the one just read for
// this request (which saves a read of the whole document) and falling back to
// a fresh read when someone changed it meanwhile. c itself is never changed.
// c must be a whole case as read by Store.Case, never a projection from
// Store.Cases.
func (nt *Notifier) update(ctx context.Context, c *offsitebot.Case, fn func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error)) (*offsitebot.Case, error) {
	cp := c.Clone()
	events, err := fn(cp)
	if err != nil {
		return nil, err
	}
	err = nt.store.SaveCase(ctx, cp, events...)
	if err == nil {
		return cp, nil
	}
	if offsitebot.ErrorCode(err) != offsitebot.EConflict {
		return nil, err
	}
	return nt.store.UpdateCase(ctx, c.Ref, fn)
}

// schoolOf returns a school as stored, or one named "school URN" if it is
// not known.
func (nt *Notifier) schoolOf(ctx context.Context, urn string) offsitebot.School {
	s, err := nt.store.School(ctx, urn)
	if err != nil || s == nil {
		return offsitebot.School{URN: urn, Name: "school " + urn}
	}
	return *s
}

// schoolName returns a school's name, or "school URN" if it is not known.
func (nt *Notifier) schoolName(ctx context.Context, urn string) string {
	return nt.schoolOf(ctx, urn).Name
}

// errNothingToRecord stops an update that would change nothing.
var errNothingToRecord = errors.New("nothing to record")

// tell words and sends what the notices of a change to c owe, records what
// went in one update of the case, and returns how many messages went.
func (nt *Notifier) tell(ctx context.Context, c *offsitebot.Case, notices []offsitebot.Notice) int {
	return len(nt.tellTo(ctx, c, notices))
}

// tellTo is tell returning whom each message went to (and in what role),
// for the reply to say who they are.
func (nt *Notifier) tellTo(ctx context.Context, c *offsitebot.Case, notices []offsitebot.Notice) []recipient {
	type sent struct {
		n  offsitebot.Notice
		to []recipient
	}
	var done []sent
	var all []recipient
	for _, n := range notices {
		to := nt.notice(ctx, c, n)
		all = append(all, to...)
		if len(to) > 0 {
			done = append(done, sent{n, to})
		}
	}
	if len(done) == 0 {
		return all
	}
	now := nt.now()
	_, err := nt.update(ctx, c, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		var events []offsitebot.AuditEvent
		for _, d := range done {
			events = append(events, k.DeliveredTo(d.n, d.to, now).Audit...)
		}
		if len(events) == 0 {
			return nil, errNothingToRecord
		}
		return events, nil
	})
	if err != nil && !errors.Is(err, errNothingToRecord) {
		nt.log.ErrorContext(ctx, "record notices", "case", c.Ref, "err", err)
	}
	return all
}

// notice words notice n for everyone it is owed to, sends it, and returns who got it.
func (nt *Notifier) notice(ctx context.Context, c *offsitebot.Case, n offsitebot.Notice) []recipient {
	if n.To == offsitebot.ToHome {
		r, ok := homeNotice(c, n)
		if !ok {
			nt.log.ErrorContext(ctx, "no words for notice", "kind", n.Kind, "case", c.Ref)
			return nil
		}
		if r.File != nil {
			r = nt.withFile(ctx, c, n, r)
		}
		var to []recipient
		for _, id := range nt.tellHome(ctx, c, r) {
			to = append(to, recipient{ID: id, Role: offsitebot.RoleHome})
		}
		return to
	}
	rs, err := nt.recipients(ctx, c, n)
	if err != nil {
		nt.log.ErrorContext(ctx, "find recipients", "kind", n.Kind, "case", c.Ref, "err", err)
		return nil
	}
	var sc *schools // the schools a message names, read once and only if needed
	names := func() schools {
		if sc == nil {
			sc = &schools{nt.schoolOf(ctx, c.HomeURN), nt.schoolOf(ctx, c.ReceivingURN)}
		}
		return *sc
	}
	today := offsitebot.DateOf(n.At)
	var to []recipient
	for _, r := range rs {
		m := n.Meeting
		reply := bot.Reply{Case: c.Ref, Sensitive: true}
		switch n.Kind {
		case offsitebot.NoticeInvitation:
			reply = invitation(c, m, r.Role, today)
		case offsitebot.NoticeMoved:
			reply.Text, reply.Buttons = msgMoved(c, m, n.Was, r.Role), answerButtons(c, m)
		case offsitebot.NoticeCancelled:
			reply.Text = msgCancelled(c, m, r.Role)
		case offsitebot.NoticePlace:
			reply.Text = msgPlace(c, m, r.Role)
		case offsitebot.NoticeDecision:
			reply = decision(c, m, names(), r.Role, today)
		case offsitebot.NoticeCorrected:
			reply.Text = msgCorrected(c, m, n.Before, r.Role)
		case offsitebot.NoticeEnded:
			reply.Text = msgEnded(c, r.Role, names())
		case offsitebot.NoticeReply:
			reply = msgReply(c, n.Text, names().home, r.Role)
		default:
			nt.log.ErrorContext(ctx, "no words for notice", "kind", n.Kind, "case", c.Ref)
			return nil
		}
		if nt.deliver(ctx, c, r.ID, reply) {
			to = append(to, r)
		}
	}
	return to
}

// withFile fetches once the file a message passes on, for every staff
// member it goes to. One that cannot be fetched just now (Telegram down) is
// passed on as the command that fetches it later: the message goes all the
// same, and the chronology keeps where the file is.
func (nt *Notifier) withFile(ctx context.Context, c *offsitebot.Case, n offsitebot.Notice, r bot.Reply) bot.Reply {
	fetch, ok := nt.send.(bot.Fetcher)
	if !ok || r.File.Data != nil {
		return r // each adapter deals with it
	}
	data, err := fetch.Fetch(ctx, r.File.Source)
	if err != nil {
		nt.log.WarnContext(ctx, "fetch a file to pass on", "case", c.Ref, "contact", n.Contact, "err", err)
		return msgToHome(c, n, false)
	}
	f := *r.File
	f.Data = data
	r.File = &f
	return r
}

// recipient is someone a notice goes to, and in what role (for its words).
type recipient = offsitebot.Recipient

// recipients are the people notice n is owed to: those linked to the case
// and, beside them, the staff it concerns (see staffConcerned), each once.
func (nt *Notifier) recipients(ctx context.Context, c *offsitebot.Case, n offsitebot.Notice) ([]recipient, error) {
	var rs []recipient
	add := func(id string, role offsitebot.Role) {
		if n.Kind == offsitebot.NoticeInvitation && n.Meeting.WasInvited(id) || slices.ContainsFunc(rs, func(r recipient) bool { return r.ID == id }) {
			return
		}
		rs = append(rs, recipient{ID: id, Role: role})
	}
	switch n.To {
	case offsitebot.ToParents, offsitebot.ToFamilyAndLA, offsitebot.ToConcerned:
		for _, p := range c.Audience(n.To) {
			add(p.ID, p.Role)
		}
		staff, err := nt.staffConcerned(ctx, c, n.To)
		if err != nil {
			return nil, err
		}
		for _, s := range staff {
			add(s.ID, s.Role)
		}
	case offsitebot.ToInvited:
		for _, inv := range n.Meeting.Invitations {
			role := inv.Role
			if p, ok := c.Person(inv.To); ok {
				role = p.Role
			}
			if role == "" {
				role = offsitebot.RoleParent
			}
			add(inv.To, role)
		}
	case offsitebot.ToRole:
		return nt.withRole(ctx, c, n.Role)
	}
	return rs, nil
}

// staffConcerned are the staff among audience to who are not linked to the
// case by code but reach offsitebot as staff: the receiving school's (for
// invitations and the end) and, where the pupil has an EHC plan, the LA
// officers registered as staff (told of each decision too). Those who
// blocked the bot are left out.
func (nt *Notifier) staffConcerned(ctx context.Context, c *offsitebot.Case, to offsitebot.Audience) ([]offsitebot.Identity, error) {
	var out []offsitebot.Identity
	for _, f := range []offsitebot.IdentityFilter{{Role: offsitebot.RoleReceiving, URN: c.ReceivingURN}, {Role: offsitebot.RoleLA}} {
		if !c.Concerns(f.Role, to) {
			continue
		}
		staff, err := nt.store.Identities(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, s := range staff {
			// An officer who joined one case by code is told of it as linked.
			if !s.Unreachable && len(s.Cases) == 0 {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// withRole are the people of role linked to c; for the receiving school, its
// staff too.
func (nt *Notifier) withRole(ctx context.Context, c *offsitebot.Case, role offsitebot.Role) ([]recipient, error) {
	var rs []recipient
	for _, p := range c.People {
		if p.Role == role {
			rs = append(rs, recipient{ID: p.ID, Role: p.Role})
		}
	}
	if role != offsitebot.RoleReceiving {
		return rs, nil
	}
	staff, err := nt.store.Identities(ctx, offsitebot.IdentityFilter{Role: offsitebot.RoleReceiving, URN: c.ReceivingURN})
	if err != nil {
		return nil, err
	}
	for _, s := range staff {
		if !slices.ContainsFunc(rs, func(r recipient) bool { return r.ID == s.ID }) {
			rs = append(rs, recipient{ID: s.ID, Role: s.Role})
		}
	}
	return rs, nil
}

// answerButtons answer an invitation to m.
func answerButtons(c *offsitebot.Case, m offsitebot.Meeting) [][]bot.Button {
	return [][]bot.Button{{
		{Label: "I can come", Data: fmt.Sprintf("/answer %s %s yes", c.Ref, m.ID)},
		{Label: "Please suggest another time", Data: fmt.Sprintf("/answer %s %s other-time", c.Ref, m.ID)},
	}}
}

// homeNotice words notice n for the home school's staff.
func homeNotice(c *offsitebot.Case, n offsitebot.Notice) (bot.Reply, bool) {
	switch n.Kind {
	case offsitebot.NoticeRequest:
		r := n.Request
		booked := ""
		if m, ok := c.Meeting(r.Answered); ok {
			booked = fmt.Sprintf(" A review meeting is already booked for %s; the request can be discussed there.", when(m))
		}
		duty := "The duty to hold a meeting applies: no review meeting in the 10 weeks before."
		if !r.DutyApplies {
			duty = fmt.Sprintf("The duty does not apply yet (a review meeting was held on %s), but please reply to them.", r.LastMeeting.Short())
		}
		next := fmt.Sprintf("\nSchedule a meeting with: review %s schedule DATE HH:MM in-person", c.Ref)
		if booked != "" {
			next = ""
		}
		return bot.Reply{Case: c.Ref, Sensitive: true, Text: fmt.Sprintf("New review request for %s (%s) from the %s, %s:\n“%s”\n%s%s%s",
			c.Initials(), c.Ref, whoName(r.From), r.At.In(offsitebot.London).Format("Mon 2 Jan 15:04"), r.Text, duty, booked, next)}, true
	case offsitebot.NoticeSuggestion:
		m := n.Meeting
		who := capital(personName(n.Role))
		if p, ok := c.Person(n.Person); ok && p.Name != "" {
			who = fmt.Sprintf("%s (%s)", p.Name, n.Role)
		}
		return bot.Reply{Case: c.Ref, Sensitive: true, Text: fmt.Sprintf("%s can't make review meeting %s for %s (%s) on %s and suggests: “%s”. To move it: review %s move %s DATE HH:MM — or answer them: reply %s %s YOUR WORDS",
			who, m.ID, c.Initials(), c.Ref, when(m), n.Text, c.Ref, m.ID, c.Ref, replyParty(n.Role))}, true
	case offsitebot.NoticeAbsence:
		return bot.Reply{Case: c.Ref, Text: msgAbsenceAlert(c, n)}, true
	case offsitebot.NoticeResolved:
		return bot.Reply{Case: c.Ref, Text: msgAbsenceResolved(c, n)}, true
	case offsitebot.NoticeMessage:
		return msgToHome(c, n, true), true
	case offsitebot.NoticeUnreachable:
		return bot.Reply{Case: c.Ref, Text: msgUnreachable(c, n.Role)}, true
	}
	return bot.Reply{}, false
}

// msgUnreachable tells home-school staff that someone of role on case c can
// no longer be messaged: the one wording of it.
func msgUnreachable(c *offsitebot.Case, role offsitebot.Role) string {
	who := "A " + string(role) + " contact on"
	if role == offsitebot.RoleParent || role == offsitebot.RolePupil {
		who = "A " + string(role) + " on"
	}
	return fmt.Sprintf("%s %s (%s) can't be reached by offsitebot any more — they may have blocked it, so its messages and reminders are not reaching them. Please contact them another way, and send a new link (link %s %s) if they want to reconnect.",
		who, c.Ref, c.Initials(), c.Ref, role)
}

// deliver sends r to one person about case c and reports whether it went.
func (nt *Notifier) deliver(ctx context.Context, c *offsitebot.Case, to string, r bot.Reply) bool {
	err := nt.send.Send(ctx, to, r)
	switch {
	case err == nil:
		return true
	case errors.Is(err, bot.ErrNoSender):
		nt.log.DebugContext(ctx, "no adapter for recipient", "to", to, "case", c.Ref)
	case errors.Is(err, bot.ErrUnreachable):
		nt.Unreachable(ctx, c.Ref, to)
	default:
		nt.log.ErrorContext(ctx, "send failed", "to", to, "case", c.Ref, "err", err)
	}
	return false
}

// errNotLinked stops the update of a case its unreachable recipient is not
// linked to (staff found through their school).
var errNotLinked = errors.New("not linked to the case")

// Unreachable deals with a recipient an adapter reported unreachable while
// telling them about case ref (or "school:URN", a school's summary): they
// are marked so, on the case with an audit record, and the case's home school
// is told once, so nobody waits on messages that never arrive. Reminders
// skip them until they write again (see Returned).
func (nt *Notifier) Unreachable(ctx context.Context, ref, to string) {
	nt.log.WarnContext(ctx, "recipient unreachable", "to", to, "case", ref)
	id, err := nt.store.Identity(ctx, to)
	if err != nil && offsitebot.ErrorCode(err) != offsitebot.ENotFound {
		nt.log.ErrorContext(ctx, "read unreachable identity", "to", to, "err", err)
	}
	known := err == nil && id != nil
	if known && !id.Unreachable {
		if err := nt.store.SetUnreachable(ctx, to, true); err != nil {
			nt.log.ErrorContext(ctx, "mark unreachable", "to", to, "err", err)
		}
	}
	if _, ok := offsitebot.ParseRef(ref); !ok {
		return
	}
	k, ch, err := nt.changeRef(ctx, ref, func(k *offsitebot.Case) (offsitebot.Change, error) {
		if _, ok := k.Person(to); !ok {
			return offsitebot.Change{}, errNotLinked
		}
		ch := k.MarkUnreachable(offsitebot.BotActor(nt.now()), to)
		if len(ch.Audit) == 0 {
			return ch, errNothingToRecord
		}
		return ch, nil
	})
	switch {
	case errors.Is(err, errNotLinked):
		// Receiving staff found through their school: told when first found.
		if known && !id.Unreachable && id.Role == offsitebot.RoleReceiving {
			if c, err := nt.store.Case(ctx, ref); err == nil {
				nt.tellHome(ctx, c, bot.Reply{Case: ref, Text: msgUnreachable(c, id.Role)}, to)
			}
		}
	case errors.Is(err, errNothingToRecord):
	case err != nil:
		nt.log.ErrorContext(ctx, "record unreachable", "case", ref, "err", err)
	default:
		nt.tell(ctx, k, ch.Notices)
	}
}

// Returned clears the marks of someone found unreachable who writes again,
// on them and on the cases they are linked to: they unblocked the bot, so
// messages reach them once more.
func (nt *Notifier) Returned(ctx context.Context, who offsitebot.Identity) {
	if err := nt.store.SetUnreachable(ctx, who.ID, false); err != nil {
		nt.log.WarnContext(ctx, "clear unreachable", "user", who.ID, "err", err)
	}
	for _, ref := range who.Cases {
		_, _, err := nt.changeRef(ctx, ref, func(k *offsitebot.Case) (offsitebot.Change, error) {
			ch := k.MarkReachable(offsitebot.BotActor(nt.now()), who.ID)
			if len(ch.Audit) == 0 {
				return ch, errNothingToRecord
			}
			return ch, nil
		})
		if err != nil && !errors.Is(err, errNothingToRecord) {
			nt.log.WarnContext(ctx, "clear unreachable on case", "user", who.ID, "case", ref, "err", err)
		}
	}
}

// tellHome sends r to the case's reachable home-school staff but those
// excepted (the one found unreachable) and returns those who got it. Staff
// found unreachable here are marked so, and not reported on.
func (nt *Notifier) tellHome(ctx context.Context, c *offsitebot.Case, r bot.Reply, except ...string) []string {
	staff, err := nt.store.Identities(ctx, offsitebot.IdentityFilter{Role: offsitebot.RoleHome, URN: c.HomeURN})
	if err != nil {
		nt.log.ErrorContext(ctx, "find home staff", "case", c.Ref, "err", err)
		return nil
	}
	var told []string
	for _, s := range staff {
		if s.Unreachable || slices.Contains(except, s.ID) {
			continue
		}
		err := nt.send.Send(ctx, s.ID, r)
		switch {
		case err == nil:
			told = append(told, s.ID)
		case errors.Is(err, bot.ErrUnreachable):
			nt.log.WarnContext(ctx, "home staff unreachable", "to", s.ID, "case", c.Ref)
			if err := nt.store.SetUnreachable(ctx, s.ID, true); err != nil {
				nt.log.ErrorContext(ctx, "mark unreachable", "to", s.ID, "err", err)
			}
		case !errors.Is(err, bot.ErrNoSender):
			nt.log.WarnContext(ctx, "tell home staff", "to", s.ID, "case", c.Ref, "err", err)
		}
	}
	return told
}
