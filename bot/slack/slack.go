// Package slack is offsitebot's Slack adapter: Socket Mode or the HTTP Events
// API in, Block Kit out. It turns slash commands, direct messages, button
// presses and modal submissions into bot.Requests for the router and renders
// the replies as messages, modals and the App Home tab. It knows nothing
// about cases beyond a Reply's text, buttons, form and file.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"golang.org/x/time/rate"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Path is where the HTTP mode endpoint is usually mounted.
const Path = "/slack/events"

// ChannelTarget is the Send destination for the configured alerts channel:
// Send(ctx, slack.ChannelTarget, r) posts there instead of in a DM.
const ChannelTarget = "slack:channel"

// buttonCollection keeps button values too long for Slack (bot.Stash).
const buttonCollection = "slack_buttons"

// Store is the storage the adapter needs; *storage.DB satisfies it.
type Store interface {
	bot.InboxStore
	Claim(ctx context.Context, collection, key string, fields map[string]any) (bool, error)
	Claimed(ctx context.Context, collection, key, field string) (string, bool, error)
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
	PutIdentity(ctx context.Context, id offsitebot.Identity) error
}

// Options configure an Adapter.
type Options struct {
	BotToken      string // xoxb-…
	AppToken      string // xapp-…, Socket Mode only
	SigningSecret string // HTTP mode only
	APIURL        string // another API server (a test double, a proxy); default Slack's
	Mode          string // "socket" (default) or "http"
	Admins        []string
	Channel       string // channel ID for outbound alerts; optional

	Router bot.Responder
	Store  Store
	Now    func() time.Time
	Log    *slog.Logger
	// Sleep waits for d or until ctx is done (rate limits, backoff); tests
	// inject one that records instead of waiting.
	Sleep func(ctx context.Context, d time.Duration) error

	// Watchdog is how long Socket Mode may receive nothing before a warning
	// is logged; default 30 minutes.
	Watchdog time.Duration
	// PerChannel is the minimum gap between two messages to one channel;
	// default one second, as Slack asks.
	PerChannel time.Duration
	// Workers bounds the deliveries worked on at once (default 8); the rest
	// wait their turn. MaxInFlight bounds those accepted but not finished;
	// beyond it new ones are refused (HTTP 503, or no Socket Mode ack) so
	// Slack delivers them again later (default 1000).
	Workers     int
	MaxInFlight int
}

// Adapter connects one Slack workspace to the router. It is safe for
// concurrent use.
type Adapter struct {
	api    *slackapi.Client
	opts   Options
	router bot.Responder
	store  Store
	now    func() time.Time
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	inFlight int
	team     string                   // from auth.test
	botUser  string                   // the bot's own user ID, to ignore its messages
	dms      map[string]string        // user ID -> DM channel ID
	pacers   map[string]*rate.Limiter // channel -> its pace
	stash    bot.Stash                // button values too long for Slack

	submitWait time.Duration    // tests shorten it; 0 means submitWait
	watchTick  <-chan time.Time // tests drive the watchdog; nil means a real ticker
	ready      chan struct{}    // closed once auth.test answered and admins are known

	// work is what runs detached from the delivery that started it (that one
	// is acked at once); Close waits for it, then cancels it.
	work  *bot.Work
	slots chan struct{} // one per worker busy
	inbox *bot.Inbox    // every delivery, kept before it is acknowledged
	lanes bot.Lanes     // one person's deliveries in the order they came
}

// New checks the options and returns an adapter; Run starts it.
func New(opts Options) (*Adapter, error) {
	if opts.BotToken == "" {
		return nil, errors.New("slack: bot_token is required")
	}
	if opts.Mode == "" {
		opts.Mode = "socket"
	}
	switch opts.Mode {
	case "socket":
		if opts.AppToken == "" {
			return nil, errors.New("slack: socket mode needs app_token (xapp-…, with connections:write)")
		}
	case "http":
		if opts.SigningSecret == "" {
			return nil, errors.New("slack: http mode needs signing_secret")
		}
	default:
		return nil, fmt.Errorf("slack: mode %q: use socket or http", opts.Mode)
	}
	if opts.Router == nil || opts.Store == nil {
		return nil, errors.New("slack: Router and Store are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = bot.Sleep
	}
	if opts.Watchdog <= 0 {
		opts.Watchdog = 30 * time.Minute
	}
	if opts.PerChannel <= 0 {
		opts.PerChannel = time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 1000
	}
	apiOpts := []slackapi.Option{}
	if opts.APIURL != "" {
		u := opts.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/" // slack-go joins method names without a separator
		}
		apiOpts = append(apiOpts, slackapi.OptionAPIURL(u))
	}
	if opts.AppToken != "" {
		apiOpts = append(apiOpts, slackapi.OptionAppLevelToken(opts.AppToken))
	}
	a := &Adapter{
		api:    slackapi.New(opts.BotToken, apiOpts...),
		opts:   opts,
		router: opts.Router,
		store:  opts.Store,
		now:    opts.Now,
		log:    opts.Log.With("adapter", "slack"),
		sleep:  opts.Sleep,
		dms:    map[string]string{},
		pacers: map[string]*rate.Limiter{},
		stash:  bot.Stash{Store: opts.Store, Collection: buttonCollection, Now: opts.Now},
		ready:  make(chan struct{}),
		slots:  make(chan struct{}, opts.Workers),
		work:   bot.NewWork(),
	}
	a.inbox = &bot.Inbox{Store: opts.Store, Prefix: inboxPrefix, Now: opts.Now, Log: a.log, Work: a.work}
	return a, nil
}

// Run connects and serves until ctx is done. In socket mode it holds the
// WebSocket open, reconnecting with backoff whenever the library's loop
// returns; in http mode ServeHTTP does the work and Run only starts up and
// waits. Either way it first learns the workspace from auth.test and makes
// the configured admins known. Call Close afterwards to wait for work in
// flight.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	close(a.ready)
	// What an earlier run kept and left is handled now and as found.
	replayed := make(chan struct{})
	go func() { defer close(replayed); a.inbox.Run(ctx, a.replay) }()
	defer func() { <-replayed }()
	if a.opts.Mode == "http" {
		<-ctx.Done()
		return nil
	}
	return a.runSocket(ctx)
}

// Ready is closed once Run has reached Slack and bootstrapped the admins
// (for a readiness probe).
func (a *Adapter) Ready() <-chan struct{} { return a.ready }

// Close refuses new work and waits for work in flight until ctx is done,
// then cancels what is left and waits for it to stop.
func (a *Adapter) Close(ctx context.Context) error {
	if err := a.work.Close(ctx); err != nil {
		return fmt.Errorf("slack: close: %w", err)
	}
	return nil
}

// start learns the team and the bot's user from auth.test, retrying with
// backoff until it answers, then bootstraps the admins.
func (a *Adapter) start(ctx context.Context) error {
	backoff := time.Second
	for {
		resp, err := a.api.AuthTestContext(ctx)
		if err == nil {
			a.mu.Lock()
			a.team, a.botUser = resp.TeamID, resp.UserID
			a.mu.Unlock()
			a.log.Info("slack: connected", "team", resp.TeamID, "bot", resp.UserID, "mode", a.opts.Mode)
			return a.bootstrapAdmins(ctx, resp.TeamID)
		}
		if fatalAuth(err) {
			return fmt.Errorf("slack: auth.test: %w (check bot_token)", err)
		}
		a.log.Warn("slack: auth.test failed, retrying", "err", err, "in", backoff)
		if err := a.sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

// bootstrapAdmins makes each configured admin an admin identity, keeping the
// name and school of one that exists already.
func (a *Adapter) bootstrapAdmins(ctx context.Context, team string) error {
	for _, adm := range a.opts.Admins {
		id := adminID(team, adm)
		if id == "" {
			return fmt.Errorf("slack: admins: %q is not a Slack user ID (U…/W…) or slack:TEAM:USER", adm)
		}
		cur, err := a.store.Identity(ctx, id)
		if offsitebot.ErrorCode(err) == offsitebot.ENotFound {
			cur, err = nil, nil // new
		}
		if err != nil {
			return fmt.Errorf("slack: bootstrap admin %s: %w", id, err)
		}
		if cur != nil && cur.Role == offsitebot.RoleAdmin {
			continue
		}
		ident := offsitebot.Identity{ID: id, Role: offsitebot.RoleAdmin, Created: a.now()}
		if cur != nil {
			ident.Name, ident.URN = cur.Name, cur.URN
		}
		if err := a.store.PutIdentity(ctx, ident); err != nil {
			return fmt.Errorf("slack: bootstrap admin %s: %w", id, err)
		}
		a.log.Info("slack: admin bootstrapped", "user", id)
	}
	return nil
}

// adminID accepts "U123", "slack:U123" or "slack:T1:U123" (another team).
func adminID(team, s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "slack:")
	if t, u, ok := strings.Cut(s, ":"); ok {
		team, s = t, u
	}
	if s == "" || (s[0] != 'U' && s[0] != 'W') || team == "" {
		return ""
	}
	return userID(team, s)
}

// userID is the namespaced identity of a Slack user.
func userID(team, user string) string { return "slack:" + team + ":" + user }

// fatalAuth reports errors no retry will cure.
func fatalAuth(err error) bool {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired":
			return true
		}
	}
	return false
}

// goNow runs fn detached from the caller, tracked so Close can wait for it,
// without waiting for a worker, for a modal submission whose answer Slack
// awaits within 3 seconds. It reports false when the adapter is closing or
// has too much to do.
func (a *Adapter) goNow(fn func(ctx context.Context)) bool { return a.spawn(false, "", fn) }

// spawn runs fn as goNow does; with queue, once one of the Workers slots is
// free, and with a lane, after the work that joined it earlier.
func (a *Adapter) spawn(queue bool, lane string, fn func(ctx context.Context)) bool {
	life, done, ok := a.work.Begin()
	if !ok {
		return false // closing
	}
	a.mu.Lock()
	if a.inFlight >= a.opts.MaxInFlight {
		a.mu.Unlock()
		done()
		a.log.Warn("slack: too many deliveries in flight; refusing one for Slack to retry", "max", a.opts.MaxInFlight)
		return false
	}
	a.inFlight++
	a.mu.Unlock()
	wait, leave := func(context.Context) error { return nil }, func() {}
	if lane != "" {
		wait, leave = a.lanes.Join(lane) // now, in the order deliveries arrive
	}
	go func() {
		defer done()
		defer leave()
		defer func() {
			a.mu.Lock()
			a.inFlight--
			a.mu.Unlock()
		}()
		defer func() {
			if p := recover(); p != nil {
				// The value may quote what someone typed: only its type, unless
				// it is a runtime error (which holds no user data).
				what := fmt.Sprintf("%T", p)
				if re, ok := p.(runtime.Error); ok {
					what = re.Error()
				}
				a.log.Error("slack: work panicked", "panic", what, "stack", string(debug.Stack()))
			}
		}()
		ctx, cancel := context.WithTimeout(life, 5*time.Minute)
		defer cancel()
		// The lane first: a worker slot held while waiting for the person's
		// earlier work could be the one that work waits for.
		if err := wait(ctx); err != nil {
			a.log.Warn("slack: work dropped while waiting for the same person's earlier work", "err", err)
			return
		}
		if queue {
			// Few workers, many waiting: a waiting goroutine is not runnable,
			// so acks (which need the CPU at once) are not starved by work.
			select {
			case a.slots <- struct{}{}:
				defer func() { <-a.slots }()
			case <-ctx.Done():
				a.log.Warn("slack: work dropped while waiting for a worker", "err", ctx.Err())
				return
			}
		}
		fn(ctx)
	}()
	return true
}
