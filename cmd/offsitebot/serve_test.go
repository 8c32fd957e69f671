package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeTelegram answers the Bot API methods offsitebot calls at start and records messages.
type fakeTelegram struct {
	mu   sync.Mutex
	sent []string
	got  chan struct{}
}

func (f *fakeTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "getMe":
		io.WriteString(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"offsitebot","username":"oakfield_offsite_bot"}}`)
	case "sendMessage":
		_ = r.ParseMultipartForm(1 << 20)
		text := r.FormValue("text")
		if text == "" { // JSON body
			var body struct{ Text string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			text = body.Text
		}
		f.mu.Lock()
		f.sent = append(f.sent, text)
		f.mu.Unlock()
		f.got <- struct{}{}
		io.WriteString(w, `{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":7,"type":"private"}}}`)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeTelegramWebhook starts offsitebot as a deployment would (webhook mode,
// HTTP endpoints) against a fake Bot API, and talks to it over HTTP.
func TestServeTelegramWebhook(t *testing.T) {
	fake := &fakeTelegram{got: make(chan struct{}, 10)}
	api := httptest.NewServer(fake)
	defer api.Close()
	addr := freeAddr(t)
	env := envOf(map[string]string{
		"OFFSITEBOT_MONGODB_DATA_DIR":        t.TempDir(),
		"OFFSITEBOT_HTTP_LISTEN":             addr,
		"OFFSITEBOT_TELEGRAM_TOKEN":          "42:secret-token",
		"OFFSITEBOT_TELEGRAM_MODE":           "webhook",
		"OFFSITEBOT_TELEGRAM_WEBHOOK_SECRET": "s3cret",
		"OFFSITEBOT_TELEGRAM_API_URL":        api.URL,
		"OFFSITEBOT_HTTP_PUBLIC_URL":         "http://" + addr,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &watchLog{want: "offsitebot running", seen: make(chan struct{})}
	go func() { done <- run(ctx, nil, strings.NewReader(""), io.Discard, logs, env) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	base := "http://" + addr
	select {
	case <-logs.seen:
	case err := <-done:
		t.Fatalf("run ended: %v", err)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	update := `{"update_id":1001,"message":{"message_id":5,"date":1764669600,"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"Pat"},"text":"/help"}}`
	post := func(secret string) int {
		req, _ := http.NewRequest("POST", base+"/telegram/webhook", strings.NewReader(update))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post("s3cret"); code != http.StatusOK {
		t.Fatalf("good secret: %d", code)
	}
	select {
	case <-fake.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no reply sent to Telegram")
	}
	fake.mu.Lock()
	if len(fake.sent) != 1 || !strings.Contains(fake.sent[0], "Your school will send you a link") {
		t.Errorf("sent %q", fake.sent)
	}
	fake.mu.Unlock()
	r, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !strings.Contains(string(body), `offsitebot_requests_total{command="help",platform="telegram",result="ok"} 1`) {
		t.Errorf("metrics lack the request:\n%s", body)
	}
	if r, err := http.Get(base + "/readyz"); err != nil || r.StatusCode != 200 {
		t.Errorf("readyz: %v %v", r, err)
	}
	// The web overview is served beside the webhook, with its policy.
	if r, err := http.Get(base + "/dashboard/"); err != nil || r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("dashboard without a session: %v %v", r, err)
	}
	if strings.Contains(logs.String(), "Pat") {
		t.Errorf("a name reached the logs:\n%s", logs.String())
	}
}

// watchLog keeps the log and closes seen once a line containing want is written.
type watchLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *watchLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// hungTelegram is a Bot API for polling that delivers one /help, then never
// answers a message sent: the reply is in flight when the test stops the bot.
type hungTelegram struct {
	polled  atomic.Bool
	once    sync.Once
	sending chan struct{} // closed when the first sendMessage arrives
}

func (f *hungTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body) // so a client that hangs up ends r.Context()
	w.Header().Set("Content-Type", "application/json")
	switch path.Base(r.URL.Path) {
	case "getMe":
		io.WriteString(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"offsitebot","username":"oakfield_offsite_bot"}}`)
	case "getUpdates":
		if f.polled.CompareAndSwap(false, true) {
			io.WriteString(w, `{"ok":true,"result":[{"update_id":1001,"message":{"message_id":5,"date":1764669600,"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"Pat"},"text":"/help"}}]}`)
			return
		}
		<-r.Context().Done() // a long poll that outlasts the test
	case "sendMessage":
		f.once.Do(func() { close(f.sending) })
		<-r.Context().Done() // Telegram hangs
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

// running lists the goroutines still running this program's code (not the
// embedded database's, which is closed after), one stack each.
func running() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the test's own
		}
		for _, mark := range []string{"cmd/offsitebot.(*app).", "offsitebot/bot", "offsitebot/conversations", "offsitebot/reminders", "robfig/cron", "slack-go/slack", "go-telegram/bot"} {
			if strings.Contains(g, mark) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// TestServeStopsEverythingBeforeTheDatabase runs Slack (HTTP mode), Telegram
// (polling), the HTTP endpoints, maintenance and the reminders, stops them
// while a reply hangs on Telegram, and checks that serve returned in time and
// only after every one of its goroutines had, so the database closes last.
func TestServeStopsEverythingBeforeTheDatabase(t *testing.T) {
	tg := &hungTelegram{sending: make(chan struct{})}
	tgAPI := httptest.NewServer(tg)
	defer tgAPI.Close()
	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"team_id":"T1","user_id":"UBOT"}`) // auth.test
	}))
	defer slackAPI.Close()
	cfg, err := loadConfig("", envOf(map[string]string{
		"OFFSITEBOT_MONGODB_DATA_DIR":     t.TempDir(),
		"OFFSITEBOT_HTTP_LISTEN":          freeAddr(t),
		"OFFSITEBOT_TELEGRAM_TOKEN":       "42:secret-token",
		"OFFSITEBOT_TELEGRAM_API_URL":     tgAPI.URL,
		"OFFSITEBOT_SLACK_BOT_TOKEN":      "xoxb-test",
		"OFFSITEBOT_SLACK_MODE":           "http",
		"OFFSITEBOT_SLACK_SIGNING_SECRET": "s3cret",
		"OFFSITEBOT_SLACK_API_URL":        slackAPI.URL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &watchLog{want: "offsitebot running", seen: make(chan struct{})}
	w, err := wire(t.Context(), cfg, slog.New(slog.NewTextHandler(logs, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	w.grace = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- w.serve(ctx) }()
	closed := false
	defer func() {
		cancel()
		<-served
		if !closed {
			w.close(context.Background())
		}
	}()
	for _, c := range []chan struct{}{logs.seen, tg.sending} {
		select {
		case <-c:
		case err := <-served:
			served <- err
			t.Fatalf("serve ended: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatalf("serve did not start its work:\n%s", logs.String())
		}
	}

	cancel() // as SIGTERM does
	select {
	case err := <-served:
		served <- err
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve still running 10 s after it was told to stop")
	}
	// What was in hand when it was told to stop ended before serve returned:
	// the hung reply was given up, and Telegram let go of its poller lease.
	for _, done := range []string{"reply not delivered", "polling stopped; lease released"} {
		if !strings.Contains(logs.String(), done) {
			t.Errorf("serve returned before %q:\n%s", done, logs.String())
		}
	}
	left := running()
	for i := 0; len(left) > 0 && i < 1000; i++ { // let goroutines that have signalled they are done exit
		runtime.Gosched()
		left = running()
	}
	if len(left) > 0 {
		t.Fatalf("serve returned, so the database would close, with %d goroutines still running:\n%s", len(left), strings.Join(left, "\n\n"))
	}
	w.close(context.Background())
	closed = true
	if strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "close database") {
		t.Errorf("errors logged while stopping:\n%s", logs.String())
	}
}
