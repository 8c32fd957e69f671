// Package bottest holds the test doubles every package's tests share: a
// settable clock and a sender that records what it is given; and the
// replies the adapters' render tests draw (replies.go). Nothing here
// waits for wall-clock time to pass unless a test asks it to.
package bottest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/offsitebot/offsitebot/bot"
)

// Clock is an injected clock the test moves. Sleep records each wait; with
// advance on, it moves the clock on by the wait at once (pacing tests),
// otherwise it yields a moment of real time and leaves the clock to the test.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	advance bool
	slept   []time.Duration
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// Advance sets whether Sleep moves the clock on by what it waits.
func (c *Clock) Advance(on bool) { c.mu.Lock(); defer c.mu.Unlock(); c.advance = on }

// Sleep is the injected sleeper: it records d and returns ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	advance := c.advance
	if advance {
		c.now = c.now.Add(d)
	}
	c.mu.Unlock()
	if !advance {
		t := time.NewTimer(time.Millisecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return ctx.Err()
}

// Slept returns the waits asked of Sleep so far.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration{}, c.slept...)
}

// Delivery is one message a Recorder was given.
type Delivery struct {
	To    string
	Reply bot.Reply
}

// Recorder is a bot.Sender that records what it is given. Sends to a blocked
// recipient fail as a blocked Telegram user's do; Fail gives other errors by
// recipient; Hook runs first and an error from it stops the delivery.
type Recorder struct {
	Hook func(ctx context.Context, to string) error
	Fail map[string]error

	mu      sync.Mutex
	got     []Delivery
	blocked map[string]bool
}

// Send records r for to, unless to is blocked or made to fail.
func (r *Recorder) Send(ctx context.Context, to string, rep bot.Reply) error {
	if r.Hook != nil {
		if err := r.Hook(ctx, to); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.blocked[to] {
		return fmt.Errorf("send: 403: %w", bot.ErrUnreachable)
	}
	if err := r.Fail[to]; err != nil {
		return err
	}
	r.got = append(r.got, Delivery{to, rep})
	return nil
}

// Block makes sends to id fail as unreachable (on) or go again (off).
func (r *Recorder) Block(id string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.blocked == nil {
		r.blocked = map[string]bool{}
	}
	r.blocked[id] = on
}

// All returns every delivery so far, in order.
func (r *Recorder) All() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() { r.mu.Lock(); defer r.mu.Unlock(); r.got = nil }

// To returns what went to id whose text contains substr ("" for all).
func (r *Recorder) To(id, substr string) []Delivery {
	var out []Delivery
	for _, d := range r.All() {
		if d.To == id && strings.Contains(d.Reply.Text, substr) {
			out = append(out, d)
		}
	}
	return out
}

// Texts returns the texts sent to id, in order.
func (r *Recorder) Texts(id string) []string {
	var out []string
	for _, d := range r.To(id, "") {
		out = append(out, d.Reply.Text)
	}
	return out
}

// Files returns the attachments sent to id, in order.
func (r *Recorder) Files(id string) []*bot.File {
	var out []*bot.File
	for _, d := range r.To(id, "") {
		if d.Reply.File != nil {
			out = append(out, d.Reply.File)
		}
	}
	return out
}
