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

// Dispatcher sends to any identity through the adapter of its platform.
type Dispatcher struct {
	mu      sync.RWMutex
	senders map[offsitebot.Platform]Sender
}

// NewDispatcher returns a dispatcher with no adapters.
func NewDispatcher() *Dispatcher {
	return &Dispatcher{senders: map[offsitebot.Platform]Sender{}}
}

// Register makes s deliver to identities of platform p.
func (d *Dispatcher) Register(p offsitebot.Platform, s Sender) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.senders[p] = s
}

// Send delivers r to the identity to.
func (d *Dispatcher) Send(ctx context.Context, to string, r Reply) error {
	p, _, _ := strings.Cut(to, ":")
	d.mu.RLock()
	s, ok := d.senders[offsitebot.Platform(p)]
	d.mu.RUnlock()
	if !ok {
		return fmt.Errorf("send to %s: %w", to, ErrNoSender)
	}
	return s.Send(ctx, to, r)
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
