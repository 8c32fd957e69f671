package storagetest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/seed"
	"go.mongodb.org/mongo-driver/v2/event"
)

// EnvLarge names the variable that adds the large fixture (10,000 cases,
// 2,000 active) to the benchmarks.
const EnvLarge = "OFFSITEBOT_BENCH_LARGE"

// BenchNow is the moment the benchmarks' fixtures are built for and their
// commands run at: a Thursday in term, at ten in the morning.
var BenchNow = offsitebot.Date("2026-12-03").At(10, 0)

// BenchSizes are the fixtures the benchmarks run on: 1,000 cases (200
// active), 13 weeks each; and, with OFFSITEBOT_BENCH_LARGE set, 10,000
// (2,000 active).
func BenchSizes() []seed.Options {
	cal := offsitebot.NewCalendar(offsitebot.EnglandWalesBankHolidays(), nil)
	out := []seed.Options{{Cases: 1000, Active: 200, Weeks: 13, Now: BenchNow, Calendar: cal}}
	if os.Getenv(EnvLarge) != "" {
		out = append(out, seed.Options{Cases: 10_000, Active: 2000, Weeks: 13, Now: BenchNow, Calendar: cal})
	}
	return out
}

// Name names a fixture in a sub-benchmark: "cases=1000".
func Name(o seed.Options) string { return fmt.Sprintf("cases=%d", o.Cases) }

// Seeded is a DB (see Open) filled with the seed fixture of o, and a count
// of the commands its client has sent (round trips). Fixtures are only ever
// built by benchmarks: tests stay fast.
func Seeded(b *testing.B, o seed.Options) (*storage.DB, *seed.Fixture, *atomic.Int64) {
	b.Helper()
	var trips atomic.Int64
	db := Open(b, storage.Config{Monitor: &event.CommandMonitor{
		Started: func(context.Context, *event.CommandStartedEvent) { trips.Add(1) },
	}})
	f, err := seed.Fill(context.Background(), db, o)
	if err != nil {
		b.Fatal(err)
	}
	return db, f, &trips
}

// Measure times op b.N times, each after prepare (if not nil, not timed), and floor, the bare driver work op cannot do
// without (read the same documents; read and update the one case), apart, up
// to three times (once if it takes over a second). It reports op's round trips, the floor and the ratio of
// op's time to it.
func Measure(b *testing.B, trips *atomic.Int64, prepare, op, floor func()) {
	b.Helper()
	var took, cpu time.Duration
	var n, rt int64
	b.ResetTimer()
	for b.Loop() {
		if prepare != nil {
			prepare()
		}
		before := trips.Load()
		t0, c0 := time.Now(), CPUTime()
		op()
		took += time.Since(t0)
		cpu += CPUTime() - c0
		rt += trips.Load() - before
		n++
	}
	var floorTook, floorCPU time.Duration
	var runs int64
	for runs < min(n, 3) && (runs == 0 || floorTook < time.Second) { // a slow floor once
		t0, c0 := time.Now(), CPUTime()
		floor()
		floorTook += time.Since(t0)
		floorCPU += CPUTime() - c0
		runs++
	}
	perOp := float64(took) / float64(n)
	perFloor := float64(floorTook) / float64(runs)
	b.ReportMetric(perOp/1e6, "ms/op")
	b.ReportMetric(perFloor/1e6, "floor-ms/op")
	b.ReportMetric(perOp/perFloor, "ratio")
	b.ReportMetric(float64(rt)/float64(n), "roundtrips/op")
	// CPU time (the process's: the server runs in it) barely moves with the
	// machine's load, which wall time does.
	b.ReportMetric(float64(cpu)/float64(n)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(floorCPU)/float64(runs)/1e6, "floor-cpu-ms/op")
}
