package bot

import (
	"context"
	"fmt"
	"sync"
)

// Work tracks what an adapter does for people after the request that brought
// it was acknowledged or claimed (it must then be finished: nobody will send
// it again), so that shutting down can wait for it, and cancel it when
// waiting runs out. Its zero value is not usable: use NewWork.
type Work struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	// life is the work's own lifetime, detached from any request as
	// http.Server's BaseContext is; Close cancels it when it gives up.
	life context.Context
	stop context.CancelFunc
}

// NewWork returns a tracker that takes work until Close.
func NewWork() *Work {
	life, stop := context.WithCancel(context.Background())
	return &Work{life: life, stop: stop}
}

// Begin starts a piece of work: ctx is its context and done must be called
// when it ends. ok is false once Close has begun: the work is refused.
func (w *Work) Begin() (ctx context.Context, done func(), ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, nil, false
	}
	w.wg.Add(1)
	return w.life, w.wg.Done, true
}

// Wait waits for the work in flight (tests use it without closing).
func (w *Work) Wait() { w.wg.Wait() }

// Close refuses new work and waits for the work in flight until ctx is done,
// then cancels what is left and waits for it to stop.
func (w *Work) Close(ctx context.Context) error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	defer w.stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		w.stop()
		<-done
		return fmt.Errorf("work cancelled: %w", ctx.Err())
	}
}
