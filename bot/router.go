package bot

import (
	"context"
	"log/slog"
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
	// InFlow says the person had a guided flow waiting for an answer.
	InFlow bool
}

// HandlerFunc does one command.
type HandlerFunc func(ctx context.Context, c Call) ([]Reply, error)

// Command is one registered command word.
type Command struct {
	Name   string
	Action offsitebot.Action
	// Public commands may be used by people the bot does not know yet (/start, help).
	Public bool
	Run    HandlerFunc
}

// Identities finds who sent a request.
type Identities interface {
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
}

// Cases loads a case for the permission check.
type Cases interface {
	Case(ctx context.Context, ref string) (*offsitebot.Case, error)
}

// Conversations holds guided flows in progress.
type Conversations interface {
	Active(ctx context.Context, key string) (bool, error)
	Continue(ctx context.Context, c Call) ([]Reply, error)
}

// Router resolves identity and permission, then dispatches.
type Router struct {
	ids      Identities
	cases    Cases
	convs    Conversations
	now      func() time.Time
	log      *slog.Logger
	commands map[string]Command
	observe  func(platform offsitebot.Platform, command, result string, d time.Duration)
	fallback HandlerFunc
	explain  func(err error) string
}

// Fallback sets a handler for text that is no command and no answer (a button's
// label typed out, a question); it returns no replies to fall back to the
// router's own "didn't understand".
func (r *Router) Fallback(h HandlerFunc) { r.fallback = h }

// Explain sets how an error is worded for the person who met it; without it,
// the error's own message is the reply.
func (r *Router) Explain(fn func(err error) string) { r.explain = fn }

// Observe sets a function told of every request handled (for metrics); IDs and
// command words only, never text.
func (r *Router) Observe(fn func(platform offsitebot.Platform, command, result string, d time.Duration)) {
	r.observe = fn
}

// NewRouter returns a router with no commands; Register adds them.
func NewRouter(ids Identities, cases Cases, convs Conversations, now func() time.Time, log *slog.Logger) *Router {
	return &Router{ids: ids, cases: cases, convs: convs, now: now, log: log, commands: map[string]Command{}}
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
		replies = []Reply{{Text: "Done."}}
	}
	return replies
}

func caseRef(c *offsitebot.Case) string {
	if c == nil {
		return ""
	}
	return c.Ref
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

	words := Split(call.Text)
	explicit := call.Command || isSlashCommand(call.Text)
	if len(words) > 0 {
		call.Word = strings.ToLower(strings.TrimPrefix(words[0], "/"))
		call.Args = words[1:]
	}
	active, err := r.convs.Active(ctx, call.UserID)
	if err != nil {
		return r.fail(ctx, call, err)
	}
	call.InFlow = active
	cmd, known := r.commands[call.Word]
	switch {
	case call.Word == "cancel" || call.Word == "back":
		return r.continueFlow(ctx, call)
	case active && !explicit && call.Word != "help":
		// Mid-flow, plain text is an answer even if it starts with a command word;
		// an explicit command (slash, button) starts that command instead.
		return r.continueFlow(ctx, call)
	case !known:
		if r.fallback != nil && call.Who.Role != "" {
			replies, err := r.fallback(ctx, *call)
			if err != nil {
				return r.fail(ctx, call, err)
			}
			if len(replies) > 0 {
				return replies, "ok"
			}
		}
		return []Reply{{Text: notUnderstood(call.Who)}}, "unknown"
	}

	if call.Who.Role == "" && !cmd.Public {
		return []Reply{{Text: stranger(call.Platform)}}, "stranger"
	}
	replies, err := r.run(ctx, call, cmd)
	if err != nil {
		return r.fail(ctx, call, err)
	}
	return replies, "ok"
}

// Run runs the command named by call, which Handle has already resolved, as
// an explicit command, checking permission as Handle does. A guided flow uses
// it for a command typed where it asked a question, so the request is
// resolved, logged and counted once.
func (r *Router) Run(ctx context.Context, call Call) ([]Reply, error) {
	cmd, known := r.commands[call.Word]
	switch {
	case !known:
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s", notUnderstood(call.Who))
	case call.Who.Role == "" && !cmd.Public:
		return nil, offsitebot.Errorf(offsitebot.EForbidden, "%s", stranger(call.Platform))
	}
	call.Command = true
	return r.run(ctx, &call, cmd)
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
		}
	}
	return cmd.Run(ctx, *call)
}

func (r *Router) continueFlow(ctx context.Context, call *Call) ([]Reply, string) {
	replies, err := r.convs.Continue(ctx, *call)
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
		return []Reply{{Text: r.explain(err)}}, code
	}
	return []Reply{{Text: offsitebot.ErrorMessage(err)}}, code
}

// isSlashCommand reports whether text is "/word…"; a bare "/" is the attendance code for present.
func isSlashCommand(text string) bool {
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

func notUnderstood(who offsitebot.Identity) string {
	if who.Role == offsitebot.RoleParent || who.Role == offsitebot.RolePupil {
		return "Sorry, I didn't understand that. You can use /status to see what's next, /request to ask for a review meeting, /feedback to tell us how it's going, or /help."
	}
	if who.Role == "" {
		return "Hello! I'm offsitebot. If your school sent you a link or a code, type /start followed by the code. Type help to see more."
	}
	return "Sorry, I didn't understand that. Type help to see what I can do, or cases to list your cases."
}

func stranger(p offsitebot.Platform) string {
	if p == offsitebot.Telegram {
		return "Hello! I don't know you yet. Please use the link your school sent you, or type /start followed by the code from it. If you have no code, ask the school for one."
	}
	return "Sorry, I don't know you yet. Please ask your school's offsitebot admin to add you (they type: staff add @you home|receiving|la URN)."
}
