package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.mongodb.org/mongo-driver/v2/bson"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// What the lead wires together must fit.
var (
	_ Store         = (*storage.DB)(nil)
	_ bot.Responder = (*bot.Router)(nil)
	_ bot.Sender    = (*Adapter)(nil)
	_ http.Handler  = (*Adapter)(nil)
)

// testNow is Wednesday 2 December 2026, 10:14 in London.
var testNow = time.Date(2026, 12, 2, 10, 14, 0, 0, time.UTC)

const (
	homeUser = "U0HOME"
	homeID   = "slack:" + fakeTeam + ":" + homeUser
	formType = "application/x-www-form-urlencoded"
)

// sleeps records the waits asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// env is one workspace: a fake Slack, a real database with a school pair,
// a home-school staff member and an active case, and the real engine.
type env struct {
	db     *storage.DB
	fake   *fakeSlack
	disp   *bot.Dispatcher
	router *bot.Router
	sleeps *sleeps
	ref    string
	// prepare, if set, adjusts each adapter before it runs.
	prepare func(*Adapter)
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: storagetest.New(t), fake: newFakeSlack(t), disp: bot.NewDispatcher(), sleeps: &sleeps{}}
	eng := conversations.New(conversations.Deps{
		Store: e.db, Send: e.disp, Now: func() time.Time { return testNow },
		Calendar: offsitebot.NewCalendar(nil, nil), Log: slog.New(slog.DiscardHandler), TelegramBot: "offsitebot_test_bot",
	})
	e.router = eng.Router()
	for _, s := range []offsitebot.School{{URN: "100001", Name: "Oakfield Primary"}, {URN: "100002", Name: "Riverside Academy"}} {
		if err := e.db.PutSchool(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.PutIdentity(ctx, offsitebot.Identity{ID: homeID, Role: offsitebot.RoleHome, Name: "Ms Home", URN: "100001", Created: testNow}); err != nil {
		t.Fatal(err)
	}
	e.ref = offsitebot.NewRef()
	c := &offsitebot.Case{
		Ref: e.ref, Status: offsitebot.Active, Pupil: "Sam Taylor", DOB: "2012-03-04", HomeURN: "100001", ReceivingURN: "100002",
		Start: "2026-11-23", End: "2027-01-29", Opened: testNow.AddDate(0, 0, -14), OpenedBy: homeID,
	}
	if err := e.db.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	return e
}

// adapter makes an adapter on env's database and fake, started (auth.test,
// admins) and registered with the dispatcher; it is closed when t ends.
func (e *env) adapter(t testing.TB, mode string, edit ...func(*Options)) *Adapter {
	t.Helper()
	opts := Options{
		BotToken: fakeBotToken, AppToken: fakeAppToken, SigningSecret: fakeSecret, APIURL: strings.TrimSuffix(e.fake.URL(), "/"),
		Mode: mode, Router: e.router, Store: e.db, Now: func() time.Time { return testNow }, Sleep: e.sleeps.sleep,
		Log: slog.New(slog.DiscardHandler),
	}
	for _, f := range edit {
		f(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if e.prepare != nil {
		e.prepare(a)
	}
	e.disp.Register(offsitebot.Slack, a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := a.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	select {
	case <-a.Ready():
	case err := <-done:
		t.Fatalf("Run ended before ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("adapter not ready")
	}
	return a
}

// serve posts a signed request to the adapter's endpoint and waits for the
// work it started.
func serve(t *testing.T, a *Adapter, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	a.work.Wait()
	return w
}

// resend is a request with body sent under headers captured from another.
func resend(t *testing.T, h http.Header, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header = h.Clone()
	return r
}

// claims counts the deliveries kept in the inbox.
func (e *env) claims(t *testing.T) int64 {
	t.Helper()
	kept := bson.D{{Key: "kind", Value: bson.D{{Key: "$exists", Value: true}}}}
	n, err := e.db.Database().Collection("inbox").CountDocuments(context.Background(), kept)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) kase(t *testing.T) *offsitebot.Case {
	t.Helper()
	c, err := e.db.Case(context.Background(), e.ref)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dmsTo returns the texts posted in user's DM (the fake names it D+user).
func (e *env) dmsTo(user string) []string {
	var out []string
	for _, p := range e.fake.Posts() {
		if p.Channel == "D"+user {
			out = append(out, p.Text)
		}
	}
	return out
}

// openedView is the part of a modal the tests read.
type openedView struct {
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Title           struct {
		Text string `json:"text"`
	} `json:"title"`
	Blocks []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		Element struct {
			Type string `json:"type"`
		} `json:"element"`
	} `json:"blocks"`
}

func TestSlashCommandModalRecordsContactThatExportShows(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")

	w := serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, "contact "+e.ref, "trig-1"), time.Now()))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("slash command ack = %d %q, want 200 and no body", w.Code, w.Body)
	}
	views := e.fake.Views()
	if len(views) != 1 || e.fake.Triggers()[0] != "trig-1" {
		t.Fatalf("views.open called %d times (triggers %q), want once with the command's trigger (posts: %+v)", len(views), e.fake.Triggers(), e.fake.Posts())
	}
	var v openedView
	if err := json.Unmarshal(views[0], &v); err != nil {
		t.Fatal(err)
	}
	if v.CallbackID != formCallback || v.Title.Text != "Log contact" {
		t.Errorf("modal callback %q title %q", v.CallbackID, v.Title.Text)
	}
	kinds := map[string]string{}
	for _, b := range v.Blocks {
		if b.Type == "input" {
			kinds[b.BlockID] = b.Element.Type
		}
	}
	for key, kind := range map[string]string{"ref": "plain_text_input", "with": "static_select", "how": "static_select", "summary": "plain_text_input"} {
		if kinds[key] != kind {
			t.Errorf("field %s is %q, want %q (fields %v)", key, kinds[key], kind, kinds)
		}
	}

	// A submission missing "how" keeps the modal open with the error on that field.
	w = serve(t, a, sign(t, fakeSecret, formType, submitView(t, homeUser, "trig-2", views[0], map[string]string{
		"with": "receiving", "how": "", "summary": "Spoke to Ms Khan; good first week",
	}), time.Now()))
	var resp struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Action != "errors" || resp.Errors["how"] == "" {
		t.Fatalf("incomplete submission answered %d %s, want response_action errors on how", w.Code, w.Body)
	}
	if n := len(e.kase(t).Contacts); n != 0 {
		t.Fatalf("incomplete submission recorded %d contacts", n)
	}

	w = serve(t, a, sign(t, fakeSecret, formType, submitView(t, homeUser, "trig-3", views[0], map[string]string{
		"with": "receiving", "how": "phone", "summary": "Spoke to Ms Khan; good first week",
	}), time.Now()))
	resp.Action, resp.Errors = "", nil
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Action != "clear" {
		t.Fatalf("complete submission answered %d %s, want response_action clear", w.Code, w.Body)
	}
	if c := e.kase(t); len(c.Contacts) != 1 || c.Contacts[0].How != "phone" || c.Contacts[0].With != "receiving" {
		t.Fatalf("contacts after submit = %+v", c.Contacts)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 || !strings.Contains(dms[0], "Logged for "+e.ref) {
		t.Fatalf("DMs after submit = %q", dms)
	}

	serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, "export "+e.ref, "trig-4"), time.Now()))
	files := e.fake.Files()
	if len(files) != 2 {
		t.Fatalf("export uploaded %d files, want JSON and CSV", len(files))
	}
	if files[0].Name != e.ref+".json" || files[0].Channel != "D"+homeUser || !strings.Contains(string(files[0].Data), "Spoke to Ms Khan; good first week") {
		t.Errorf("export file %s in %s does not show the contact: %.300s", files[0].Name, files[0].Channel, files[0].Data)
	}
	if !json.Valid(files[0].Data) {
		t.Errorf("export JSON is not valid JSON")
	}
}

// TestNewCaseFormConfirmsAPastStart: the new-case modal has no summary
// (the form is its own), and a first day that has passed brings the same
// form back with the question that confirms it, answers kept.
func TestNewCaseFormConfirmsAPastStart(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, "new", "trig-new"), time.Now()))
	views := e.fake.Views()
	if len(views) != 1 {
		t.Fatalf("views.open called %d times, want once", len(views))
	}
	blocks := func(view json.RawMessage) []string {
		var v openedView
		if err := json.Unmarshal(view, &v); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range v.Blocks {
			if b.Type == "input" {
				ids = append(ids, b.BlockID)
			}
		}
		return ids
	}
	if ids := blocks(views[0]); slices.Contains(ids, "startok") || slices.Contains(ids, "open") || slices.Contains(ids, "home") || !slices.Contains(ids, "start") {
		t.Fatalf("new-case form fields %v", ids)
	}
	cases := func() int {
		cs, err := e.db.Cases(context.Background(), offsitebot.CaseFilter{HomeURN: "100001"})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	answers := map[string]string{"pupil": "Jo Bloggs", "dob": "2012-05-06", "ehcp": "no", "receiving": "riverside", "start": "2026-11-23", "end": "2027-01-29"}
	w := serve(t, a, sign(t, fakeSecret, formType, submitView(t, homeUser, "trig-new-2", views[0], answers), time.Now()))
	var resp struct {
		Action string          `json:"response_action"`
		View   json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Action != "update" {
		t.Fatalf("a past start answered %d %s, want the form again", w.Code, w.Body)
	}
	if !strings.Contains(string(resp.View), "Mon 23 Nov 2026, has already passed") || !slices.Contains(blocks(resp.View), "startok") {
		t.Fatalf("the form again lacks the question: %s", resp.View)
	}
	if n := cases(); n != 1 {
		t.Fatalf("%d cases before the start was confirmed, want only the existing one", n)
	}
	// The same form again, answers kept: only the confirmation is chosen.
	w = serve(t, a, sign(t, fakeSecret, formType, submitView(t, homeUser, "trig-new-3", resp.View, map[string]string{"startok": "yes"}), time.Now()))
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Action != "clear" {
		t.Fatalf("the confirmed form answered %d %s, want clear", w.Code, w.Body)
	}
	if n := cases(); n != 2 {
		t.Fatalf("%d cases after the start was confirmed, want 2", n)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 || !strings.Contains(dms[0], "Opened OSD-") || !strings.Contains(dms[0], "for Jo Bloggs (Oakfield Primary → Riverside Academy), starting Mon 23 Nov") {
		t.Fatalf("DMs after the confirmed form: %q", dms)
	}
}

func TestEveryFormOpensAsAModal(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	commands := []string{"new", "contact " + e.ref, "review " + e.ref + " schedule", "review " + e.ref + " outcome"}
	for i, c := range commands {
		serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, c, fmt.Sprintf("trig-form-%d", i)), time.Now()))
	}
	views := e.fake.Views()
	if len(views) != len(commands) {
		t.Fatalf("%d modals opened for %d guided commands; DMs instead: %q", len(views), len(commands), e.dmsTo(homeUser))
	}
	for i, want := range []string{"Open a case", "Log contact", "Schedule a review me", "Record a review outc"} {
		var v openedView
		if err := json.Unmarshal(views[i], &v); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(v.Title.Text, want) {
			t.Errorf("modal %d titled %q, want %q", i, v.Title.Text, want)
		}
	}
}

func TestUnverifiedRequestsRefused(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	body := slashBody(homeUser, "cases", "trig-x")
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"forged signature", func() *http.Request { return sign(t, "not-the-secret", formType, body, time.Now()) }},
		{"stale timestamp", func() *http.Request { return sign(t, fakeSecret, formType, body, time.Now().Add(-6*time.Minute)) }},
		{"future timestamp", func() *http.Request { return sign(t, fakeSecret, formType, body, time.Now().Add(6*time.Minute)) }},
		{"body changed after signing", func() *http.Request {
			r := sign(t, fakeSecret, formType, body, time.Now())
			return resend(t, r.Header, slashBody(homeUser, "export "+e.ref, "trig-x"))
		}},
		{"missing signature", func() *http.Request {
			r := sign(t, fakeSecret, formType, body, time.Now())
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"missing timestamp", func() *http.Request {
			r := sign(t, fakeSecret, formType, body, time.Now())
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
		{"signature not hex", func() *http.Request {
			r := sign(t, fakeSecret, formType, body, time.Now())
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(t, a, tc.req())
			if w.Code != http.StatusUnauthorized || w.Body.Len() != 0 {
				t.Errorf("got %d %q, want 401 and no body", w.Code, w.Body)
			}
		})
	}
	if n := e.claims(t); n != 0 {
		t.Errorf("%d deliveries stored after refused requests", n)
	}
	if p := e.fake.Posts(); len(p) != 0 {
		t.Errorf("messages sent after refused requests: %+v", p)
	}

	// A replayed body (same signature, inside the window) is processed once.
	replayed := slashBody(homeUser, "show "+e.ref, "trig-replay")
	first := sign(t, fakeSecret, formType, replayed, time.Now())
	replay := resend(t, first.Header, replayed)
	for i, r := range []*http.Request{first, replay} {
		if w := serve(t, a, r); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: %d", i, w.Code)
		}
	}
	if n := e.claims(t); n != 1 {
		t.Errorf("replayed slash command stored %d deliveries, want 1", n)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 || !strings.Contains(dms[0], e.ref) {
		t.Errorf("replayed slash command answered %d times, want once: %q", len(dms), dms)
	}
}

func TestSameEventThreeTimesProcessedOnce(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	body := imEvent("Ev0THREE", homeUser, "contact "+e.ref+" receiving phone Spoke to Ms Khan &amp; the SENCo")
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range 3 {
		wg.Go(func() {
			r := sign(t, fakeSecret, "application/json", body, time.Now())
			if i > 0 {
				r.Header.Set("X-Slack-Retry-Num", fmt.Sprint(i))
				r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			w := httptest.NewRecorder()
			a.ServeHTTP(w, r)
			codes[i] = w.Code
		})
	}
	wg.Wait()
	a.work.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d answered %d", i, c)
		}
	}
	c := e.kase(t)
	if len(c.Contacts) != 1 {
		t.Fatalf("3 deliveries of one event recorded %d contacts, want 1", len(c.Contacts))
	}
	if got := c.Contacts[0].Summary; got != "Spoke to Ms Khan & the SENCo" {
		t.Errorf("summary %q: Slack's escaping not undone", got)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 || !strings.Contains(dms[0], "Logged for "+e.ref) {
		t.Errorf("3 deliveries answered %q, want one reply", dms)
	}
}

func TestReplicasProcessAnEventOnce(t *testing.T) {
	e := newEnv(t)
	a1 := e.adapter(t, "http")
	a2 := e.adapter(t, "http") // a second replica on the same database
	body := imEvent("Ev0REPLICA", homeUser, "contact "+e.ref+" receiving email Sent the timetable")
	var wg sync.WaitGroup
	for _, a := range []*Adapter{a1, a2, a1, a2} {
		wg.Go(func() {
			w := httptest.NewRecorder()
			a.ServeHTTP(w, sign(t, fakeSecret, "application/json", body, time.Now()))
		})
	}
	wg.Wait()
	a1.work.Wait()
	a2.work.Wait()
	if n := len(e.kase(t).Contacts); n != 1 {
		t.Errorf("two replicas recorded %d contacts, want 1", n)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 {
		t.Errorf("two replicas answered %d times, want once", len(dms))
	}
}

func TestDMAnsweredInItsThreadAndBotEchoesIgnored(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	event := func(id string, ev map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": fakeTeam, "event_id": id, "event_time": 1764000000, "event": ev})
		return b
	}
	bodies := [][]byte{
		event("Ev0T1", map[string]any{"type": "message", "channel": "D" + homeUser, "channel_type": "im", "user": homeUser,
			"text": "show " + e.ref, "ts": "1764000100.000200", "thread_ts": "1764000000.000001"}),
		// The bot's own post, an edit and a message in a channel: none is a request.
		event("Ev0T2", map[string]any{"type": "message", "channel": "D" + homeUser, "channel_type": "im", "user": fakeBotUser,
			"bot_id": "B0BOT", "text": "Logged", "ts": "1764000100.000300"}),
		event("Ev0T3", map[string]any{"type": "message", "subtype": "message_changed", "channel": "D" + homeUser, "channel_type": "im",
			"message": map[string]any{"user": homeUser, "text": "show " + e.ref}, "ts": "1764000100.000400"}),
		event("Ev0T4", map[string]any{"type": "message", "channel": "C0GENERAL", "channel_type": "channel", "user": homeUser,
			"text": "show " + e.ref, "ts": "1764000100.000500"}),
	}
	for _, b := range bodies {
		if w := serve(t, a, sign(t, fakeSecret, "application/json", b, time.Now())); w.Code != http.StatusOK {
			t.Fatalf("ack %d", w.Code)
		}
	}
	posts := e.fake.Posts()
	if len(posts) != 1 || posts[0].Channel != "D"+homeUser || posts[0].Thread != "1764000000.000001" || !strings.Contains(posts[0].Text, e.ref) {
		t.Errorf("posts = %+v, want one answer in the DM thread", posts)
	}
}

func TestRateLimitWaitedOut(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	e.fake.rateLimit("chat.postMessage", 2)
	if err := a.Send(context.Background(), homeID, bot.Reply{Text: "A parent asked for a review meeting."}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := e.sleeps.all(); len(got) != 1 || got[0] != 2*time.Second {
		t.Errorf("waits = %v, want the 2 s Retry-After", got)
	}
	if n := e.fake.Attempts("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage called %d times, want 2 (429, then the retry)", n)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 || dms[0] != "A parent asked for a review meeting." {
		t.Errorf("DMs = %q, want the message once", dms)
	}
}

// TestNetworkFailureRetried: a send cut off on the network is tried again
// after a pause that grows, a bounded number of times; then it fails.
func TestNetworkFailureRetried(t *testing.T) {
	tests := []struct {
		name     string
		cuts     int
		attempts int
		ok       bool
	}{
		{"two failures", 2, 3, true},
		{"never answers", 100, bot.NetRetries + 1, false},
		{"stopped while waiting to retry", 100, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.adapter(t, "http")
			e.fake.cutOff("chat.postMessage", tt.cuts)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			if tt.attempts == 1 {
				a.sleep = func(ctx context.Context, d time.Duration) error {
					stop() // SIGTERM during the pause
					return e.sleeps.sleep(ctx, d)
				}
			}
			err := a.Send(ctx, homeID, bot.Reply{Text: "A parent asked for a review meeting."})
			if (err == nil) != tt.ok {
				t.Fatalf("Send: %v, want success %v", err, tt.ok)
			}
			if n := e.fake.Attempts("chat.postMessage"); n != tt.attempts {
				t.Errorf("chat.postMessage called %d times, want %d", n, tt.attempts)
			}
			waits := e.sleeps.all()
			if want := max(tt.attempts-1, 1); len(waits) != want {
				t.Fatalf("waits = %v, want %d", waits, want)
			}
			for i, w := range waits {
				if full := time.Second << i; w > full || w < full*3/4 {
					t.Errorf("wait %d = %v, want within a quarter under %v", i+1, w, full)
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.ok]; len(e.dmsTo(homeUser)) != want {
				t.Errorf("DMs = %q, want %d", e.dmsTo(homeUser), want)
			}
		})
	}
}

func TestPacedPerChannel(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	for i := range 3 {
		if err := a.Send(context.Background(), homeID, bot.Reply{Text: fmt.Sprint("reminder ", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	// The clock stands still, so the 2nd and 3rd wait for their slots.
	if got := e.sleeps.all(); len(got) != 2 || got[0] != time.Second || got[1] != 2*time.Second {
		t.Errorf("waits = %v, want [1s 2s]", got)
	}
	if err := a.Send(context.Background(), "slack:"+fakeTeam+":U0OTHER", bot.Reply{Text: "other channel"}); err != nil {
		t.Fatal(err)
	}
	if got := e.sleeps.all(); len(got) != 2 {
		t.Errorf("another channel waited: %v", got)
	}
	if n := len(e.fake.Posts()); n != 4 {
		t.Errorf("%d messages arrived, want 4", n)
	}
}

func TestUnreachableRecipient(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	tests := []struct {
		code string
		want bool
	}{
		{"user_not_found", true},
		{"account_inactive", true},
		{"cannot_dm_bot", true},
		{"fatal_error", false},
	}
	for i, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			user := fmt.Sprint("U0GONE", i)
			e.fake.mu.Lock()
			e.fake.fail[user] = tc.code
			e.fake.mu.Unlock()
			err := a.Send(context.Background(), "slack:"+fakeTeam+":"+user, bot.Reply{Text: "hello"})
			if err == nil || errors.Is(err, bot.ErrUnreachable) != tc.want {
				t.Errorf("err = %v, unreachable want %v", err, tc.want)
			}
		})
	}
}

func TestChannelPostsNeverSensitive(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http", func(o *Options) { o.Channel = "C0ALERTS" })
	err := a.Send(context.Background(), ChannelTarget, bot.Reply{Text: "Sam Taylor was absent (N) today.", Sensitive: true, Case: e.ref})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Send(context.Background(), ChannelTarget, bot.Reply{Text: "S.T. (" + e.ref + ") absent today, code N.", Case: e.ref})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Posts()
	if len(posts) != 2 {
		t.Fatalf("posts = %+v", posts)
	}
	for _, p := range posts {
		if p.Channel != "C0ALERTS" || strings.Contains(p.Text, "Sam") || strings.Contains(string(p.Blocks), "Sam") {
			t.Errorf("channel post %+v names the pupil or went elsewhere", p)
		}
	}
	if !strings.Contains(posts[0].Text, e.ref) || !strings.Contains(posts[1].Text, "S.T.") {
		t.Errorf("channel posts lost the reference or initials: %q / %q", posts[0].Text, posts[1].Text)
	}
}

func TestSendFormOffersButton(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	err := a.Send(context.Background(), homeID, bot.Reply{Text: "Time to record the outcome of the 20 Nov meeting.", Case: e.ref,
		Form: &bot.Form{Flow: "review-outcome", Title: "Record a review outcome"}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Posts()
	if len(posts) != 1 || !strings.Contains(string(posts[0].Blocks), `"value":"/review-outcome `+e.ref+`"`) {
		t.Errorf("unprompted form sent as %+v, want a button that opens it", posts)
	}
}

func TestSocketModeSlashCommandAndModal(t *testing.T) {
	e := newEnv(t)
	e.fake.badAuth = 1 // the first session fails: the restart loop must bring it back
	send := make(chan any, 4)
	acks := make(chan map[string]any, 4)
	e.fake.ws = func(c *websocket.Conn) {
		_ = c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A0APP"}})
		go func() {
			for m := range send {
				_ = c.WriteJSON(m)
			}
		}()
		for {
			var m map[string]any
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			acks <- m
		}
	}
	t.Cleanup(func() { close(send) })
	a := e.adapter(t, "socket")
	ack := func(envelope string) map[string]any {
		t.Helper()
		select {
		case m := <-acks:
			if m["envelope_id"] != envelope {
				t.Fatalf("ack = %v, want envelope %s", m, envelope)
			}
			p, _ := m["payload"].(map[string]any)
			return p
		case <-time.After(10 * time.Second):
			t.Fatalf("no ack for %s", envelope)
			return nil
		}
	}

	send <- map[string]any{
		"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{"team_id": fakeTeam, "user_id": homeUser, "user_name": "staff", "command": "/offsite",
			"text": "contact " + e.ref, "channel_id": "C0GENERAL", "trigger_id": "trig-sock"},
	}
	if p := ack("env-1"); p != nil {
		t.Errorf("slash ack carried %v", p)
	}
	if n := e.claims(t); n != 1 { // acked only once kept
		t.Errorf("deliveries kept when the slash command was acked: %d, want 1", n)
	}
	a.work.Wait() // acked once its work started; this waits for it to end
	views := e.fake.Views()
	if len(views) != 1 {
		t.Fatalf("modals opened: %d, want 1", len(views))
	}
	view := views[0]

	send <- map[string]any{"envelope_id": "env-2", "type": "interactive", "accepts_response_payload": true,
		"payload": filledView(t, homeUser, "trig-sock-2", view, map[string]string{"with": "receiving", "how": "", "summary": "Visited the base"})}
	if p := ack("env-2"); p["response_action"] != "errors" || p["errors"].(map[string]any)["how"] == nil {
		t.Errorf("incomplete submission acked with %v, want errors on how", p)
	}
	send <- map[string]any{"envelope_id": "env-3", "type": "interactive", "accepts_response_payload": true,
		"payload": filledView(t, homeUser, "trig-sock-3", view, map[string]string{"with": "receiving", "how": "visit", "summary": "Visited the base"})}
	if p := ack("env-3"); p["response_action"] != "clear" {
		t.Errorf("submission acked with %v, want clear", p)
	}
	a.work.Wait()
	if dms := e.dmsTo(homeUser); len(dms) != 1 || !strings.Contains(dms[0], "Logged for "+e.ref) {
		t.Errorf("DMs = %q", dms)
	}
	if c := e.kase(t); len(c.Contacts) != 1 || c.Contacts[0].Summary != "Visited the base" {
		t.Errorf("contacts = %+v", c.Contacts)
	}
	left, err := e.db.InboxLeft(context.Background(), inboxPrefix, time.Time{}, testNow.Add(time.Hour))
	if n := e.claims(t); n != 3 || err != nil || len(left) != 0 {
		t.Errorf("kept %d deliveries, %d left unhandled (%v); want 3, all handled", n, len(left), err)
	}
	if got := e.sleeps.all(); len(got) == 0 || got[0] != time.Second {
		t.Errorf("restart waits = %v, want a 1 s backoff after invalid_auth", got)
	}
	if n := e.fake.Attempts("apps.connections.open"); n < 2 {
		t.Errorf("apps.connections.open called %d times, want a restart", n)
	}
}

func TestAdminsBootstrappedAndStrangersRefused(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http", func(o *Options) { o.Admins = []string{"U0ADMIN"} })
	id, err := e.db.Identity(context.Background(), "slack:"+fakeTeam+":U0ADMIN")
	if err != nil || id == nil || id.Role != offsitebot.RoleAdmin {
		t.Fatalf("admin identity = %+v, %v", id, err)
	}
	serve(t, a, sign(t, fakeSecret, formType, slashBody("U0STRANGER", "cases", "trig-s"), time.Now()))
	dms := e.dmsTo("U0STRANGER")
	if len(dms) != 1 || !strings.Contains(dms[0], "admin") {
		t.Errorf("stranger got %q, want the polite refusal naming the admin", dms)
	}
	// The admin adds staff by mentioning them; the mention arrives as <@U…>.
	serve(t, a, sign(t, fakeSecret, formType, slashBody("U0ADMIN", "staff add <@U0NEW|newbie> receiving 100002", "trig-a"), time.Now()))
	got, err := e.db.Identity(context.Background(), "slack:"+fakeTeam+":U0NEW")
	if err != nil || got == nil || got.Role != offsitebot.RoleReceiving || got.URN != "100002" {
		t.Errorf("staff added from a mention = %+v, %v (admin saw %q)", got, err, e.dmsTo("U0ADMIN"))
	}
	if dms := e.dmsTo("U0ADMIN"); len(dms) != 1 || !strings.Contains(dms[0], "can now use offsitebot as receiving-school staff at Riverside Academy (100002)") || strings.Contains(dms[0], "slack:") {
		t.Errorf("admin told %q, want the school named and no internal ID", dms)
	}
	// Their name comes with their first command, and staff list shows it.
	serve(t, a, sign(t, fakeSecret, formType, slashBody("U0NEW", "cases", "trig-n"), time.Now()))
	serve(t, a, sign(t, fakeSecret, formType, slashBody("U0ADMIN", "staff list", "trig-l"), time.Now()))
	if dms := e.dmsTo("U0ADMIN"); len(dms) != 2 || !regexp.MustCompile(`staff +receiving-school staff +Riverside Academy \(100002\) +Slack`).MatchString(dms[1]) || strings.Contains(dms[1], "slack:") {
		t.Errorf("staff list = %q", dms)
	}
}

func TestAppHomeShowsMyCases(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	body, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": fakeTeam, "api_app_id": "A0APP", "event_id": "Ev0HOME", "event_time": 1764000000,
		"event": map[string]any{"type": "app_home_opened", "user": homeUser, "channel": "D" + homeUser, "tab": "home", "event_ts": "1764000000.1"},
	})
	if w := serve(t, a, sign(t, fakeSecret, "application/json", body, time.Now())); w.Code != http.StatusOK {
		t.Fatalf("event ack %d", w.Code)
	}
	homes := e.fake.Homes()
	if len(homes) != 1 || homes[0].User != homeUser {
		t.Fatalf("views.publish = %+v", homes)
	}
	view := string(homes[0].View)
	for _, want := range []string{`"type":"home"`, "My cases", "Due or overdue", e.ref} {
		if !strings.Contains(view, want) {
			t.Errorf("home tab lacks %q: %.400s", want, view)
		}
	}
}

func TestButtonPressRunsCommandAndMarksMessage(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	payload := interaction(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": fakeTeam}, "user": map[string]any{"id": homeUser, "username": "staff"},
		"trigger_id": "trig-btn", "api_app_id": "A0APP",
		"container": map[string]any{"type": "message", "channel_id": "D" + homeUser, "message_ts": "1764000000.000001"},
		"message": map[string]any{"text": "What next?", "ts": "1764000000.000001", "blocks": []any{
			map[string]any{"type": "section", "block_id": "s", "text": map[string]any{"type": "mrkdwn", "text": "What next?"}},
			map[string]any{"type": "actions", "block_id": "row0", "elements": []any{
				map[string]any{"type": "button", "action_id": "b0_0", "value": "/show " + e.ref, "text": map[string]any{"type": "plain_text", "text": "Show"}},
			}},
		}},
		"actions": []any{map[string]any{"type": "button", "action_id": "b0_0", "block_id": "row0", "value": "/show " + e.ref,
			"text": map[string]any{"type": "plain_text", "text": "Show"}, "action_ts": "1764000001.1"}},
	})
	if w := serve(t, a, sign(t, fakeSecret, formType, payload, time.Now())); w.Code != http.StatusOK {
		t.Fatalf("ack %d", w.Code)
	}
	ups := e.fake.Updates()
	if len(ups) != 1 || strings.Contains(string(ups[0].Blocks), `"actions"`) || !strings.Contains(string(ups[0].Blocks), "Show") {
		t.Errorf("chat.update = %+v, want the buttons replaced by the choice", ups)
	}
	dms := e.dmsTo(homeUser)
	if len(dms) != 1 || !strings.Contains(dms[0], e.ref) || !strings.Contains(dms[0], "Sam Taylor") {
		t.Errorf("button answer = %q, want the case summary in the DM", dms)
	}
	if p := e.fake.Posts(); len(p) != 1 || p[0].Thread != "1764000000.000001" {
		t.Errorf("button answer not in the pressed message's thread: %+v", p)
	}
}

func TestURLVerification(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	body := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	w := serve(t, a, sign(t, fakeSecret, "application/json", body, time.Now()))
	if w.Code != http.StatusOK || w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge answered %d %q", w.Code, w.Body)
	}
	if w := serve(t, a, sign(t, "wrong", "application/json", body, time.Now())); w.Code != http.StatusUnauthorized {
		t.Errorf("unsigned challenge answered %d", w.Code)
	}
}

func TestParentTelegramRequestDMsHomeStaff(t *testing.T) {
	e := newEnv(t)
	e.adapter(t, "http")
	ctx := context.Background()
	staff := bot.Request{Platform: offsitebot.Slack, UserID: homeID, Text: "link " + e.ref + " parent", Command: true}
	replies := e.router.Handle(ctx, staff)
	code := regexp.MustCompile(`start=([A-Za-z0-9_-]+)`).FindStringSubmatch(replies[0].Text)
	if code == nil {
		t.Fatalf("link gave no code: %q", replies[0].Text)
	}
	parent := bot.Request{Platform: offsitebot.Telegram, UserID: "telegram:4242", Name: "Pat", Chat: "4242"}
	parent.Text = "/start " + code[1]
	if r := e.router.Handle(ctx, parent); !strings.Contains(r[0].Text, e.ref) {
		t.Fatalf("/start answered %q", r[0].Text)
	}
	before := len(e.dmsTo(homeUser))
	parent.Text = "/request Sam is unhappy and we'd like to talk about coming back"
	if r := e.router.Handle(ctx, parent); len(r) == 0 || !strings.Contains(strings.ToLower(r[0].Text), "received") {
		t.Fatalf("/request answered %+v", r)
	}
	dms := e.dmsTo(homeUser)[before:]
	if len(dms) != 1 || !strings.Contains(dms[0], e.ref) || !strings.Contains(dms[0], "Sam is unhappy") {
		t.Errorf("home staff DMs after the parent's request = %q", dms)
	}
}

// hangingStore is a database whose inbox hangs until released.
type hangingStore struct {
	Store
	release chan struct{}
}

func (s hangingStore) KeepInbox(ctx context.Context, e offsitebot.InboxEntry) (bool, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return s.Store.KeepInbox(ctx, e)
}

// TestAckedOnlyOnceKept: a delivery is acknowledged only once it is in the
// inbox. While the database hangs, Slack's request ends unanswered (503, for
// Slack to deliver it again) and a modal stays open; once it answers, every
// delivery is acknowledged, handled and recorded handled.
func TestAckedOnlyOnceKept(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	a := e.adapter(t, "http", func(o *Options) { o.Store = hangingStore{Store: e.db, release: release} })
	a.submitWait = 20 * time.Millisecond

	gaveUp, cancel := context.WithCancel(context.Background())
	cancel() // Slack hung up: its 3 seconds ran out
	w := httptest.NewRecorder()
	a.ServeHTTP(w, sign(t, fakeSecret, formType, slashBody(homeUser, "show "+e.ref, "trig-h1"), time.Now()).WithContext(gaveUp))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("slash command not kept answered %d, want 503", w.Code)
	}

	form := modal(&bot.Form{Flow: "contact", Title: "Log contact", Fields: []bot.Field{
		{Key: "ref", Kind: bot.FieldText, Value: e.ref},
		{Key: "with", Kind: bot.FieldSelect, Choices: []bot.Button{{Label: "receiving school", Data: "receiving"}}},
		{Key: "how", Kind: bot.FieldSelect, Choices: []bot.Button{{Label: "phone", Data: "phone"}}},
		{Key: "summary", Kind: bot.FieldLong},
	}}, "")
	view, _ := json.Marshal(form)
	submit := func(trigger string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, sign(t, fakeSecret, formType, submitView(t, homeUser, trigger, view, map[string]string{
			"with": "receiving", "how": "phone", "summary": "Agreed a reduced timetable",
		}), time.Now()))
		return w
	}
	if w := submit("trig-h2"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("submission not kept within Slack's wait answered %d %q, want 503 that keeps the modal open", w.Code, w.Body)
	}

	close(release)
	a.work.Wait()
	if p := e.fake.Posts(); len(p) != 0 {
		t.Fatalf("answered what was never acknowledged: %+v", p)
	}
	if n := len(e.kase(t).Contacts); n != 0 {
		t.Errorf("contacts = %d from a submission left open, want 0", n)
	}
	if w := serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, "show "+e.ref, "trig-h1"), time.Now())); w.Code != http.StatusOK {
		t.Fatalf("slash command delivered again answered %d", w.Code)
	}
	a.submitWait = 10 * time.Second
	if w := submit("trig-h3"); w.Code != http.StatusOK {
		t.Fatalf("submission again answered %d %q", w.Code, w.Body)
	}
	a.work.Wait()
	if dms := e.dmsTo(homeUser); len(dms) != 2 {
		t.Errorf("DMs = %q, want the show and the contact answers", dms)
	}
	if n := len(e.kase(t).Contacts); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}
	left, err := e.db.InboxLeft(context.Background(), inboxPrefix, time.Time{}, testNow.Add(time.Hour))
	if err != nil || len(left) != 0 {
		t.Errorf("deliveries left unhandled: %d (%v), want 0", len(left), err)
	}
}

// stuck is a router that answers nothing until its work is cancelled.
type stuck struct{}

func (stuck) Handle(ctx context.Context, _ bot.Request) []bot.Reply {
	<-ctx.Done()
	return nil
}

func TestCloseGivesUpOnStuckWork(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http", func(o *Options) { o.Router = stuck{} })
	w := httptest.NewRecorder()
	a.ServeHTTP(w, sign(t, fakeSecret, formType, slashBody(homeUser, "show "+e.ref, "trig-stuck"), time.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("kept delivery answered %d", w.Code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with stuck work = %v, want it to give up with the context's error", err)
	}
	// Cut short, it is not recorded handled: the next run replays it.
	left, err := e.db.InboxLeft(context.Background(), inboxPrefix, time.Time{}, testNow.Add(time.Hour))
	if err != nil || len(left) != 1 {
		t.Errorf("deliveries left for a replay: %d (%v), want 1", len(left), err)
	}
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestWatchdogWarnsWhenSocketIsQuiet(t *testing.T) {
	e := newEnv(t)
	hello := make(chan struct{})
	e.fake.ws = func(c *websocket.Conn) {
		_ = c.WriteJSON(map[string]any{"type": "hello"})
		close(hello)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}
	var mu sync.Mutex
	now := testNow
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ticks := make(chan time.Time)
	e.prepare = func(a *Adapter) { a.watchTick = ticks }
	logs := &logBuffer{}
	e.adapter(t, "socket", func(o *Options) {
		o.Watchdog = 30 * time.Minute
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	// checked sends two ticks: the session loop takes the second only once it
	// has dealt with the first, so the log then shows what the first did.
	checked := func() int {
		t.Helper()
		for range 2 {
			select {
			case ticks <- time.Time{}:
			case <-time.After(10 * time.Second):
				t.Fatal("the socket session is not checking its watchdog")
			}
		}
		return strings.Count(logs.String(), "nothing received")
	}
	<-hello
	if n := checked(); n != 0 {
		t.Fatalf("warned before the clock moved: %s", logs)
	}
	// What Slack sent (hello, connected) may be handled between our ticks and
	// reset the silence; it is a few events, so a few hours are enough.
	for i := 0; checked() == 0; i++ {
		if i == 10 {
			t.Fatalf("no watchdog warning after %d hours of silence; logs: %s", i, logs)
		}
		advance(time.Hour)
	}
	if n := checked(); n != 1 {
		t.Errorf("warned %d times for one silence", n)
	}
}

func TestNewChecksOptions(t *testing.T) {
	db := storagetest.New(t)
	r := bot.NewRouter(db, db, nil, time.Now, slog.New(slog.DiscardHandler))
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"socket", Options{BotToken: "xoxb", AppToken: "xapp", Router: r, Store: db}, true},
		{"http", Options{BotToken: "xoxb", SigningSecret: "s", Mode: "http", Router: r, Store: db}, true},
		{"no bot token", Options{AppToken: "xapp", Router: r, Store: db}, false},
		{"socket without app token", Options{BotToken: "xoxb", Router: r, Store: db}, false},
		{"http without signing secret", Options{BotToken: "xoxb", Mode: "http", Router: r, Store: db}, false},
		{"unknown mode", Options{BotToken: "xoxb", AppToken: "xapp", Mode: "rtm", Router: r, Store: db}, false},
		{"no router", Options{BotToken: "xoxb", AppToken: "xapp", Store: db}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.opts)
			if (err == nil) != tc.ok || (a != nil) != tc.ok {
				t.Errorf("New = %v, %v; want ok %v", a, err, tc.ok)
			}
		})
	}
}

func TestRunStopsOnRevokedBotToken(t *testing.T) {
	e := newEnv(t)
	a, err := New(Options{BotToken: "xoxb-revoked", SigningSecret: fakeSecret, Mode: "http", APIURL: e.fake.URL(),
		Router: e.router, Store: e.db, Sleep: e.sleeps.sleep})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Run(ctx); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run with a revoked token = %v, want the invalid_auth error", err)
	}
	if got := e.sleeps.all(); len(got) != 0 {
		t.Errorf("retried a token no retry can cure: waits %v", got)
	}
}

func TestSameCommandTypedAgainRunsAgain(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	// Two commands alike but for their triggers, and two with none at all:
	// each is a new command, not a replay.
	for _, trigger := range []string{"trig-again-1", "trig-again-2", "", ""} {
		if w := serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, "show "+e.ref, trigger), time.Now())); w.Code != http.StatusOK {
			t.Fatalf("ack %d", w.Code)
		}
	}
	if dms := e.dmsTo(homeUser); len(dms) != 4 {
		t.Errorf("the same command 4 times answered %d times, want 4", len(dms))
	}
}

// TestKeptDeliveryReplayedAfterCrash: a slash command kept and acknowledged
// by a process that died before handling it is handled once after a
// restart, by one replica, as soon as it is older than bot.ReplayAfter.
func TestKeptDeliveryReplayedAfterCrash(t *testing.T) {
	e := newEnv(t)
	dead := e.adapter(t, "http", func(o *Options) { o.Router = stuck{} })
	w := httptest.NewRecorder()
	dead.ServeHTTP(w, sign(t, fakeSecret, formType, slashBody(homeUser, "show "+e.ref, "trig-crash"), time.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("kept delivery answered %d", w.Code)
	}
	dm, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": fakeTeam, "event_id": "EvCrash", "event_time": 1764000000,
		"event": map[string]any{"type": "message", "channel": "D" + homeUser, "channel_type": "im", "user": homeUser, "text": "cases", "ts": "1764000100.000900"}})
	w = httptest.NewRecorder()
	dead.ServeHTTP(w, sign(t, fakeSecret, "application/json", dm, time.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("kept event answered %d", w.Code)
	}
	crashed, cancel := context.WithCancel(context.Background())
	cancel()
	_ = dead.Close(crashed) // killed: the work in flight never finishes

	clk := bottest.NewClock(testNow.Add(time.Minute))
	restarted := func() *Adapter {
		a, err := New(Options{BotToken: fakeBotToken, SigningSecret: fakeSecret, APIURL: strings.TrimSuffix(e.fake.URL(), "/"),
			Mode: "http", Router: e.router, Store: e.db, Now: clk.Now, Sleep: e.sleeps.sleep, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, b := restarted(), restarted()
	ctx := context.Background()
	if n, err := a.inbox.Replay(ctx, a.replay); n != 0 || err != nil {
		t.Fatalf("replayed %d (%v) a minute after it was kept, want none yet", n, err)
	}
	clk.Add(bot.ReplayAfter)
	var n [2]int
	var wg sync.WaitGroup
	for i, r := range []*Adapter{a, b} {
		wg.Go(func() {
			var err error
			if n[i], err = r.inbox.Replay(ctx, r.replay); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n[0]+n[1] != 2 {
		t.Errorf("replayed %d deliveries, want the slash command and the message once each", n[0]+n[1])
	}
	dms := strings.Join(e.dmsTo(homeUser), "\n")
	if len(e.dmsTo(homeUser)) != 2 || strings.Count(dms, e.ref) < 2 || !strings.Contains(dms, "Sam Taylor (born") {
		t.Errorf("DMs after the replay = %q, want the case shown and the case list", dms)
	}
	if n, err := a.inbox.Replay(ctx, a.replay); n != 0 || err != nil {
		t.Errorf("replayed again: %d (%v)", n, err)
	}
}

// TestAttendanceChoiceIsAnAnswer: receiving-school staff press the guided
// attendance question's own first choice, "/ present", for each session: it
// is taken as the answer, not as a command.
func TestAttendanceChoiceIsAnAnswer(t *testing.T) {
	e := newEnv(t)
	const recvUser = "U0RECV"
	if err := e.db.PutIdentity(context.Background(), offsitebot.Identity{ID: "slack:" + fakeTeam + ":" + recvUser, Role: offsitebot.RoleReceiving, Name: "Kim", URN: "100002", Created: testNow}); err != nil {
		t.Fatal(err)
	}
	a := e.adapter(t, "http")
	say := func(i int, text string) {
		t.Helper()
		dm, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": fakeTeam, "event_id": fmt.Sprint("Ev0ATT", i), "event_time": 1764000000,
			"event": map[string]any{"type": "message", "channel": "D" + recvUser, "channel_type": "im", "user": recvUser,
				"text": text, "ts": fmt.Sprintf("1764000100.00020%d", i)}})
		if w := serve(t, a, sign(t, fakeSecret, "application/json", dm, time.Now())); w.Code != http.StatusOK {
			t.Fatalf("ack %d", w.Code)
		}
	}
	say(0, "attendance "+e.ref)
	// press finds the button labelled so on the last message posted and presses it.
	press := func(i int, question, label string) {
		t.Helper()
		posts := e.fake.Posts()
		q := posts[len(posts)-1]
		if !strings.Contains(q.Text, question) {
			t.Fatalf("last post %q, want the question %q", q.Text, question)
		}
		var blocks []struct {
			Type     string `json:"type"`
			BlockID  string `json:"block_id"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
				Text     struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(q.Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			for _, el := range b.Elements {
				if el.Text.Text != label {
					continue
				}
				ts := fmt.Sprintf("1764000200.00000%d", i)
				payload := interaction(map[string]any{
					"type": "block_actions", "team": map[string]any{"id": fakeTeam}, "user": map[string]any{"id": recvUser, "username": "kim"},
					"trigger_id": fmt.Sprint("trig-att-", i), "api_app_id": "A0APP",
					"container": map[string]any{"type": "message", "channel_id": "D" + recvUser, "message_ts": ts},
					"message":   map[string]any{"text": q.Text, "ts": ts, "blocks": json.RawMessage(q.Blocks)},
					"actions": []any{map[string]any{"type": "button", "action_id": el.ActionID, "block_id": b.BlockID, "value": el.Value,
						"text": map[string]any{"type": "plain_text", "text": el.Text.Text}, "action_ts": ts}},
				})
				if w := serve(t, a, sign(t, fakeSecret, formType, payload, time.Now())); w.Code != http.StatusOK {
					t.Fatalf("ack %d", w.Code)
				}
				return
			}
		}
		t.Fatalf("no “%s” button in %s", label, q.Blocks)
	}
	press(1, "The morning (AM) code?", "/ present")
	press(2, "And the afternoon (PM) code?", "/ present")
	dms := strings.Join(e.dmsTo(recvUser), "\n")
	if !strings.Contains(dms, "Recorded for "+e.ref+", Wed 2 Dec: AM /, PM /.") || strings.Contains(dms, "didn't understand") {
		t.Errorf("DMs:\n%s\nwant the day recorded", dms)
	}
	// Absent… offers E (suspended) as a button too.
	say(1, "attendance "+e.ref+" today absent")
	press(3, "Which code?", "E suspended")
	if dms := strings.Join(e.dmsTo(recvUser), "\n"); !strings.Contains(dms, "AM E, PM E") {
		t.Errorf("DMs:\n%s\nwant the day recorded as E", dms)
	}
}

// inOrder is a router that records what it is asked, holding the first
// request until release is closed.
type inOrder struct {
	mu      sync.Mutex
	got     []string
	release chan struct{}
	other   chan struct{} // closed when the other person was answered
}

func (o *inOrder) Handle(ctx context.Context, req bot.Request) []bot.Reply {
	if req.Text == "m0" {
		<-o.release
	}
	o.mu.Lock()
	o.got = append(o.got, req.Text)
	o.mu.Unlock()
	if req.Text == "other" {
		close(o.other)
	}
	return []bot.Reply{{Text: "ok " + req.Text}}
}

// TestQuickMessagesHandledInOrder: several messages from one person in quick
// succession are handled in the order they came, even while the first is
// slow; another person's do not wait for them.
func TestQuickMessagesHandledInOrder(t *testing.T) {
	e := newEnv(t)
	router := &inOrder{release: make(chan struct{}), other: make(chan struct{})}
	a := e.adapter(t, "http", func(o *Options) { o.Router = router })
	message := func(user, id, text string) []byte {
		b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": fakeTeam, "event_id": id, "event_time": 1764000000,
			"event": map[string]any{"type": "message", "channel": "D" + user, "channel_type": "im", "user": user, "text": text, "ts": "1764000100." + id}})
		return b
	}
	for i := range 5 {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, sign(t, fakeSecret, "application/json", message(homeUser, fmt.Sprint("Ev", i), fmt.Sprint("m", i)), time.Now()))
		if w.Code != http.StatusOK {
			t.Fatalf("ack %d", w.Code)
		}
	}
	// Someone else is answered while the first person's first message is held.
	a.ServeHTTP(httptest.NewRecorder(), sign(t, fakeSecret, "application/json", message("U0OTHER", "EvO", "other"), time.Now()))
	<-router.other
	router.mu.Lock()
	early := slices.Clone(router.got)
	router.mu.Unlock()
	if !slices.Equal(early, []string{"other"}) {
		close(router.release)
		t.Fatalf("handled while the first message was held: %q, want only the other person's", early)
	}
	close(router.release)
	a.work.Wait()
	if want := []string{"other", "m0", "m1", "m2", "m3", "m4"}; !slices.Equal(router.got, want) {
		t.Errorf("handled in the order %q, want %q", router.got, want)
	}
}

// telegramFiles stands in for the Telegram adapter: it fetches the files
// it keeps, and its people are not reached from here.
type telegramFiles map[string][]byte

func (t telegramFiles) Send(context.Context, string, bot.Reply) error { return bot.ErrNoSender }

func (t telegramFiles) Fetch(_ context.Context, source string) ([]byte, error) {
	if b, ok := t[source]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("no file %s", source)
}

// A photo a parent sends on Telegram reaches home staff in their Slack DM
// as a file, uploaded there (files.getUploadURLExternal, the upload,
// files.completeUploadExternal), with the words that came with it.
func TestParentPhotoUploadedToHomeStaff(t *testing.T) {
	e := newEnv(t)
	e.adapter(t, "http")
	ctx := context.Background()
	photo := []byte("\xff\xd8\xff\xe0 a letter from the hospital")
	e.disp.Register(offsitebot.Telegram, telegramFiles{"telegram:photo:AgAD1": photo})
	replies := e.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: homeID, Text: "link " + e.ref + " parent", Command: true})
	code := regexp.MustCompile(`start=([A-Za-z0-9_-]+)`).FindStringSubmatch(replies[0].Text)
	if code == nil {
		t.Fatalf("link gave no code: %q", replies[0].Text)
	}
	parent := bot.Request{Platform: offsitebot.Telegram, UserID: "telegram:4242", Name: "Pat", Chat: "4242", Text: "/start " + code[1]}
	e.router.Handle(ctx, parent)
	parent.Text, parent.Media = "From the hospital", bot.MediaPhoto
	parent.File = &offsitebot.FileRef{Source: "telegram:photo:AgAD1", Name: "photo.jpg", Type: "image/jpeg", Size: int64(len(photo))}
	if r := e.router.Handle(ctx, parent); !strings.Contains(r[0].Text, "passed your photo") {
		t.Fatalf("the parent was told %q", r[0].Text)
	}
	if dms := strings.Join(e.dmsTo(homeUser), "\n"); !strings.Contains(dms, "sent a photo about S.T.") || !strings.Contains(dms, "From the hospital") {
		t.Errorf("home staff DMs: %q", dms)
	}
	files := e.fake.Files()
	if len(files) != 1 || files[0].Channel != "D"+homeUser || files[0].Name != "photo.jpg" || !bytes.Equal(files[0].Data, photo) {
		t.Errorf("uploads: %+v", files)
	}
	// The chronology keeps where the photo is: file fetches it again.
	cts := e.kase(t).Contacts
	again := e.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: homeID, Text: "file " + e.ref + " " + cts[len(cts)-1].ID, Command: true})
	if len(again) != 1 || again[0].File == nil || !bytes.Equal(again[0].File.Data, photo) {
		t.Errorf("file answered %+v", again)
	}
}

// Receiving-school staff and LA officers who use offsitebot as staff on
// Slack (not linked by code) are told as those linked are: the receiving
// school's staff are invited and told of the end; where the pupil has an
// EHC plan, LA officers are invited and told of each decision; someone who
// is both staff and linked is told once.
func TestReceivingStaffAndLAOnSlackAreTold(t *testing.T) {
	e := newEnv(t)
	e.adapter(t, "http")
	ctx := context.Background()
	const recvUser, laUser, otherRecv = "U0RECV", "U0LA", "U0ELSE"
	for _, id := range []offsitebot.Identity{
		{ID: "slack:" + fakeTeam + ":" + recvUser, Role: offsitebot.RoleReceiving, URN: "100002", Name: "Li Wong"},
		{ID: "slack:" + fakeTeam + ":" + laUser, Role: offsitebot.RoleLA, Name: "Pat Moss"},
		{ID: "slack:" + fakeTeam + ":" + otherRecv, Role: offsitebot.RoleReceiving, URN: "100009", Name: "Not this school"},
	} {
		id.Created = testNow
		if err := e.db.PutIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	laID := "slack:" + fakeTeam + ":" + laUser
	_, err := e.db.UpdateCase(ctx, e.ref, func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		c.EHCP = true
		// The officer is linked to the case as well: told once all the same.
		c.People = append(c.People, offsitebot.Person{ID: laID, Role: offsitebot.RoleLA, Name: "Pat Moss", Joined: testNow})
		c.Meetings = append(c.Meetings, offsitebot.Meeting{ID: "M1", At: testNow.Add(-48 * time.Hour), Mode: offsitebot.InPerson, Scheduled: testNow.Add(-10 * 24 * time.Hour), By: homeID})
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	home := func(text string, command bool) string {
		t.Helper()
		var out []string
		for _, r := range e.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: homeID, Text: text, Command: command}) {
			out = append(out, r.Text)
		}
		return strings.Join(out, "\n")
	}
	dms := func(user, substr string) []string {
		var out []string
		for _, s := range e.dmsTo(user) {
			if strings.Contains(s, substr) {
				out = append(out, s)
			}
		}
		return out
	}
	want := func(what, got string, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(got, s) {
				t.Fatalf("%s: %q\nwant %q in it", what, got, s)
			}
		}
	}

	got := home("review "+e.ref+" schedule 2026-12-14 10:00 in-person Room 4", true)
	want("schedule", got, "Invitation sent now to 1 receiving-school contact and 1 LA officer.", "No parent is linked on offsitebot")
	for _, u := range []string{recvUser, laUser} {
		inv := dms(u, "You're invited to a review meeting")
		if len(inv) != 1 {
			t.Fatalf("%s got %d invitations: %q", u, len(inv), e.dmsTo(u))
		}
		want("invitation to "+u, inv[0], "S.T. ("+e.ref+")", "Room 4")
		if strings.Contains(inv[0], "Sam") {
			t.Errorf("an invitation to staff names the pupil: %s", inv[0])
		}
	}
	if got := e.dmsTo(otherRecv); len(got) != 0 {
		t.Errorf("another school's receiving staff were told: %q", got)
	}
	answer := e.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: "slack:" + fakeTeam + ":" + recvUser, Data: "/answer " + e.ref + " M2 yes", Command: true})
	want("the receiving staff answer", answer[0].Text, "see you on Mon 14 Dec 10:00")
	want("show", home("show "+e.ref, true), "invited 2", "can come: Li Wong (receiving staff)", "not said yet: Pat Moss (la)")

	got = home("review "+e.ref+` outcome M1 met=yes successes="Settled well" voice="Ready to go back" concerns=none interventions="Daily check-in" decision=reintegrate plan="Back at Oakfield from Monday" attended="Li Wong"`, true)
	want("outcome", got, "recorded", "The local authority was sent it too (1 LA officer)")
	decided := dms(laUser, "After the review meeting on")
	if len(decided) != 1 {
		t.Fatalf("the LA officer got %d decisions: %q", len(decided), e.dmsTo(laUser))
	}
	want("decision to the LA", decided[0], "S.T. goes back to Oakfield Primary full time", "For the local authority's information")
	if got := dms(recvUser, "After the review meeting on"); len(got) != 0 {
		t.Errorf("the receiving school was sent the decision: %q", got)
	}

	want("end", home("end "+e.ref+" reintegrated", true), "End the off-site direction")
	want("ended", home("yes", false), "ended today")
	ended := dms(recvUser, "ended on")
	if len(ended) != 1 {
		t.Fatalf("receiving staff told of the end %d times: %q", len(ended), e.dmsTo(recvUser))
	}
	want("end to the receiving staff", ended[0], "The off-site direction of S.T. ("+e.ref+") ended on Wed 2 Dec", "No more attendance is needed from Riverside Academy")
	if got := dms(laUser, "ended on"); len(got) != 1 {
		t.Errorf("the LA officer told of the end %d times: %q", len(got), e.dmsTo(laUser))
	}
}
