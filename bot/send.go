package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// ErrUnreachable means the person cannot get messages any more (they blocked the
// bot, left the workspace). Senders wrap it; callers mark the person and tell staff.
var ErrUnreachable = errors.New("recipient unreachable")

// ErrNoSender means no adapter for the recipient's platform is running.
var ErrNoSender = errors.New("no adapter running for that platform")

// Sender delivers a message to one identity on its platform.
type Sender interface {
	Send(ctx context.Context, to string, r Reply) error
}

// Fetcher fetches the bytes of a file its platform keeps (File.Source).
type Fetcher interface {
	Fetch(ctx context.Context, source string) ([]byte, error)
}

// MaxFetch is the largest file offsitebot fetches to pass on: Telegram's
// limit for a bot's download (getFile), where the files it passes on come
// from.
const MaxFetch = 20 << 20

// Dispatcher sends to any identity through the adapter of its platform.
type Dispatcher struct {
	mu       sync.RWMutex
	senders  map[offsitebot.Platform]Sender
	fetchers map[offsitebot.Platform]Fetcher
}

// NewDispatcher returns a dispatcher with no adapters.
func NewDispatcher() *Dispatcher {
	return &Dispatcher{senders: map[offsitebot.Platform]Sender{}, fetchers: map[offsitebot.Platform]Fetcher{}}
}

// Register makes s deliver to identities of platform p, and fetch the files
// p keeps if it can.
func (d *Dispatcher) Register(p offsitebot.Platform, s Sender) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.senders[p] = s
	if f, ok := s.(Fetcher); ok {
		d.fetchers[p] = f
	}
}

// Send delivers r to the identity to. A file another platform keeps is
// fetched first; the platform that keeps it sends it as it is.
func (d *Dispatcher) Send(ctx context.Context, to string, r Reply) error {
	p, _, _ := strings.Cut(to, ":")
	d.mu.RLock()
	s, ok := d.senders[offsitebot.Platform(p)]
	d.mu.RUnlock()
	if !ok {
		return fmt.Errorf("send to %s: %w", to, ErrNoSender)
	}
	if f := r.File; f != nil && f.Data == nil && f.Source != "" && !strings.HasPrefix(f.Source, p+":") {
		data, err := d.Fetch(ctx, f.Source)
		if err != nil {
			return fmt.Errorf("send to %s: %w", to, err)
		}
		fetched := *f
		fetched.Data = data
		r.File = &fetched
	}
	return s.Send(ctx, to, r)
}

// Fetch returns the bytes of a file a platform keeps, through its adapter.
func (d *Dispatcher) Fetch(ctx context.Context, source string) ([]byte, error) {
	p, _, _ := strings.Cut(source, ":")
	d.mu.RLock()
	f, ok := d.fetchers[offsitebot.Platform(p)]
	d.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("fetch a %s file: %w", p, ErrNoSender)
	}
	return f.Fetch(ctx, source)
}

// Sleep waits d or until ctx is done, for rate limits and backoff; adapters
// take it as their default and tests inject one that records instead.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NetRetries bounds the retries of a send that failed on the network: with
// Backoff's pauses they span about a quarter of a minute, after which the
// reply is given up and logged (a reminder is retried from its outbox).
const NetRetries = 4

// Transient reports an error worth trying again after a pause: the network
// failed (refused, reset or cut connection, a timeout), as opposed to an
// answer from the platform. Callers check their context first: a send
// cancelled is not retried.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error // *url.Error and *net.OpError are
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// Backoff is the pause before the n-th retry (from 1) of a transient
// failure: 1 s doubling, at most 8 s, less up to a quarter at random so
// that replicas retrying at once spread out.
func Backoff(n int) time.Duration {
	d := time.Second << min(max(n-1, 0), 3)
	return d - rand.N(d/4)
}
