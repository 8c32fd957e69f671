// Package conversations holds every command of offsitebot and the engine for
// guided flows: a flow asks its questions one by one (or takes them all as
// key=value words, or as one form), validates each answer as it comes, keeps
// what was given when something is wrong, and does its work only when complete.
package conversations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Store is what the commands need from storage; *storage.DB has it all.
type Store interface {
	Case(ctx context.Context, ref string) (*offsitebot.Case, error)
	CreateCase(ctx context.Context, c *offsitebot.Case) error
	SaveCase(ctx context.Context, c *offsitebot.Case, audit ...offsitebot.AuditEvent) error
	UpdateCase(ctx context.Context, ref string, fn func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error)) (*offsitebot.Case, error)
	Cases(ctx context.Context, f offsitebot.CaseFilter) ([]offsitebot.Case, error)
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
	PutIdentity(ctx context.Context, id offsitebot.Identity) error
	LinkCase(ctx context.Context, identityID, ref string) error
	UnlinkCase(ctx context.Context, identityID, ref string) error
	SetUnreachable(ctx context.Context, identityID string, v bool) error
	SetAbout(ctx context.Context, identityID, ref string, until time.Time) error
	Identities(ctx context.Context, f offsitebot.IdentityFilter) ([]offsitebot.Identity, error)
	PutSchool(ctx context.Context, s offsitebot.School) error
	School(ctx context.Context, urn string) (*offsitebot.School, error)
	Schools(ctx context.Context) ([]offsitebot.School, error)
	CreateJoinCode(ctx context.Context, jc offsitebot.JoinCode) error
	RedeemJoinCode(ctx context.Context, code, by string, now time.Time) (*offsitebot.JoinCode, error)
	IncCounter(ctx context.Context, key string, by int, expires time.Time) (int, error)
	Conversation(ctx context.Context, key string, now time.Time) (*offsitebot.Conversation, error)
	SaveConversation(ctx context.Context, c offsitebot.Conversation) error
	DeleteConversation(ctx context.Context, key string) error
	AppendAudit(ctx context.Context, e offsitebot.AuditEvent) error
	AuditLog(ctx context.Context, ref string) ([]offsitebot.AuditEvent, error)
}

// Deps are the engine's collaborators.
type Deps struct {
	Store    Store
	Send     bot.Sender // to people who did not just ask (a *bot.Dispatcher)
	Now      func() time.Time
	Calendar offsitebot.Calendar
	// Settings are the [rules] numbers left to judgement (zero: the defaults).
	Settings offsitebot.Settings
	Log      *slog.Logger
	// TelegramBot is the bot's username, for join links https://t.me/<name>?start=<code>.
	TelegramBot string
	// Dashboard makes sign-in links to the web overview; nil where it is not served.
	Dashboard Linker
}

// Engine runs commands and guided flows.
type Engine struct {
	Deps
	flows  map[string]*flow
	notify *Notifier
}

// flowLife is how long an unfinished flow waits for its next answer.
const flowLife = 24 * time.Hour

// New returns an engine with every flow of the product.
func New(d Deps) *Engine {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Settings = d.Settings.OrDefault()
	if d.TelegramBot == "" {
		d.TelegramBot = "offsitebot"
	}
	e := &Engine{Deps: d, flows: map[string]*flow{}, notify: NewNotifier(d.Store, d.Send, d.Now, d.Log)}
	for _, f := range e.allFlows() {
		e.flows[f.name] = f
	}
	return e
}

// Notifier is the engine's notifier, for the reminders to share.
func (e *Engine) Notifier() *Notifier { return e.notify }

// Router returns a router with all of the engine's commands registered.
func (e *Engine) Router() *bot.Router {
	r := bot.NewRouter(e.Store, e.Store, e, e.Now, e.Log)
	r.Returned(e.notify.Returned)
	e.Register(r)
	return r
}

// answers are a flow's answers so far, by key.
type answers map[string]string

func (a answers) has(k string) bool { _, ok := a[k]; return ok }

// step is one question of a flow.
type step struct {
	key   string
	label string // short name for forms and "back"
	kind  string // bot.Field kind
	free  bool   // free text: anything typed is an answer, even a command word
	// keywords are answers here even where they are command words too
	// ("start", "end" naming facts to correct).
	keywords []string
	optional bool // "skip" answers it empty
	// ask returns the question and the buttons to offer.
	ask func(ctx context.Context, s *session) (string, []bot.Button)
	// when, if set, says whether the step applies given the answers so far.
	when func(s *session) bool
	// check validates and normalises an answer; it may look at earlier answers.
	check func(ctx context.Context, s *session, v string) (string, error)
	// prefill, if set, supplies an answer without asking (e.g. the only case linked).
	prefill func(ctx context.Context, s *session) (string, bool)
	// checkPrefill runs check on the prefilled answer too (a default date may be a Sunday).
	checkPrefill bool
	// confirm marks a question that confirms an unusual answer (a past
	// first day): a form shows it only once it applies.
	confirm bool
	// summary marks the last check of a guided flow (see summaryStep): a
	// form is its own summary, so never shows it.
	summary bool
}

// flow is a guided command.
type flow struct {
	name   string
	title  string // a form's title
	doing  string // what the person is doing, for "I've stopped …"; title if empty
	submit string
	action offsitebot.Action
	steps  []step
	// positional maps the words after the command to answers.
	positional func(w words, a answers)
	// joinLoose says loose words after a key=value belong to its value
	// (pupil=Jo Anne Smith), as they do in a flow without positional words.
	joinLoose bool
	// verbatim says everything after the command's fixed words is free text,
	// taken as typed: no key=value is read from it (a written request).
	verbatim bool
	done     func(ctx context.Context, s *session) ([]bot.Reply, error)
	// form says whether a platform with forms should show this flow as one.
	form bool
	// anyStatus says a family may use the flow on an ended case too (to leave it).
	anyStatus bool
	// cancelled answers cancel where "I've stopped …" would mislead
	// (cancelling /stop keeps the person connected).
	cancelled string
	// remembers says someone linked to several cases is not asked which
	// again the day they chose (Identity.About).
	remembers bool
}

// session is one flow in progress for one person.
type session struct {
	e    *Engine
	f    *flow
	call bot.Call
	a    answers
	conv offsitebot.Conversation
	c    *offsitebot.Case // loaded once the ref is known and allowed
	// stored says the flow's state is in the database (to delete when done).
	stored bool
	// notes are said before the next question (words left out, a flow set aside).
	notes []string
	// linked caches linkedCases for this turn; linkedRead says it was read.
	linked     []offsitebot.Case
	linkedRead bool
	// choices are buttons a check found for the question it re-asks (the
	// schools an answer matched), by step key, for this turn.
	choices map[string][]bot.Button
}

// guided reports whether the person answered any of the flow's questions
// one by one (rather than giving everything in one line): a guided flow ends
// with its summary. Confirming something unusual doesn't count.
func (s *session) guided() bool {
	return slices.ContainsFunc(s.conv.Order, func(k string) bool {
		st, ok := s.f.step(k)
		return ok && !st.confirm && !st.summary
	})
}

// fact is the answer key if given, else the case's fact of that name: a
// correction is checked against the facts it leaves as they are.
func (s *session) fact(key string) string {
	if v, ok := s.a[key]; ok {
		return v
	}
	if s.c != nil {
		return s.c.Fact(key)
	}
	return ""
}

// linkedCases are the active cases the person joined by code, read at most
// once a turn (asking which case and checking the answer both need them).
func (s *session) linkedCases(ctx context.Context) ([]offsitebot.Case, error) {
	if !s.linkedRead && len(s.call.Who.Cases) > 0 {
		cs, err := s.e.Store.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active, Refs: s.call.Who.Cases})
		if err != nil {
			return nil, err
		}
		s.linked, s.linkedRead = cs, true
	}
	return s.linked, nil
}

func (s *session) now() time.Time { return s.call.Now }

// redo is returned by a check to clear some answers and re-ask them.
type redo struct {
	msg  string
	keys []string
}

func (r *redo) Error() string { return r.msg }

// Pending returns the flow c's sender is in the middle of, or nil. It is the
// one read of the flow a request makes: the router decides from it whether
// the message is an answer, and Answer, start and keepFlow work from it.
func (e *Engine) Pending(ctx context.Context, c bot.Call) (*bot.Pending, error) {
	conv, err := e.Store.Conversation(ctx, c.UserID, c.Now)
	if err != nil {
		return nil, fmt.Errorf("conversations: pending: %w", err)
	}
	if conv == nil || e.flows[conv.Flow] == nil {
		return nil, nil
	}
	p := &bot.Pending{Conversation: *conv}
	st, more := e.resume(c, p).next()
	p.Free, p.Done, p.Keywords = st.free, !more, st.keywords
	return p, nil
}

// resume is the session of the flow in progress, as Pending read it; its
// case is not loaded yet.
func (e *Engine) resume(c bot.Call, p *bot.Pending) *session {
	conv := p.Conversation
	// A session changes its answers: keep the state read for this request as read.
	conv.Answers, conv.Order = maps.Clone(conv.Answers), slices.Clone(conv.Order)
	if conv.Answers == nil {
		conv.Answers = map[string]string{}
	}
	return &session{e: e, f: e.flows[conv.Flow], call: c, a: answers(conv.Answers), conv: conv, stored: true}
}

// word is one word after a command, with the text from it on exactly as
// typed, so free text (a request, a summary) keeps its quotes.
type word struct {
	s, tail string
	start   int
}

// words are the words after a command that were not key=value answers.
type words []word

// text is everything from the first word on, as typed.
func (w words) text() string {
	if len(w) == 0 {
		return ""
	}
	return w[0].tail
}

// parseArgs splits the words after the command into key=value answers for
// the flow's questions and the other words, each with its tail as typed.
func (s *session) parseArgs() (answers, words) {
	raw := answers{}
	text := s.call.Text
	toks := bot.Tokens(text)
	if len(toks) > 0 {
		toks = toks[1:] // the command word
	}
	var rest words
	end := len(text)
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		k, v, ok := strings.Cut(t.Word, "=")
		k = strings.ToLower(k)
		ok = ok && !s.f.verbatim
		switch {
		case ok && s.f.hasStep(k):
			if (s.f.positional == nil || s.f.joinLoose) && len(rest) > 0 {
				// new pupil=Sam Taylor: without a place for loose words, they belong to the value before them.
				v = strings.TrimSpace(v + " " + strings.TrimSpace(text[rest[0].start:end]))
				rest = nil
			}
			raw[k] = v
			end = t.Start
		case ok && (s.f.positional == nil || s.f.joinLoose) && keyLike(k):
			s.notes = append(s.notes, fmt.Sprintf("I don't know %s=, so I left it out.", k))
			end = t.Start
		default:
			rest = append([]word{{s: t.Word, start: t.Start, tail: strings.TrimSpace(text[t.Start:end])}}, rest...)
		}
	}
	if s.f.positional == nil && len(rest) > 0 {
		s.notes = append(s.notes, fmt.Sprintf("I didn't use %q: give answers as key=value, with quotes around values with spaces.", rest.text()))
	}
	return raw, rest
}

func keyLike(k string) bool {
	for _, r := range k {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return k != ""
}

// start begins flow f for a command, taking answers from its words.
func (e *Engine) start(ctx context.Context, call bot.Call, f *flow) ([]bot.Reply, error) {
	// A new flow replaces one left waiting (its state is overwritten or deleted).
	s := &session{e: e, f: f, call: call, a: answers{}, c: call.Case, stored: call.Pending != nil}
	s.conv = offsitebot.Conversation{Key: call.UserID, Flow: f.name, Answers: map[string]string{}}
	if p := call.Pending; p != nil && e.flows[p.Flow] != nil {
		s.notes = append(s.notes, fmt.Sprintf("(I've stopped %s to do this.)", e.flows[p.Flow].what()))
	}
	raw, rest := s.parseArgs()
	if f.positional != nil {
		f.positional(rest, raw)
	}
	for k, v := range call.Request.Args {
		if v != "" {
			raw[k] = v
		}
	}
	if s.c != nil {
		raw["ref"] = s.c.Ref
	}
	if !call.Who.Role.Staff() && f.hasStep("ref") && !f.anyStatus && raw["ref"] == "" {
		// A family acts on its active cases only: none is a clear answer, one needs no question.
		cs, err := s.linkedCases(ctx)
		if err != nil {
			return nil, err
		}
		switch len(cs) {
		case 0:
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s", msgNotConnectedJoin)
		case 1:
			raw["ref"] = cs[0].Ref
		default:
			if about := call.Who.AboutNow(call.Now); f.remembers && slices.ContainsFunc(cs, func(k offsitebot.Case) bool { return k.Ref == about }) {
				raw["ref"] = about
			}
		}
	}
	problems := s.take(ctx, raw)
	if len(raw) > 0 && len(problems) == 0 && s.requiredGiven() {
		// Everything needed came in one line: don't ask the optional questions.
		for _, st := range f.steps {
			if st.optional && !s.a.has(st.key) && (st.when == nil || st.when(s)) {
				s.set(st.key, "")
			}
		}
	}
	_, more := s.next()
	oneLine := len(raw) > 0 && len(problems) == 0 && !more
	if call.Forms && f.form && !(oneLine && call.Request.Args == nil) {
		// A form, unless everything came typed in one line: then just do it.
		return s.formReply(ctx, problems, call.Request.Args != nil)
	}
	if !more {
		// All given at once: a refusal needs no state kept, the line can be typed again.
		replies, err := s.f.done(ctx, s)
		if err != nil {
			return nil, err
		}
		if s.stored {
			if err := e.Store.DeleteConversation(ctx, call.UserID); err != nil {
				return nil, fmt.Errorf("conversations: finish %s: %w", f.name, err)
			}
		}
		return s.withNotes(replies, problems), nil
	}
	return s.proceed(ctx, problems)
}

// withNotes puts the session's notes and problems before the first reply.
func (s *session) withNotes(replies []bot.Reply, problems map[string]string) []bot.Reply {
	pre := s.preamble(problems)
	if len(pre) == 0 || len(replies) == 0 {
		return replies
	}
	replies[0].Text = strings.Join(pre, "\n") + "\n" + replies[0].Text
	return replies
}

// preamble is what to say before the next question: notes, then problems in step order.
func (s *session) preamble(problems map[string]string) []string {
	pre := slices.Clone(s.notes)
	for _, st := range s.f.steps {
		if p, ok := problems[st.key]; ok && !slices.Contains(pre, p) {
			pre = append(pre, p)
		}
	}
	return pre
}

// take validates given answers in step order, keeping the good ones; it returns
// what was wrong with the rest, by key.
func (s *session) take(ctx context.Context, raw answers) map[string]string {
	problems := map[string]string{}
	for _, st := range s.f.steps {
		if st.when != nil && !st.when(s) {
			continue
		}
		v, ok := raw[st.key]
		if !ok {
			if st.prefill != nil {
				if pv, ok := st.prefill(ctx, s); ok {
					if !st.checkPrefill {
						s.set(st.key, pv)
					} else if err := s.answer(ctx, st, pv); err != nil {
						problems[st.key] = s.problemText(err)
					}
				}
			}
			continue
		}
		if err := s.answer(ctx, st, v); err != nil {
			problems[st.key] = s.problemText(err)
		}
	}
	return problems
}

// answer checks v for st and stores it.
func (s *session) answer(ctx context.Context, st step, v string) error {
	v = strings.TrimSpace(v)
	if st.optional && (strings.EqualFold(v, "skip") || v == "-" || v == "") {
		s.set(st.key, "")
		return nil
	}
	if v == "" {
		return offsitebot.Errorf(offsitebot.EInvalid, "I need an answer to this one.")
	}
	if st.check != nil {
		nv, err := st.check(ctx, s, v)
		if err != nil {
			var r *redo
			if errors.As(err, &r) {
				for _, k := range r.keys {
					s.unset(k)
				}
			}
			return err
		}
		v = nv
	}
	s.set(st.key, v)
	return nil
}

func (s *session) set(k, v string) { s.a[k] = v }

// asked records that k was answered to a question, for back.
func (s *session) asked(k string) {
	s.conv.Order = append(slices.DeleteFunc(s.conv.Order, func(x string) bool { return x == k }), k)
}

func (s *session) unset(k string) {
	delete(s.a, k)
	s.conv.Order = slices.DeleteFunc(s.conv.Order, func(x string) bool { return x == k })
}

func (s *session) problemText(err error) string {
	var r *redo
	if errors.As(err, &r) {
		return r.msg
	}
	return errorText(s.call, err)
}

// requiredGiven reports whether every required question that applies is answered.
func (s *session) requiredGiven() bool {
	for _, st := range s.f.steps {
		// Conditional questions (a confirmation, a follow-up) don't count: they arise from the answers.
		if !st.optional && st.when == nil && !s.a.has(st.key) {
			return false
		}
	}
	return true
}

// next returns the first step still to answer, if any.
func (s *session) next() (step, bool) {
	for _, st := range s.f.steps {
		if st.when != nil && !st.when(s) {
			continue
		}
		if !s.a.has(st.key) {
			return st, true
		}
	}
	return step{}, false
}

// proceed asks the next question, or finishes the flow.
func (s *session) proceed(ctx context.Context, problems map[string]string) ([]bot.Reply, error) {
	st, more := s.next()
	if !more {
		replies, err := s.f.done(ctx, s)
		if err != nil {
			if offsitebot.ErrorCode(err) == offsitebot.EInternal {
				return nil, err
			}
			// Keep what was given: the person can change an answer with back, or cancel.
			if serr := s.save(ctx); serr != nil {
				return nil, serr
			}
			return []bot.Reply{{Text: errorText(s.call, err) + "\nYour answers are kept: type back to change the last one, or cancel to stop."}}, nil
		}
		if s.stored {
			if err := s.e.Store.DeleteConversation(ctx, s.call.UserID); err != nil {
				return nil, fmt.Errorf("conversations: finish %s: %w", s.f.name, err)
			}
		}
		return s.withNotes(replies, problems), nil
	}
	if err := s.save(ctx); err != nil {
		return nil, err
	}
	q, buttons := st.ask(ctx, s)
	pre := s.preamble(problems)
	return []bot.Reply{{Text: strings.Join(append(pre, q), "\n"), Buttons: rows(buttons), Case: s.ref()}}, nil
}

// question is the flow's next question, to remind someone who did something else meanwhile.
func (s *session) question(ctx context.Context) (string, []bot.Button) {
	st, more := s.next()
	if !more {
		return "", nil
	}
	return st.ask(ctx, s)
}

func (s *session) ref() string {
	if s.c != nil {
		return s.c.Ref
	}
	return ""
}

func (s *session) save(ctx context.Context) error {
	s.conv.Answers = s.a
	s.conv.Expires = s.now().Add(flowLife)
	if err := s.e.Store.SaveConversation(ctx, s.conv); err != nil {
		return fmt.Errorf("conversations: save %s: %w", s.f.name, err)
	}
	s.stored = true
	return nil
}

// Answer takes call as the next answer to the flow in progress
// (call.Pending), or as cancel or back.
func (e *Engine) Answer(ctx context.Context, call bot.Call) ([]bot.Reply, error) {
	if call.Pending == nil || e.flows[call.Pending.Flow] == nil {
		return nil, errors.New("conversations: an answer with no flow in progress")
	}
	s := e.resume(call, call.Pending)
	f := s.f
	if ref := s.a["ref"]; ref != "" {
		// Permission is checked again on every turn: links and roles change.
		c, err := e.Store.Case(ctx, ref)
		if err != nil {
			return nil, err
		}
		if err := offsitebot.Can(call.Who, f.action, c); err != nil {
			_ = e.Store.DeleteConversation(ctx, call.UserID)
			return nil, err
		}
		s.c = c
	}
	text := strings.TrimSpace(call.Text)
	switch strings.ToLower(text) {
	case "cancel", "/cancel":
		if err := e.Store.DeleteConversation(ctx, call.UserID); err != nil {
			return nil, fmt.Errorf("conversations: cancel: %w", err)
		}
		if f.cancelled != "" {
			return []bot.Reply{{Text: f.cancelled}}, nil
		}
		return []bot.Reply{{Text: fmt.Sprintf("OK, I've stopped %s. Nothing was saved.", f.what())}}, nil
	case "back", "/back":
		// Drop the last answer given to a question, and ask that question again.
		if len(s.conv.Order) == 0 {
			q, buttons := s.question(ctx)
			return []bot.Reply{{Text: "There's no earlier question to go back to (type cancel to stop).\n" + q, Buttons: rows(buttons)}}, nil
		}
		s.unset(s.conv.Order[len(s.conv.Order)-1])
		return s.proceed(ctx, nil)
	}
	st, more := s.next()
	if !more {
		return s.proceed(ctx, nil)
	}
	if err := s.answer(ctx, st, text); err != nil {
		if offsitebot.ErrorCode(err) == offsitebot.EInternal && !isRedo(err) {
			return nil, err
		}
		if st.kind == bot.FieldSelect && passedOn(call) && s.notAnAnswer(ctx, st, text) {
			return e.passOnAtQuestion(ctx, s)
		}
		return s.proceed(ctx, map[string]string{st.key: s.problemText(err)})
	}
	s.asked(st.key)
	return s.proceed(ctx, nil)
}

// notAnAnswer says whether text, refused as the answer to the choice st
// asks, is plainly words of its own ("Thanks for everything" to "Disconnect
// you?"): three words or more, or a question, not beginning with a choice.
func (s *session) notAnAnswer(ctx context.Context, st step, text string) bool {
	w := strings.Fields(text)
	if !hasWords(text) || len(w) < 3 && !strings.Contains(text, "?") {
		return false
	}
	_, err := st.check(ctx, s, strings.Trim(w[0], ",.!"))
	return err != nil && !isRedo(err)
}

// passOnAtQuestion passes on what a family member or a contact wrote while a
// choice question waited, as any words of theirs are, so none are lost. The
// question stays and is asked again, unless the direction it is about has
// ended: then it ends too (nothing about the case waits on it).
func (e *Engine) passOnAtQuestion(ctx context.Context, s *session) ([]bot.Reply, error) {
	call := s.call
	ended := s.c != nil && s.c.Status != offsitebot.Active
	if ended {
		if err := e.Store.DeleteConversation(ctx, call.UserID); err != nil {
			return nil, fmt.Errorf("conversations: end %s: %w", s.f.name, err)
		}
	}
	call.Pending = nil // passing on does not stop the question
	replies, err := e.passOn(ctx, call)
	if err != nil || ended {
		return replies, err
	}
	if p, err := e.Store.Conversation(ctx, call.UserID, call.Now); err != nil || p == nil || p.Flow != s.f.name {
		return replies, err // asking which child it is about replaced it
	}
	q, buttons := s.question(ctx)
	return append(replies, bot.Reply{Text: msgStillAsking(s.f, q), Buttons: rows(buttons)}), nil
}

// msgStillAsking repeats the question of a flow left waiting.
func msgStillAsking(f *flow, q string) string {
	return fmt.Sprintf("(We're still in the middle of %s — type cancel to stop it.) %s", f.what(), q)
}

func isRedo(err error) bool {
	var r *redo
	return errors.As(err, &r)
}

// what says what the flow is doing, to fit "I've stopped …".
func (f *flow) what() string {
	if f.doing != "" {
		return f.doing
	}
	return f.title
}

func (f *flow) hasStep(k string) bool {
	_, ok := f.step(k)
	return ok
}

// step returns the flow's question of key k.
func (f *flow) step(k string) (step, bool) {
	if i := slices.IndexFunc(f.steps, func(s step) bool { return s.key == k }); i >= 0 {
		return f.steps[i], true
	}
	return step{}, false
}

// applies reports whether st is asked given the answers so far.
func (s *session) applies(st step) bool { return st.when == nil || st.when(s) }

// formReply answers a platform with forms: the form to fill, errors on its
// fields, or the result when everything is valid.
func (s *session) formReply(ctx context.Context, problems map[string]string, submitted bool) ([]bot.Reply, error) {
	intro := s.f.title
	if submitted {
		var confirm []string
		for _, st := range s.f.steps {
			if !s.applies(st) || s.a.has(st.key) || problems[st.key] != "" {
				continue
			}
			if st.confirm {
				q, _ := st.ask(ctx, s)
				confirm = append(confirm, q)
			} else {
				problems[st.key] = "Please fill this in."
			}
		}
		if len(problems) > 0 {
			return []bot.Reply{{Text: "Please check the highlighted answers.", FieldErrors: problems}}, nil
		}
		if len(confirm) == 0 {
			replies, err := s.f.done(ctx, s)
			if err != nil && offsitebot.ErrorCode(err) != offsitebot.EInternal {
				return []bot.Reply{{Text: errorText(s.call, err), FieldErrors: map[string]string{s.f.steps[len(s.f.steps)-1].key: errorText(s.call, err)}}}, nil
			}
			return replies, err
		}
		// Something unusual: the same form again, with the question that confirms it.
		intro = strings.Join(confirm, "\n")
	}
	form := &bot.Form{Flow: s.f.name, Title: s.f.title, Submit: s.f.submit}
	for _, st := range s.f.steps {
		if st.prefill != nil && st.key != "ref" || st.summary || st.confirm && !s.applies(st) {
			continue
		}
		q, buttons := st.ask(ctx, s)
		form.Fields = append(form.Fields, bot.Field{
			Key: st.key, Label: st.label, Kind: st.kind, Choices: buttons,
			Optional: st.optional || st.when != nil && !st.confirm, Value: s.a[st.key], Hint: q,
		})
	}
	return []bot.Reply{{Text: intro, Form: form, Case: s.ref()}}, nil
}

// rows lays buttons out for a phone: short ones side by side, long ones alone.
func rows(bs []bot.Button) [][]bot.Button {
	if len(bs) == 0 {
		return nil
	}
	var out [][]bot.Button
	var row []bot.Button
	for _, b := range bs {
		if len(row) == 3 || (len(row) > 0 && len(b.Label) > 14) {
			out = append(out, row)
			row = nil
		}
		row = append(row, b)
	}
	return append(out, row)
}

// update changes case c (see Notifier.update).
func (e *Engine) update(ctx context.Context, c *offsitebot.Case, fn func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error)) (*offsitebot.Case, error) {
	return e.notify.update(ctx, c, fn)
}
