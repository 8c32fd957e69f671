package reminders

import (
	"context"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// TestStartStop starts the real cron and stops it: Stop's context is done
// once no job runs, and a second Stop is harmless.
func TestStartStop(t *testing.T) {
	s := newScheduler(t, storagetest.New(t), &recorder{}, nil, Config{})
	s.Start()
	s.Start() // already running: no second cron
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-s.Stop().Done():
	case <-ctx.Done():
		t.Fatal("Stop did not finish")
	}
	<-s.Stop().Done()
	if _, err := s.Run(context.Background(), "nope", time.Now()); err == nil {
		t.Error("Run of an unknown job: no error")
	}
}
