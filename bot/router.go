package bot

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// Call is a request after the router has resolved who asked and checked that
// they may do it to the case it names.
type Call struct {
	Request
	Who  offsitebot.Identity
	Word string           // the command word, lower case, without "/"
	Args []string         // the words after it, quotes respected
	Case *offsitebot.Case // the case named in Args, already permission-checked
	Now  time.Time
	// Pending is the guided flow the person was in the middle of, as read
	// once for this request; nil if none.
	Pending *Pending
}

// Handler answers a call, as http.Handler answers an HTTP request.
type Handler interface {
	Handle(ctx context.Context, c Call) ([]Reply, error)
}

// HandlerFunc is an ordinary function used as a Handler.
type HandlerFunc func(ctx context.Context, c Call) ([]Reply, error)

// Handle calls f(ctx, c).
func (f HandlerFunc) Handle(ctx context.Context, c Call) ([]Reply, error) { return f(ctx, c) }

// Command is one registered command word.
type Command struct {
	Name   string
	Action offsitebot.Action
	// Public commands may be used by people the bot does not know yet (/start, help).
	Public bool
	// Flow marks a command that starts a guided flow (and so replaces one in
	// progress): typed alone where a flow asks a question, its word is an answer.
	Flow bool
	Run  Handler
	// Sub are variants named by a word after the command ("chart" in
	// "attendance OSD-… chart"), each with its own action and handler.
	Sub map[string]Command
}

// variant is the Sub that a word of args names, or cmd itself.
func (cmd Command) variant(args []string) Command {
	for _, a := range args {
		if sub, ok := cmd.Sub[strings.ToLower(a)]; ok {
			return sub
		}
	}
	return cmd
}

// Pending is a guided flow waiting for the person's answer.
type Pending struct {
	// Conversation is the flow's state as stored: its name, the answers so far.
	offsitebot.Conversation
	// Free says the question takes free text (a summary, a request), where a
	// command word usually begins the answer.
	Free bool
	// Done says every question is answered and the flow waits for back,
	// cancel or a retry (its work was refused).
	Done bool
	// Keywords are answers to the question even where they are command
	// words too ("start" naming the first day to correct).
	Keywords []string
}

// Identities finds who sent a request.
type Identities interface {
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
}

// Cases loads a case for the permission check.
type Cases interface {
	Case(ctx context.Context, ref string) (*offsitebot.Case, error)
}

// Flows holds guided flows in progress.
type Flows interface {
	// Pending returns the flow call's sender is in the middle of, or nil:
	// the one read of it a request makes.
	Pending(ctx context.Context, c Call) (*Pending, error)
	// Answer takes c as the answer to c.Pending's question, or as cancel or back.
	Answer(ctx context.Context, c Call) ([]Reply, error)
}

// Responder answers what a person said, always with at least one reply. The
// adapters take one; *Router is the one they are given.
type Responder interface {
	Handle(ctx context.Context, req Request) []Reply
}

// Router resolves identity and permission, then dispatches.
type Router struct {
	ids      Identities
	cases    Cases
	flows    Flows
	now      func() time.Time
	log      *slog.Logger
	commands map[string]Command
	observe  func(platform offsitebot.Platform, command, result string, d time.Duration)
	fallback Handler
	explain  func(c Call, err error) string
	returned func(ctx context.Context, who offsitebot.Identity)
}

// Fallback sets a handler for text that is no command and no answer (a button's
// label typed out, a question); it returns no replies to fall back to the
// router's own "didn't understand".
func (r *Router) Fallback(h Handler) { r.fallback = h }

// Explain sets how an error is worded for the person who met it (the call
// says who and where); without it, the error's own message is the reply.
func (r *Router) Explain(fn func(c Call, err error) string) { r.explain = fn }

// Observe sets a function told of every request handled (for metrics); IDs and
// command words only, never text.
func (r *Router) Observe(fn func(platform offsitebot.Platform, command, result string, d time.Duration)) {
	r.observe = fn
}

// Returned sets a function told when someone marked unreachable writes
// again (they unblocked the bot), before their request is handled.
func (r *Router) Returned(fn func(ctx context.Context, who offsitebot.Identity)) {
	r.returned = fn
}

// NewRouter returns a router with no commands; Register adds them. flows may
// be nil: then nobody is ever in the middle of a flow.
func NewRouter(ids Identities, cases Cases, flows Flows, now func() time.Time, log *slog.Logger) *Router {
	return &Router{ids: ids, cases: cases, flows: flows, now: now, log: log, commands: map[string]Command{}}
}

// Register adds commands, replacing any of the same name.
func (r *Router) Register(cmds ...Command) {
	for _, c := range cmds {
		r.commands[c.Name] = c
	}
}

// Handle answers one request. It never returns nothing: a person always gets a reply.
func (r *Router) Handle(ctx context.Context, req Request) []Reply {
	start := r.now()
	req = clean(req)
	if req.Text == "" {
		req.Text = req.Data
	}
	call := Call{Request: req, Now: start}
	replies, code := r.handle(ctx, &call)
	// IDs only: never names or message text.
	r.log.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("platform", string(req.Platform)), slog.String("user", req.UserID),
		slog.String("command", call.Word), slog.String("case", caseRef(call.Case)),
		slog.String("result", code))
	if r.observe != nil {
		word := call.Word
		if _, known := r.commands[word]; !known {
			word = "other" // free text must not become a metric label
		}
		r.observe(req.Platform, word, code, r.now().Sub(start))
	}
	if len(replies) == 0 {
		replies = []Reply{{Text: MsgDone}}
	}
	return replies
}

// clean strips what people sent of control characters, here where it
// enters, so no name or message stored or passed on carries them.
func clean(req Request) Request {
	req.Text, req.Name, req.Data = offsitebot.CleanText(req.Text), offsitebot.CleanText(req.Name), offsitebot.CleanText(req.Data)
	if len(req.Args) > 0 {
		args := make(map[string]string, len(req.Args))
		for k, v := range req.Args {
			args[k] = offsitebot.CleanText(v)
		}
		req.Args = args
	}
	return req
}

func caseRef(c *offsitebot.Case) string {
	if c == nil {
		return ""
	}
	return c.Ref
}

// What the router does with a call, decided once by route.
type action int

const (
	doCommand action = iota // run the command named
	doAnswer                // hand the text to the flow in progress
	doNothing               // cancel or back with no flow in progress
	doOther                 // no command and no answer: the fallback
)

// route decides, in one place, whether a call answers the flow in progress or
// is a command. cancel and back always go to the flow. Mid-flow, an explicit
// command (a slash, a button) and help are commands; plain text is an answer,
// unless it is plainly a command typed where a question was asked (see
// commandAtQuestion).
func route(c *Call, explicit bool, cmd Command, known bool) action {
	p := c.Pending
	switch {
	case c.Media != "":
		return doOther // a photo, a voice message: never a command or an answer
	case c.Word == "cancel" || c.Word == "back":
		if p == nil {
			return doNothing
		}
		return doAnswer
	case p != nil && !explicit && c.Word != "help":
		if known && !slices.Contains(p.Keywords, c.Word) && (p.Done || commandAtQuestion(p.Free, cmd, c.Args)) {
			return doCommand
		}
		return doAnswer
	case known:
		return doCommand
	}
	return doOther
}

// commandAtQuestion says whether a known command word typed as the answer to
// a question is the command rather than an answer. Where a choice or a date
// is asked, it is, unless it is a flow's command alone; where free text is
// asked, only a command alone or followed by a case reference ("cases",
// "show OSD-7K2Q") is, which no summary would be.
func commandAtQuestion(free bool, cmd Command, args []string) bool {
	if !free {
		return len(args) > 0 || !cmd.Flow
	}
	if len(args) == 1 {
		_, ok := offsitebot.ParseRef(args[0])
		return ok
	}
	return len(args) == 0 && !cmd.Flow
}

func (r *Router) handle(ctx context.Context, call *Call) ([]Reply, string) {
	who, err := r.ids.Identity(ctx, call.UserID)
	if offsitebot.ErrorCode(err) == offsitebot.ENotFound {
		who, err = &offsitebot.Identity{ID: call.UserID, Name: call.Name}, nil // a stranger
	}
	if err != nil {
		return r.fail(ctx, call, err)
	}
	call.Who = *who
	if who.Unreachable && r.returned != nil {
		r.returned(ctx, *who)
		call.Who.Unreachable = false
	}

	words := Split(call.Text)
	// A "/" that begins no command word is not a command, pressed or typed:
	// it is the attendance code for present, a choice of the question asked.
	explicit := IsSlashCommand(call.Text) || call.Command && !strings.HasPrefix(strings.TrimSpace(call.Text), "/")
	if len(words) > 0 {
		call.Word = strings.ToLower(strings.TrimPrefix(words[0], "/"))
		call.Args = words[1:]
	}
	if r.flows != nil {
		if call.Pending, err = r.flows.Pending(ctx, *call); err != nil {
			return r.fail(ctx, call, err)
		}
	}
	cmd, known := r.commands[call.Word]
	cmd = cmd.variant(call.Args) // checked, and routed, as what it is
	switch route(call, explicit, cmd, known) {
	case doAnswer:
		return r.reply(ctx, call, func() ([]Reply, error) { return r.flows.Answer(ctx, *call) })
	case doNothing:
		if call.Word == "back" {
			return []Reply{{Text: MsgNothingToGoBack}}, "ok"
		}
		return []Reply{{Text: MsgNothingToCancel}}, "ok"
	case doOther:
		if r.fallback != nil && call.Who.Role != "" {
			replies, code := r.reply(ctx, call, func() ([]Reply, error) { return r.fallback.Handle(ctx, *call) })
			if len(replies) > 0 {
				return replies, code
			}
		}
		return []Reply{{Text: NotUnderstood(call.Who)}}, "unknown"
	}
	if call.Who.Role == "" && !cmd.Public {
		return []Reply{{Text: Stranger(call.Platform)}}, "stranger"
	}
	return r.reply(ctx, call, func() ([]Reply, error) { return r.run(ctx, call, cmd) })
}

// run checks that call.Who may do cmd (to the case named, loaded into
// call.Case) and runs it.
func (r *Router) run(ctx context.Context, call *Call, cmd Command) ([]Reply, error) {
	if !cmd.Public {
		if ref := findRef(call.Args, call.Request.Args); ref != "" {
			c, err := r.cases.Case(ctx, ref)
			if err != nil {
				return nil, err
			}
			if err := offsitebot.Can(call.Who, cmd.Action, c); err != nil {
				return nil, err
			}
			call.Case = c
		} else if !offsitebot.Allowed(call.Who.Role, cmd.Action) {
			return nil, offsitebot.Can(call.Who, cmd.Action, nil)
		} else if len(call.Args) > 0 && offsitebot.MistypedRef(call.Args[0]) {
			// "show OSD-7K2": say so, rather than read it as the next answer.
			return nil, offsitebot.BadRef(call.Args[0])
		}
	}
	return cmd.Run.Handle(ctx, *call)
}

// reply runs fn and turns its error into the reply and the result code.
func (r *Router) reply(ctx context.Context, call *Call, fn func() ([]Reply, error)) ([]Reply, string) {
	replies, err := fn()
	if err != nil {
		return r.fail(ctx, call, err)
	}
	return replies, "ok"
}

func (r *Router) fail(ctx context.Context, call *Call, err error) ([]Reply, string) {
	code := offsitebot.ErrorCode(err)
	if code == offsitebot.EInternal {
		r.log.ErrorContext(ctx, "request failed", "user", call.UserID, "command", call.Word, "err", err)
	}
	if r.explain != nil {
		return []Reply{{Text: r.explain(*call, err)}}, code
	}
	return []Reply{{Text: offsitebot.ErrorMessage(err)}}, code
}

// IsSlashCommand reports whether text is "/word…"; a bare "/" is the attendance code for present.
func IsSlashCommand(text string) bool {
	t := strings.TrimSpace(text)
	return len(t) > 1 && t[0] == '/' && (t[1] >= 'a' && t[1] <= 'z' || t[1] >= 'A' && t[1] <= 'Z')
}

// findRef returns the first case reference among the words or the ref= answer.
func findRef(words []string, args map[string]string) string {
	if v, ok := args["ref"]; ok {
		if ref, ok := offsitebot.ParseRef(v); ok {
			return ref
		}
	}
	for _, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok && strings.EqualFold(k, "ref") {
			w = v
		}
		if ref, ok := offsitebot.ParseRef(w); ok {
			return ref
		}
	}
	return ""
}
