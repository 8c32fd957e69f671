package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot/web"
)

// metrics are the process's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "offsitebot_requests_total", Help: "Requests handled by the router, by platform, command and result.",
		}, []string{"platform", "command", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "offsitebot_request_seconds", Help: "Time to answer a request, by platform.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"platform"}),
	}
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(p offsitebot.Platform, command, result string, d time.Duration) {
	m.requests.WithLabelValues(string(p), command, result).Inc()
	m.latency.WithLabelValues(string(p)).Observe(d.Seconds())
}

// mux serves health, readiness and metrics; adapters add their endpoints to it.
func (w *app) mux(m *metrics) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := w.db.Ping(ctx); err != nil {
			http.Error(rw, "database not reachable", http.StatusServiceUnavailable)
			return
		}
		rw.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}

// serveHTTP serves h on ln until ctx ends, then stops taking requests and
// waits up to wait for those in hand, returning only once they have ended.
func (w *app) serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, wait time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		w.log.Warn("shutdown: http requests still running; hanging up on them", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveWeb serves the web overview on [http] listen beside the shell, until
// the returned stop is called.
func (w *app) serveWeb(ctx context.Context) (stop func(), err error) {
	ln, err := net.Listen("tcp", w.cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("[http] listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(web.Path, w.web)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.serveHTTP(ctx, ln, mux, time.Second) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			w.log.Warn("web overview", "err", err)
		}
	}, nil
}
