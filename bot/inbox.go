package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// InboxStore keeps deliveries before they are acknowledged; *storage.DB is one.
type InboxStore interface {
	// KeepInbox stores e; false means it was kept before (a redelivery).
	KeepInbox(ctx context.Context, e offsitebot.InboxEntry) (bool, error)
	InboxDone(ctx context.Context, key string, at time.Time) error
	// ClaimInboxReplay is true for exactly one caller per key.
	ClaimInboxReplay(ctx context.Context, key string, at time.Time) (bool, error)
	// InboxLeft returns the entries under prefix kept between since and
	// before, neither handled nor replayed, oldest first.
	InboxLeft(ctx context.Context, prefix string, since, before time.Time) ([]offsitebot.InboxEntry, error)
}

// ReplayAfter is how long a kept delivery may stay unhandled before it is
// taken to be left by a process that died: longer than any adapter works on
// one (Slack gives up after 5 minutes, Telegram after 2).
const ReplayAfter = 6 * time.Minute

// replayEvery is how often a running adapter looks for deliveries left; and
// replayWithin bounds how old one may be and still be handled (a command
// from days ago would surprise the person more than help).
const (
	replayEvery  = time.Minute
	replayWithin = 24 * time.Hour
)

// Inbox is where an adapter keeps each delivery before it acknowledges it,
// so an acknowledged delivery is never lost: keeping it is also the dedupe
// (a redelivery is found kept), and what a process killed mid-work left is
// handled once, by one replica, after ReplayAfter.
type Inbox struct {
	Store  InboxStore
	Prefix string // the keys this adapter keeps: "slack:…", "telegram:BOT:…"
	Now    func() time.Time
	Log    *slog.Logger
	Work   *Work // tracks the replays, so that closing waits for them
	// Tick, if set, says when to look again (tests drive it); by default
	// every minute.
	Tick <-chan time.Time
}

// Keep stores a delivery under key (which begins with Prefix) and reports
// whether it is new.
func (in *Inbox) Keep(ctx context.Context, key, kind string, payload []byte) (bool, error) {
	return in.Store.KeepInbox(ctx, offsitebot.InboxEntry{Key: key, Kind: kind, Payload: payload, At: in.Now()})
}

type handlingKey struct{}

type handling struct {
	once sync.Once
	mark func()
}

// Handling returns ctx for the work on the delivery kept under key: Finish
// with it records the delivery handled.
func (in *Inbox) Handling(ctx context.Context, key string) context.Context {
	h := &handling{mark: func() {
		// Written even as the work is cancelled: it records what happened.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := in.Store.InboxDone(wctx, key, in.Now()); err != nil {
			in.Log.Warn("inbox: could not record a delivery handled; it may be handled again", "key", key, "err", err)
		}
	}}
	return context.WithValue(ctx, handlingKey{}, h)
}

// Finish records that the delivery ctx is working on (see Handling) was
// handled, unless the work was cut short (ctx done: a replay will do it).
// Adapters call it as soon as the router has answered, so a crash after it
// repeats no work (only the reply may be lost), and again when the work
// ends, for a delivery that never reached the router. Later calls do
// nothing; so does a ctx without a delivery.
func Finish(ctx context.Context) {
	if h, ok := ctx.Value(handlingKey{}).(*handling); ok && ctx.Err() == nil {
		h.once.Do(h.mark)
	}
}

// Run replays at once what earlier runs left, then every minute until ctx
// is done.
func (in *Inbox) Run(ctx context.Context, handle func(ctx context.Context, e offsitebot.InboxEntry)) {
	tick := in.Tick
	if tick == nil {
		t := time.NewTicker(replayEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		if _, err := in.Replay(ctx, handle); err != nil && ctx.Err() == nil {
			in.Log.Warn("inbox: replay failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// Replay handles, oldest first, each delivery left unhandled for ReplayAfter
// that this call wins the replay of, and returns how many it handled.
func (in *Inbox) Replay(ctx context.Context, handle func(ctx context.Context, e offsitebot.InboxEntry)) (int, error) {
	now := in.Now()
	left, err := in.Store.InboxLeft(ctx, in.Prefix, now.Add(-replayWithin), now.Add(-ReplayAfter))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range left {
		wctx, done, ok := in.Work.Begin()
		if !ok {
			break // closing: the next run replays the rest
		}
		won, err := in.Store.ClaimInboxReplay(ctx, e.Key, in.Now())
		if err != nil || !won {
			done()
			if err != nil {
				return n, err
			}
			continue
		}
		in.Log.Info("inbox: handling a delivery an earlier run left", "key", e.Key, "kind", e.Kind)
		hctx := in.Handling(wctx, e.Key)
		handle(hctx, e)
		Finish(hctx)
		done()
		n++
	}
	return n, nil
}

// Lanes keeps one person's deliveries in the order they arrived, while
// different people's run side by side. Its zero value is ready to use.
type Lanes struct {
	mu   sync.Mutex
	tail map[string]chan struct{}
}

// Join puts a delivery at the end of key's lane, at once, in arrival order.
// The work then calls wait before it starts (it returns when the work ahead
// has left, or ctx's error) and leave when it ends, whatever happened.
func (l *Lanes) Join(key string) (wait func(ctx context.Context) error, leave func()) {
	mine := make(chan struct{})
	l.mu.Lock()
	if l.tail == nil {
		l.tail = map[string]chan struct{}{}
	}
	ahead := l.tail[key]
	l.tail[key] = mine
	l.mu.Unlock()
	var once sync.Once
	leave = func() {
		once.Do(func() {
			close(mine)
			l.mu.Lock()
			if l.tail[key] == mine {
				delete(l.tail, key)
			}
			l.mu.Unlock()
		})
	}
	wait = func(ctx context.Context) error {
		if ahead == nil {
			return nil
		}
		select {
		case <-ahead:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return wait, leave
}
