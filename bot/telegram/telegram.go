// Package telegram connects offsitebot to Telegram through go-telegram/bot:
// long polling (one poller across replicas, by a lease in MongoDB) or a
// webhook, updates deduplicated by update_id, replies as plain text with
// inline keyboards, and outbound messages paced and retried as Telegram asks.
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"golang.org/x/time/rate"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Modes.
const (
	Polling = "polling"
	Webhook = "webhook"
)

// WebhookPath is where Telegram should POST updates in webhook mode.
const WebhookPath = "/telegram/webhook"

// Store is what the adapter keeps in MongoDB; *storage.DB has it all.
type Store interface {
	bot.InboxStore
	// Claim inserts key once; false means it was claimed before (dedupe).
	Claim(ctx context.Context, collection, key string, fields map[string]any) (bool, error)
	// Claimed reads a field of a claimed document (long button data).
	Claimed(ctx context.Context, collection, key, field string) (string, bool, error)
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
}

// Options configure an Adapter. Token, Router and Store are required, and
// WebhookSecret in webhook mode.
type Options struct {
	Token string
	Mode  string // Polling (default) or Webhook
	// WebhookSecret is the secret_token given to setWebhook; Telegram sends it
	// back in X-Telegram-Bot-Api-Secret-Token with every update.
	WebhookSecret string
	// WebhookURL, if set in webhook mode, is registered with setWebhook when
	// Run starts (it must end in WebhookPath and be reachable from Telegram).
	WebhookURL string
	// APIURL is the Bot API server; default https://api.telegram.org.
	APIURL string
	Router bot.Responder
	Store  Store
	Now    func() time.Time
	Log    *slog.Logger
	// Sleep waits d or until ctx is done (retry_after, pacing, lease retries).
	Sleep func(ctx context.Context, d time.Duration) error
	// Holder names this replica in the poller lease; default host:pid:random.
	Holder string
	// HTTPClient is used for all Bot API calls; default has a timeout that
	// outlasts a long poll.
	HTTPClient *http.Client
	// PollTimeout is getUpdates' long-poll timeout; default 50s.
	PollTimeout time.Duration
	// LeaseTTL is how long the poller lease lasts unrenewed; it is renewed
	// every third of it. Default 30s.
	LeaseTTL time.Duration
	// Menus are the command menus by role: the default ("") is offered to
	// everyone from the start, a role's own in the chat of each person of
	// that role.
	Menus map[offsitebot.Role][]bot.MenuItem
}

// Adapter is offsitebot on Telegram. It is a bot.Sender and an http.Handler
// (the webhook).
type Adapter struct {
	api         *tgbot.Bot
	token       string
	botID       string
	apiURL      string
	mode        string
	secret      []byte
	webhookURL  string
	router      bot.Responder
	store       Store
	now         func() time.Time
	log         *slog.Logger
	sleep       func(ctx context.Context, d time.Duration) error
	holder      string
	client      *http.Client
	pollTimeout time.Duration
	leaseTTL    time.Duration
	limit       *limiter
	// work is the handling of claimed updates, which must finish even if the
	// request or poll that brought them ends; Close waits for it, then cancels it.
	work  *bot.Work
	stash bot.Stash
	menus map[offsitebot.Role][]bot.MenuItem

	inbox  *bot.Inbox // every update, kept before Telegram is told it arrived
	lanes  bot.Lanes  // one chat's webhook updates in the order they came
	menuMu sync.Mutex
	menuOf map[int64]offsitebot.Role // the menu each chat was given, as far as this process knows
}

// colCallbacks keeps button data too long for Telegram (bot.Stash).
const colCallbacks = "telegram_callbacks"

// New checks opts and returns an adapter; it makes no network calls.
func New(opts Options) (*Adapter, error) {
	if strings.TrimSpace(opts.Token) == "" {
		return nil, errors.New("telegram: no token (from @BotFather)")
	}
	if opts.Router == nil || opts.Store == nil {
		return nil, errors.New("telegram: Router and Store are required")
	}
	switch opts.Mode {
	case "":
		opts.Mode = Polling
	case Polling, Webhook:
	default:
		return nil, fmt.Errorf("telegram: mode %q: use %q or %q", opts.Mode, Polling, Webhook)
	}
	if opts.Mode == Webhook && opts.WebhookSecret == "" {
		return nil, errors.New("telegram: webhook mode needs webhook_secret, so forged updates are refused")
	}
	if opts.WebhookSecret != "" && !validSecret(opts.WebhookSecret) {
		return nil, errors.New("telegram: webhook_secret must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
	}
	if opts.APIURL == "" {
		opts.APIURL = "https://api.telegram.org"
	}
	opts.APIURL = strings.TrimRight(opts.APIURL, "/")
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = bot.Sleep
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 50 * time.Second
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 30 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: opts.PollTimeout + 30*time.Second}
	}
	if opts.Holder == "" {
		opts.Holder = defaultHolder()
	}
	a := &Adapter{
		token: opts.Token, apiURL: opts.APIURL, mode: opts.Mode, secret: []byte(opts.WebhookSecret),
		webhookURL: opts.WebhookURL, router: opts.Router, store: opts.Store, now: opts.Now,
		log: opts.Log.With("adapter", "telegram"), sleep: opts.Sleep, holder: opts.Holder,
		client: opts.HTTPClient, pollTimeout: opts.PollTimeout, leaseTTL: opts.LeaseTTL,
		limit: newLimiter(rate.Every(time.Second), rate.Every(34*time.Millisecond), opts.Now), // 1/s per chat, under 30/s overall
		work:  bot.NewWork(),
		stash: bot.Stash{Store: opts.Store, Collection: colCallbacks, Now: opts.Now},
		menus: opts.Menus, menuOf: map[int64]offsitebot.Role{},
	}
	// The bot's numeric ID is the token's public half; it keys claims and the
	// lease so two bots can share a database.
	a.botID, _, _ = strings.Cut(opts.Token, ":")
	a.inbox = &bot.Inbox{Store: opts.Store, Prefix: "telegram:" + a.botID + ":", Now: opts.Now, Log: a.log, Work: a.work}
	api, err := tgbot.New(opts.Token,
		tgbot.WithServerURL(opts.APIURL),
		tgbot.WithSkipGetMe(), // no network in a constructor; Run checks the token
		tgbot.WithHTTPClient(opts.PollTimeout, opts.HTTPClient),
		tgbot.WithErrorsHandler(func(err error) { a.log.Warn("bot api", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	a.api = api
	return a, nil
}

// Run serves until ctx is done. In polling mode it polls only while this
// replica holds the poller lease; in webhook mode updates arrive through
// ServeHTTP and Run registers the webhook (if WebhookURL is set) and waits.
// It returns an error only if the token is refused.
func (a *Adapter) Run(ctx context.Context) error {
	if _, err := a.api.GetMe(ctx); errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
		return fmt.Errorf("telegram: the bot token was refused (check it with @BotFather): %w", err)
	} else if err != nil && ctx.Err() == nil {
		a.log.Warn("getMe failed; going on", "err", err)
	}
	a.setDefaultMenu(ctx)
	// What an earlier run kept and left is handled now and as found.
	replayed := make(chan struct{})
	go func() { defer close(replayed); a.inbox.Run(ctx, a.replay) }()
	defer func() { <-replayed }()
	if a.mode == Webhook {
		if a.webhookURL != "" {
			_, err := a.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
				URL: a.webhookURL, SecretToken: string(a.secret),
				AllowedUpdates: allowedUpdates,
			})
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("telegram: setWebhook: %w", err)
			}
		}
		<-ctx.Done()
		return nil
	}
	return a.runPolling(ctx)
}

// Close stops taking updates (a webhook delivery is refused with 503, for
// Telegram to send again; polling leaves the batch unacknowledged) and waits
// for those being handled until ctx is done, then cancels them and waits for
// them to stop. Call it once Run has been told to stop.
func (a *Adapter) Close(ctx context.Context) error {
	if err := a.work.Close(ctx); err != nil {
		return fmt.Errorf("telegram: close: %w", err)
	}
	return nil
}

// begin starts handling updates, bounded by handleTimeout; ok is false once
// Close has begun.
func (a *Adapter) begin() (ctx context.Context, done func(), ok bool) {
	life, end, ok := a.work.Begin()
	if !ok {
		return nil, nil, false
	}
	ctx, cancel := context.WithTimeout(life, handleTimeout)
	return ctx, func() { cancel(); end() }, true
}

// allowedUpdates are the kinds of update the adapter handles.
var allowedUpdates = []string{"message", "callback_query"}

func validSecret(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func defaultHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Username asks Telegram for the bot's username (getMe), for join links.
func (a *Adapter) Username(ctx context.Context) (string, error) {
	me, err := a.api.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("telegram: getMe: %w", err)
	}
	return me.Username, nil
}
