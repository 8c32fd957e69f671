package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

var _ Store = (*storage.DB)(nil)
var _ bot.Responder = (*bot.Router)(nil)
var _ bot.Sender = (*Adapter)(nil)

// t0 is the tests' start: Wednesday 2 December 2026, 10:14 London.
var t0 = time.Date(2026, 12, 2, 10, 14, 0, 0, time.UTC)

// testClock is the shared injected clock and sleeper (bottest.Clock): with
// Advance on, a sleep moves the clock on at once (pacing tests); without, it
// waits a moment of real time and leaves the clock to the test (lease tests).
type testClock = bottest.Clock

// env is an adapter in webhook mode on a real database, a fake Bot API and
// a router with test commands.
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *storage.DB
	api    *fakeAPI
	clk    *testClock
	a      *Adapter
	router *bot.Router
	hook   *httptest.Server
	logs   *syncBuffer
	calls  sync.Map // command word -> *atomic.Int32 runs
}

const secret = "s3cret-Token_for-tests"

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), db: storagetest.New(t), clk: newTestClock(t0), logs: &syncBuffer{}}
	e.api = newFakeAPI(t, e.clk.Now)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.router = bot.NewRouter(e.db, e.db, nil, e.clk.Now, log)
	e.register()
	a, err := New(Options{
		Token: testToken, Mode: Webhook, WebhookSecret: secret, APIURL: e.api.URL(),
		Router: e.router, Store: e.db, Now: e.clk.Now, Sleep: e.clk.Sleep, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	e.hook = httptest.NewServer(a)
	t.Cleanup(e.hook.Close)
	return e
}

// post delivers an update to the webhook with the given secret header ("" for none).
func (e *env) post(u *models.Update, secret string) int {
	e.t.Helper()
	body, err := json.Marshal(u)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(e.ctx, http.MethodPost, e.hook.URL+WebhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// deliver queues u on the fake (for its update_id) and posts it with the right secret.
func (e *env) deliver(u *models.Update) *models.Update {
	e.t.Helper()
	e.api.queue(u)
	if code := e.post(u, secret); code != http.StatusOK {
		e.t.Fatalf("webhook answered %d", code)
	}
	return u
}

// say is a person typing text; it returns the replies sent to them since.
func (e *env) say(from *models.User, text string) []fakeMsg {
	e.t.Helper()
	before := len(e.api.sent(from.ID))
	e.deliver(textUpdate(from, text))
	return e.api.sent(from.ID)[before:]
}

// tap presses a button with data on message msg; it returns the messages sent since.
func (e *env) tap(from *models.User, msg int, data string) []fakeMsg {
	e.t.Helper()
	before := len(e.api.sent(from.ID))
	e.deliver(e.api.press(from, msg, data))
	return e.api.sent(from.ID)[before:]
}

func (e *env) count(word string) int {
	v, _ := e.calls.LoadOrStore(word, new(atomic.Int32))
	return int(v.(*atomic.Int32).Load())
}

// register adds the test commands; each counts its runs.
func (e *env) register() {
	counted := func(name string, run bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			v, _ := e.calls.LoadOrStore(name, new(atomic.Int32))
			v.(*atomic.Int32).Add(1)
			return run(ctx, c)
		}
	}
	record := func(ctx context.Context, c bot.Call, what string) error {
		return e.db.AppendAudit(ctx, offsitebot.AuditEvent{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: what, Case: caseRef(c.Case)})
	}
	e.router.Register(
		bot.Command{Name: "echo", Public: true, Run: counted("echo", func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			if err := record(ctx, c, "echo"); err != nil {
				return nil, err
			}
			return []bot.Reply{{Text: "echo: " + strings.Join(c.Args, " ")}}, nil
		})},
		bot.Command{Name: "start", Public: true, Run: counted("start", func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			if len(c.Args) == 0 {
				return []bot.Reply{{Text: "Hello! Type /start and your code."}}, nil
			}
			jc, err := e.db.RedeemJoinCode(ctx, c.Args[0], c.UserID, c.Now)
			if err != nil {
				return nil, err
			}
			if err := e.db.PutIdentity(ctx, offsitebot.Identity{ID: c.UserID, Role: jc.Role, Name: c.Name, Cases: []string{jc.Case}, Created: c.Now}); err != nil {
				return nil, err
			}
			return []bot.Reply{{Text: "You're now connected to " + jc.Case + "."}}, nil
		})},
		bot.Command{Name: "ask", Public: true, Run: counted("ask", func(context.Context, bot.Call) ([]bot.Reply, error) {
			return []bot.Reply{{Text: "Can you come?", Buttons: [][]bot.Button{
				{{Label: "I can come", Data: "/pick yes"}, {Label: "Another time", Data: "/pick " + strings.Repeat("x", 80)}},
			}}}, nil
		})},
		bot.Command{Name: "menu", Public: true, Run: counted("menu", func(context.Context, bot.Call) ([]bot.Reply, error) {
			return []bot.Reply{{Text: "Attendance for S.T. today?", Buttons: [][]bot.Button{{{Label: "Absent…", Data: "/ask"}}}}}, nil
		})},
		bot.Command{Name: "pick", Public: true, Run: counted("pick", func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			if err := record(ctx, c, "pick "+strings.Join(c.Args, " ")); err != nil {
				return nil, err
			}
			if !c.Command {
				return nil, fmt.Errorf("button press arrived without Command")
			}
			return []bot.Reply{{Text: "Recorded: " + strings.Join(c.Args, " ")}}, nil
		})},
		bot.Command{Name: "boom", Public: true, Run: counted("boom", func(context.Context, bot.Call) ([]bot.Reply, error) {
			panic("a bug in a handler")
		})},
		bot.Command{Name: "status", Action: offsitebot.ActView, Run: counted("status", func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
			if c.Case == nil {
				return []bot.Reply{{Text: "Your cases: " + strings.Join(c.Who.Cases, ", ")}}, nil
			}
			return []bot.Reply{{Text: "Status of " + c.Case.Ref + " for " + c.Case.Pupil}}, nil
		})},
		bot.Command{Name: "request", Action: offsitebot.ActRequest, Run: counted("request", func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			if c.Case == nil {
				return nil, offsitebot.Errorf(offsitebot.EInvalid, "Which case?")
			}
			return []bot.Reply{{Text: "Request recorded for " + c.Case.Pupil}}, record(ctx, c, "request")
		})},
		bot.Command{Name: "answer", Action: offsitebot.ActAnswer, Run: counted("answer", func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			if c.Case == nil {
				return nil, offsitebot.Errorf(offsitebot.EInvalid, "Which case?")
			}
			return []bot.Reply{{Text: "Answer recorded for " + c.Case.Pupil}}, record(ctx, c, "answer")
		})},
	)
}

func caseRef(c *offsitebot.Case) string {
	if c == nil {
		return ""
	}
	return c.Ref
}

// syncBuffer collects logs from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// audit returns the actions recorded in the audit collection.
func (e *env) audit() []string {
	e.t.Helper()
	evs, err := e.db.AuditLog(e.ctx, "")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

// newCase stores an active case with a parent linked (telegram:<parent>) if parent != 0.
func (e *env) newCase(ref, pupil string, parent int64) *offsitebot.Case {
	e.t.Helper()
	c := &offsitebot.Case{Ref: ref, Status: offsitebot.Active, Pupil: pupil, DOB: "2013-04-05", HomeURN: "100001", ReceivingURN: "100002",
		Start: "2026-11-02", Opened: t0.Add(-30 * 24 * time.Hour), OpenedBy: "slack:T1:U1"}
	if err := e.db.CreateCase(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	if parent != 0 {
		id := fmt.Sprintf("telegram:%d", parent)
		if err := e.db.PutIdentity(e.ctx, offsitebot.Identity{ID: id, Role: offsitebot.RoleParent, Name: "P", Cases: []string{ref}, Created: t0}); err != nil {
			e.t.Fatal(err)
		}
	}
	return c
}

func newTestClock(t time.Time) *testClock {
	c := bottest.NewClock(t)
	c.Advance(true)
	return c
}
