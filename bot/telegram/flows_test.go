package telegram

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

func (e *env) joinCode(code, ref string, role offsitebot.Role) {
	e.t.Helper()
	jc := offsitebot.JoinCode{Code: code, Case: ref, Role: role, Created: e.clk.Now(), CreatedBy: "slack:T1:U1", Expires: e.clk.Now().Add(offsitebot.JoinCodeLife)}
	if err := e.db.CreateJoinCode(e.ctx, jc); err != nil {
		e.t.Fatal(err)
	}
}

func TestJoinCodeUsedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.newCase("OSD-7K2Q", "Sam Taylor", 0)
	e.joinCode("9fQ2kX7pL0aZ", "OSD-7K2Q", offsitebot.RoleParent)
	pat, other := user(1101, "Pat"), user(1102, "Chris")
	if got := e.say(pat, "/start 9fQ2kX7pL0aZ"); len(got) != 1 || !strings.Contains(got[0].Text, "connected to OSD-7K2Q") {
		t.Fatalf("first use: %+v", got)
	}
	got := e.say(other, "/start 9fQ2kX7pL0aZ")
	if len(got) != 1 || !strings.Contains(got[0].Text, "already been used") {
		t.Errorf("second use: %+v", got)
	}
	if id, _ := e.db.Identity(e.ctx, "telegram:1102"); id != nil && len(id.Cases) > 0 {
		t.Errorf("second user linked: %+v", id)
	}
}

// Wrong join codes are limited by the join command, for every platform; on
// Telegram each attempt is counted once, by that command alone.
func TestWrongJoinCodesLimitedOnce(t *testing.T) {
	t.Parallel()
	e, _ := newJourneyEnv(t)
	e.newCase("OSD-7K2Q", "Sam Taylor", 0)
	e.joinCode("GOODCODE0001", "OSD-7K2Q", offsitebot.RoleParent)
	e.joinCode("GOODCODE0002", "OSD-7K2Q", offsitebot.RoleParent)
	guesser, neighbour := user(1201, "Guess"), user(1202, "Nell")
	const wrong, tooMany = "isn't one I know", "too many codes that didn't work"
	attempts := func(u *models.User) int {
		t.Helper()
		hour := e.clk.Now().UTC().Truncate(time.Hour)
		n, err := e.db.IncCounter(e.ctx, "join:"+userID(u)+":"+hour.Format("2006010215"), 0, hour.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Four wrong codes, then a right one: it works and is not counted.
	for range 4 {
		if got := e.say(guesser, "/start WRONGCODE"); len(got) != 1 || !strings.Contains(got[0].Text, wrong) {
			t.Fatalf("wrong code: %+v", got)
		}
	}
	if got := e.say(guesser, "/start GOODCODE0001"); !strings.Contains(msgTexts(got), "connected") {
		t.Fatalf("right code after 4 wrong: %+v", got)
	}
	// One more wrong makes 5: still tried. The 6th is not tried at all,
	// even when it is right, however the join command is reached.
	if got := e.say(guesser, "/start WRONGCODE"); !strings.Contains(msgTexts(got), wrong) {
		t.Fatalf("5th wrong code: %+v", got)
	}
	if n := attempts(guesser); n != 5 {
		t.Fatalf("%d wrong codes counted, want 5: each once", n)
	}
	for _, text := range []string{"/start GOODCODE0002", "start GOODCODE0002", `"/start" GOODCODE0002`, "/START@offsitebot GOODCODE0002"} {
		if got := e.say(guesser, text); len(got) != 1 || !strings.Contains(got[0].Text, tooMany) {
			t.Fatalf("over the limit, %q: %+v, want the kind refusal", text, got)
		}
	}
	if id, _ := e.db.Identity(e.ctx, userID(guesser)); id == nil || len(id.Cases) != 1 {
		t.Errorf("a code was used despite the limit: %+v", id)
	}
	// Another person is not affected; /start without a code is not an attempt.
	if got := e.say(neighbour, "/start WRONGCODE"); !strings.Contains(msgTexts(got), wrong) {
		t.Errorf("another user: %+v", got)
	}
	if got := e.say(guesser, "/start"); strings.Contains(msgTexts(got), tooMany) {
		t.Errorf("/start alone: %+v", got)
	}
	// An hour later they may try again.
	e.clk.Add(time.Hour)
	if got := e.say(guesser, "/start GOODCODE0002"); !strings.Contains(msgTexts(got), "connected") {
		t.Errorf("an hour later: %+v", got)
	}

	// Guesses at once are counted too: of 10 concurrent wrong codes 5 are tried.
	e.clk.Add(time.Hour)
	before := len(e.api.sent(guesser.ID))
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { e.post(e.api.queue(textUpdate(guesser, "/start WRONGCODE")), secret) })
	}
	wg.Wait()
	if tried := strings.Count(msgTexts(e.api.sent(guesser.ID)[before:]), wrong); tried != 5 {
		t.Errorf("%d of 10 concurrent guesses tried, want 5", tried)
	}
}

func TestButtons(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pat := user(1301, "Pat")
	prompt := e.say(pat, "/ask")
	if len(prompt) != 1 || len(prompt[0].Buttons) != 1 || len(prompt[0].Buttons[0]) != 2 {
		t.Fatalf("prompt: %+v", prompt)
	}
	short, long := prompt[0].Buttons[0][0].CallbackData, prompt[0].Buttons[0][1].CallbackData
	if short != "/pick yes" || !strings.HasPrefix(long, "cb:") || len(long) > maxCallbackData {
		t.Fatalf("callback data %q, %q", short, long)
	}

	// Pressing: the router gets the data as a command, the spinner is
	// stopped, and the prompt shows what was recorded, without buttons.
	answered := e.api.count(&e.api.answered)
	if got := e.tap(pat, prompt[0].ID, long); len(got) != 0 {
		t.Fatalf("after the press: new messages %+v, want the answer in the prompt", got)
	}
	if e.api.count(&e.api.answered) != answered+1 {
		t.Error("callback query not answered")
	}
	m := e.api.sent(pat.ID)[0]
	if want := "Can you come?\n\nRecorded: " + strings.Repeat("x", 80); m.Text != want || len(m.Buttons) != 0 {
		t.Errorf("edited prompt %q with %d button rows, want %q and none", m.Text, len(m.Buttons), want)
	}
	if got := e.audit(); !slices.Equal(got, []string{"pick " + strings.Repeat("x", 80)}) {
		t.Errorf("recorded %q", got)
	}

	// The answered prompt has no buttons: an old press (or a forged one) is refused.
	for _, data := range []string{short, "/pick forged", "cb:AAAAAAAAAAAAAAAAAAAA"} {
		runs := e.count("pick")
		got := e.tap(pat, prompt[0].ID, data)
		if len(got) != 1 || got[0].Text != bot.MsgButtonExpired || e.count("pick") != runs {
			t.Errorf("press of %q on an answered prompt: %+v (pick ran %d times)", data, got, e.count("pick")-runs)
		}
	}

	// A press whose answer is another question: the prompt shows the
	// choice, and the question comes as a new message with its buttons.
	menu := e.say(pat, "/menu")[0]
	got := e.tap(pat, menu.ID, "/ask")
	if len(got) != 1 || got[0].Text != "Can you come?" || len(got[0].Buttons) != 1 {
		t.Errorf("follow-up question: %+v", got)
	}
	for _, m := range e.api.sent(pat.ID) {
		if m.ID == menu.ID && (m.Text != "Attendance for S.T. today?\n\n✓ Absent…" || len(m.Buttons) != 0) {
			t.Errorf("answered menu reads %q with %d button rows", m.Text, len(m.Buttons))
		}
	}

	// Stored long data is bound to its chat.
	other := user(1302, "Chris")
	p2 := e.say(other, "/ask")
	if p2[0].Buttons[0][1].CallbackData == long {
		t.Error("two chats share a stored button key")
	}
	if _, ok := e.a.resolveData(e.ctx, other.ID, long); ok {
		t.Error("another chat resolved the first chat's button")
	}
}

// A parent of case A reaches nothing of case B, whatever they type or press.
func TestCaseIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.newCase("OSD-AAAA", "Alice Archer", 1401)
	e.newCase("OSD-BBBB", "Bobby Brown", 1402)
	parentA := user(1401, "Pat")
	attempts := []string{
		"/status OSD-BBBB", "/status osd-bbbb", "/status ref=OSD-BBBB", "/request OSD-BBBB please meet",
		"/answer OSD-BBBB M1 yes", "OSD-BBBB", "/status OSD-AAAA OSD-BBBB",
	}
	for _, text := range attempts {
		if got := e.say(parentA, text); len(got) == 0 {
			t.Errorf("%q: no answer", text)
		}
	}
	// Forged button data naming B, on a real prompt.
	prompt := e.say(parentA, "/ask")[0]
	for _, data := range []string{"/answer OSD-BBBB M1 yes", "/request OSD-BBBB x"} {
		e.tap(parentA, prompt.ID, data)
	}
	// Everything they were ever shown, as it reads now (prompts get edited).
	for _, m := range e.api.sent(parentA.ID) {
		if strings.Contains(m.Text, "Bobby") || strings.Contains(m.Text, "Brown") {
			t.Errorf("parent of A saw B's pupil: %q", m.Text)
		}
	}
	for _, ev := range e.audit() {
		t.Errorf("something was recorded: %q", ev)
	}
	// Their own case still works.
	if got := e.say(parentA, "/status OSD-AAAA"); !strings.Contains(got[0].Text, "Alice") {
		t.Errorf("own case: %+v", got)
	}
}

func TestPollingOneReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clk.Advance(false) // the test moves the clock; sleeps are short real waits
	start := func(holder string) (*Adapter, context.CancelFunc, chan error) {
		a, err := New(Options{
			Token: testToken, APIURL: e.api.URL(), Router: e.router, Store: e.db,
			Now: e.clk.Now, Sleep: e.clk.Sleep, Holder: holder, PollTimeout: 2 * time.Second, LeaseTTL: 30 * time.Second,
			Log: slog.New(slog.NewTextHandler(e.logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		return a, cancel, done
	}

	_, stopA, doneA := start("replica-a")
	_, stopB, doneB := start("replica-b")
	defer stopB()

	pat := user(1501, "Pat")
	for i := range 5 {
		e.api.queue(textUpdate(pat, "/echo "+itoa(i)))
	}
	e.api.waitSent(pat.ID, 5)
	// Some polls later, still no conflict.
	polls := e.api.count(&e.api.polls)
	e.api.queue(textUpdate(pat, "/echo 5"))
	e.api.waitSent(pat.ID, 6)
	e.api.waitFor("another poll", func() bool { return e.api.count(&e.api.polls) > polls })
	if n := e.api.count(&e.api.conflicts); n != 0 {
		t.Errorf("%d getUpdates conflicts with two replicas", n)
	}

	// The holder stops (a rolling restart): the other takes over at once.
	stopA()
	if err := <-doneA; err != nil {
		t.Errorf("Run returned %v", err)
	}
	e.api.queue(textUpdate(pat, "/echo 6"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(e.logs.String())
		}
	})
	got := e.api.waitSent(pat.ID, 7)

	var texts []string
	for _, m := range got {
		texts = append(texts, m.Text)
	}
	want := []string{"echo: 0", "echo: 1", "echo: 2", "echo: 3", "echo: 4", "echo: 5", "echo: 6"}
	if !slices.Equal(texts, want) {
		t.Errorf("replies %q, want %q (each once, in order)", texts, want)
	}
	if n := e.api.count(&e.api.conflicts); n != 0 {
		t.Errorf("%d getUpdates conflicts", n)
	}
	stopB()
	if err := <-doneB; err != nil {
		t.Errorf("Run returned %v", err)
	}
}

func TestPollingTakeOverLapsedLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clk.Advance(false)
	// A replica that died holding the lease: nobody may poll until it lapses.
	if ok, err := e.db.AcquireLease(e.ctx, "telegram-poller:123456", "dead-replica", e.clk.Now(), 30*time.Second); err != nil || !ok {
		t.Fatal(ok, err)
	}
	a, err := New(Options{Token: testToken, APIURL: e.api.URL(), Router: e.router, Store: e.db, Now: e.clk.Now, Sleep: e.clk.Sleep, Holder: "b", PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	pat := user(1601, "Pat")
	e.api.queue(textUpdate(pat, "/echo waiting"))
	// It keeps trying for the lease and does not poll…
	e.api.waitFor("a few lease attempts", func() bool { return len(e.clk.Slept()) >= 5 })
	if n := e.api.count(&e.api.polls); n != 0 {
		t.Fatalf("%d polls while another replica held the lease", n)
	}
	// …until the lease lapses.
	e.clk.Add(31 * time.Second)
	e.api.waitSent(pat.ID, 1)
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestPollingReplaysUnhandled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clk.Advance(false)
	// A replica handled update 1 and stopped before acknowledging it, so
	// Telegram delivers it again with update 2: only update 2 is acted on.
	pat := user(1701, "Pat")
	u1 := e.api.queue(textUpdate(pat, "/echo first"))
	if first, err := e.a.keep(e.ctx, u1); !first || err != nil {
		t.Fatalf("keep: %v %v", first, err)
	}
	e.a.process(e.ctx, u1)
	e.api.queue(textUpdate(pat, "/echo second"))
	a, err := New(Options{Token: testToken, APIURL: e.api.URL(), Router: e.router, Store: e.db, Now: e.clk.Now, Sleep: e.clk.Sleep, PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	got := e.api.waitSent(pat.ID, 2)
	cancel()
	<-done
	if len(got) != 2 || got[0].Text != "echo: first" || got[1].Text != "echo: second" {
		t.Errorf("replies %+v", got)
	}
	if n := e.count("echo"); n != 2 {
		t.Errorf("echo ran %d times, want 2", n)
	}
}

func TestRunRefusedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, err := New(Options{Token: "999:wrong", APIURL: e.api.URL(), Router: e.router, Store: e.db, Now: e.clk.Now, Sleep: e.clk.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(e.ctx); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Run with a wrong token: %v", err)
	}
	// In webhook mode Run registers the webhook with the secret, then waits.
	w, err := New(Options{Token: testToken, Mode: Webhook, WebhookSecret: secret, WebhookURL: "https://bot.example/telegram/webhook",
		APIURL: e.api.URL(), Router: e.router, Store: e.db})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	e.api.waitFor("setWebhook", func() bool {
		e.api.mu.Lock()
		defer e.api.mu.Unlock()
		return e.api.webhook != ""
	})
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}

// TestKeptUpdateReplayedAfterCrash: an update kept (and so acknowledged to
// Telegram) by a process killed before handling it is handled once after a
// restart, once older than bot.ReplayAfter; an update handled is not.
func TestKeptUpdateReplayedAfterCrash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clk.Advance(false)
	pat := user(1801, "Pat")
	if got := e.say(pat, "/echo handled"); len(got) != 1 {
		t.Fatalf("replies %+v", got)
	}
	// The process kept this one, answered 200, and died.
	if first, err := e.a.keep(e.ctx, e.api.queue(textUpdate(pat, "/echo left"))); !first || err != nil {
		t.Fatalf("keep: %v %v", first, err)
	}
	restarted, err := New(Options{Token: testToken, Mode: Webhook, WebhookSecret: secret, APIURL: e.api.URL(),
		Router: e.router, Store: e.db, Now: e.clk.Now, Sleep: e.clk.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := restarted.inbox.Replay(e.ctx, restarted.replay); n != 0 || err != nil {
		t.Fatalf("replayed %d (%v) at once, want none before bot.ReplayAfter", n, err)
	}
	e.clk.Add(bot.ReplayAfter + time.Second)
	if n, err := restarted.inbox.Replay(e.ctx, restarted.replay); n != 1 || err != nil {
		t.Fatalf("replayed %d (%v), want the one left", n, err)
	}
	got := e.api.sent(pat.ID)
	if len(got) != 2 || got[1].Text != "echo: left" {
		t.Errorf("sent %+v, want the handled echo and the replayed one", got)
	}
	if n := e.count("echo"); n != 2 {
		t.Errorf("echo ran %d times, want 2", n)
	}
}

// flakyStore fails to keep one update the first time it is asked to.
type flakyStore struct {
	Store
	mu     sync.Mutex
	failed bool
	key    string
}

func (f *flakyStore) KeepInbox(ctx context.Context, e offsitebot.InboxEntry) (bool, error) {
	f.mu.Lock()
	fail := !f.failed && strings.HasSuffix(e.Key, f.key)
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return false, errors.New("database unreachable")
	}
	return f.Store.KeepInbox(ctx, e)
}

// TestPollingOffsetOnlyPastKept: when an update of a batch cannot be kept,
// polling acknowledges only those before it; it and the rest come again and
// every update is handled once, in order.
func TestPollingOffsetOnlyPastKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clk.Advance(false)
	pat := user(1901, "Pat")
	var ids []int64
	for _, w := range []string{"one", "two", "three"} {
		ids = append(ids, e.api.queue(textUpdate(pat, "/echo "+w)).ID)
	}
	store := &flakyStore{Store: e.db, key: ":" + strconv.FormatInt(ids[1], 10)}
	a, err := New(Options{Token: testToken, APIURL: e.api.URL(), Router: e.router, Store: store, Now: e.clk.Now, Sleep: e.clk.Sleep, PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	got := e.api.waitSent(pat.ID, 3)
	cancel()
	<-done
	var texts []string
	for _, m := range got {
		texts = append(texts, m.Text)
	}
	if want := []string{"echo: one", "echo: two", "echo: three"}; !slices.Equal(texts, want) {
		t.Errorf("replies %q, want %q", texts, want)
	}
	if !store.failed {
		t.Error("the fault was never injected")
	}
	if n := e.count("echo"); n != 3 {
		t.Errorf("echo ran %d times, want 3", n)
	}
}
