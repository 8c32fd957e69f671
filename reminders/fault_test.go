package reminders

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// killable is the store as a killed process sees it: once dead, nothing it
// writes arrives (kill -9 runs no deferred flush).
type killable struct {
	Store
	dead atomic.Bool
}

var errKilled = errors.New("process killed")

func (k *killable) RecordReminders(ctx context.Context, o []offsitebot.ReminderOutcome) error {
	if k.dead.Load() {
		return errKilled
	}
	return k.Store.RecordReminders(ctx, o)
}

func (k *killable) AppendAuditMany(ctx context.Context, ev []offsitebot.AuditEvent) error {
	if k.dead.Load() {
		return errKilled
	}
	return k.Store.AppendAuditMany(ctx, ev)
}

// TestKilledAfterKSends kills a run just after its k-th message reached the
// platform (sent, not yet recorded), then restarts: every reminder is sent
// exactly once, except at most the one message in flight at the kill (a
// digest of three, or a prompt alone), which the retry sends again.
func TestKilledAfterKSends(t *testing.T) {
	for _, k := range []int{1, 2, 4} {
		t.Run(fmt.Sprint("k=", k), func(t *testing.T) {
			ctx := context.Background()
			var cases []*offsitebot.Case
			for i := range 3 { // staff get a digest of 3, each case's contact a prompt alone
				cases = append(cases, newCase(fmt.Sprintf("OSD-%04d", i), "2026-11-02"))
			}
			ownContacts(cases)
			db := world(t, cases...)
			at := london("2026-12-02 09:40")

			store := &killable{Store: db}
			runCtx, kill := context.WithCancel(ctx)
			rec := &recorder{}
			n := 0
			rec.Hook = func(ctx context.Context, to string) error {
				if n++; n > k {
					return ctx.Err() // the process is gone: nothing more goes out
				}
				if n == k {
					// The k-th send reaches the platform; the process dies
					// before it can record it.
					store.dead.Store(true)
					kill()
				}
				return nil
			}
			s1 := newScheduler(t, store, rec, nil, Config{})
			_, _ = s1.Run(runCtx, JobAttendancePrompt, at)
			if got := len(rec.All()); got != k {
				t.Fatalf("killed run delivered %d, want %d", got, k)
			}

			// The restart, after the claim timeout: its prompt run finds the
			// claims taken, its retry sends what the killed run left.
			s2 := newScheduler(t, db, rec, nil, Config{})
			later := at.Add(11 * time.Minute)
			for _, job := range []string{JobAttendancePrompt, JobRetry, JobRetry} {
				if _, err := s2.Run(ctx, job, later); err != nil {
					t.Fatal(err)
				}
			}
			twice := 0
			for _, c := range countMessages(rec.All()) {
				if c > 1 {
					twice++
				}
			}
			if twice > 1 {
				t.Errorf("%d messages sent twice, want at most the one in flight", twice)
			}
			counts := countByKey(rec.All())
			for key, c := range counts {
				switch {
				case c == 2:
				case c != 1:
					t.Errorf("sent %d times: %s", c, key)
				}
			}
			if len(counts) != 6 {
				t.Errorf("%d distinct prompts sent, want 6", len(counts))
			}
		})
	}
}
