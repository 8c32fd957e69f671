package slack

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
)

// Run with: go test ./bot/slack -run '^$' -bench 'SlashCommandAck|BareVerifier' -cpu 2 -benchtime 3000x
//
// Both benchmarks send the same signed slash commands over real TCP to a
// running server; the first to the adapter (verify, parse, ack, then claim,
// route and DM in the background), the second to a bare handler that only
// verifies the signature. The ratio of their figures is our pipeline's cost.

func BenchmarkSlashCommandAck(b *testing.B) {
	e := newEnv(b)
	// Accept every command: the backlog is worked off after the acks.
	a := e.adapter(b, "http", func(o *Options) { o.MaxInFlight = 1 << 20 })
	srv := httptest.NewServer(a)
	defer srv.Close()
	elapsed := ackBench(b, srv.URL, "show "+e.ref)
	start := time.Now()
	a.work.Wait() // the DMs, after the acks
	drain := time.Since(start)
	b.ReportMetric(float64(b.N)/(elapsed+drain).Seconds(), "done/s")
	if got := len(e.fake.Posts()); got != b.N {
		b.Errorf("%d replies for %d commands", got, b.N)
	}
}

func BenchmarkBareVerifier(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sv, err := slackapi.NewSecretsVerifier(r.Header, fakeSecret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	ackBench(b, srv.URL, "show OSD-7K2Q")
}

// ackBench sends b.N signed slash commands from GOMAXPROCS clients and
// reports acks per second and the p50 and p99 time to the ack.
func ackBench(b *testing.B, url, text string) time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var (
		seq  atomic.Int64
		mu   sync.Mutex
		lats []time.Duration
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			body := slashBody(homeUser, text, fmt.Sprintf("trig-bench-%d", seq.Add(1)))
			req := sign(b, fakeSecret, formType, body, time.Now())
			req.URL, _ = req.URL.Parse(url + Path)
			req.RequestURI = ""
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
		mu.Lock()
		lats = append(lats, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lats)
	if len(lats) == 0 {
		return elapsed
	}
	b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "acks/s")
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
	return elapsed
}
