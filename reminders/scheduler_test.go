package reminders

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// TestStartCatchesUp: started at 10:00, after the 09:40 prompt's time, the
// scheduler sends that prompt at once, and a later catch-up sends it no more.
func TestStartCatchesUp(t *testing.T) {
	db := world(t, newCase("OSD-0001", "2026-11-02"))
	sent := make(chan string, 10)
	rec := &recorder{Hook: func(_ context.Context, to string) error { sent <- to; return nil }}
	clk := bottest.NewClock(london("2026-12-02 10:00"))
	cfg := Config{Contact: Off, Reviews: Off, AttendanceChase: Off, AttendanceSummary: Off, Feedback: Off}
	s := newScheduler(t, db, rec, clk.Now, cfg)
	s.Start()
	for range 2 {
		select {
		case <-sent:
		case <-time.After(10 * time.Second):
			t.Fatal("no catch-up prompt sent")
		}
	}
	<-s.Stop().Done()
	s = newScheduler(t, db, rec, clk.Now, cfg)
	rep, err := s.RunAt(context.Background(), clk.Now())
	if err != nil || rep.Jobs[0].Duplicate != 2 {
		t.Errorf("second catch-up: %v, report %+v; want the 2 prompts found claimed", err, rep.Jobs)
	}
	if got := countByKey(rec.All()); len(got) != 2 || got[tgRecvID+"|Attendance for S.T. (OSD-0001), Wed 2 Dec."] != 1 {
		t.Errorf("sent %v, want one prompt to each of the 2 receiving contacts", got)
	}
}

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

// TestReportCountsCases: the command line's summary counts cases in English.
func TestReportCountsCases(t *testing.T) {
	for _, tc := range []struct {
		cases int
		want  string
	}{{0, "(0 active cases)"}, {1, "(1 active case)"}, {2, "(2 active cases)"}} {
		r := Report{At: london("2026-12-03 09:45"), Cases: tc.cases}
		if got := r.String(); !strings.Contains(got, tc.want) {
			t.Errorf("%d cases: %q, want %q in it", tc.cases, got, tc.want)
		}
	}
}
