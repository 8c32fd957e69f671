package telegram

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/storage"
)

func TestNewOptions(t *testing.T) {
	t.Parallel()
	ok := Options{Token: testToken, Router: noRouter{}, Store: (*storage.DB)(nil)}
	tests := []struct {
		name string
		edit func(o *Options)
		want string // substring of the error, "" for none
	}{
		{"no token", func(o *Options) { o.Token = " " }, "no token"},
		{"no store", func(o *Options) { o.Store = nil }, "required"},
		{"bad mode", func(o *Options) { o.Mode = "push" }, `mode "push"`},
		{"webhook without secret", func(o *Options) { o.Mode = Webhook }, "webhook_secret"},
		{"secret with bad characters", func(o *Options) { o.Mode, o.WebhookSecret = Webhook, "a b" }, "A-Z"},
		{"polling", func(o *Options) {}, ""},
		{"webhook with secret", func(o *Options) { o.Mode, o.WebhookSecret = Webhook, secret }, ""},
	}
	for _, tt := range tests {
		o := ok
		tt.edit(&o)
		a, err := New(o)
		if tt.want == "" {
			if err != nil || a == nil {
				t.Errorf("%s: New() = %v, %v; want an adapter", tt.name, a, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New() error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

type noRouter struct{}

func (noRouter) Handle(context.Context, bot.Request) []bot.Reply { return nil }

func TestWebhookSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := user(501, "Pat")
	tests := []struct {
		name   string
		secret string
		want   int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong", "wrong-token", http.StatusUnauthorized},
		{"prefix of the right one", secret[:len(secret)-1], http.StatusUnauthorized},
		{"right one and more", secret + "x", http.StatusUnauthorized},
		{"other case", strings.ToUpper(secret), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		u := e.api.queue(textUpdate(from, "/echo refused "+tt.name))
		if got := e.post(u, tt.secret); got != tt.want {
			t.Errorf("%s secret: status %d, want %d", tt.name, got, tt.want)
		}
	}
	// Nothing was processed: no command ran, nothing was sent, no update claimed.
	if n := e.count("echo"); n != 0 {
		t.Errorf("echo ran %d times for refused updates", n)
	}
	if got := e.api.sent(from.ID); len(got) != 0 {
		t.Errorf("sent %d messages for refused updates", len(got))
	}
	if n, _ := e.db.Database().Collection("inbox").CountDocuments(e.ctx, map[string]any{}); n != 0 {
		t.Errorf("%d updates kept from refused requests", n)
	}
	// The right secret works, and a GET is not an update.
	if got := e.say(from, "/echo hello"); len(got) != 1 || got[0].Text != "echo: hello" {
		t.Errorf("with the right secret: replies %+v", got)
	}
	status := func(method, secret, body string) int {
		t.Helper()
		req, err := http.NewRequest(method, e.hook.URL+WebhookPath, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(http.MethodGet, secret, ""); got != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", got)
	}
	// A body that is not an update: refused unread without the secret, and
	// as a bad request with it.
	if got := status(http.MethodPost, "", "{not json"); got != http.StatusUnauthorized {
		t.Errorf("garbage without secret: %d, want 401", got)
	}
	if got := status(http.MethodPost, secret, "{not json"); got != http.StatusBadRequest {
		t.Errorf("garbage with the secret: %d, want 400", got)
	}
}

func TestRedelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := user(502, "Pat")

	// The same update three times, one after another…
	u := e.api.queue(textUpdate(from, "/echo once"))
	for range 3 {
		if code := e.post(u, secret); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	// …and another three times at once.
	v := e.api.queue(textUpdate(from, "/echo twice"))
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { e.post(v, secret) })
	}
	wg.Wait()

	if got, want := e.audit(), []string{"echo", "echo"}; !slices.Equal(got, want) {
		t.Errorf("records %q, want %q (one per update)", got, want)
	}
	var texts []string
	for _, m := range e.api.sent(from.ID) {
		texts = append(texts, m.Text)
	}
	if want := []string{"echo: once", "echo: twice"}; !slices.Equal(texts, want) {
		t.Errorf("replies %q, want %q", texts, want)
	}
}

func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := user(503, "Pat")
	got := e.say(from, "/boom")
	if len(got) != 1 || got[0].Text != bot.MsgSomethingWrong {
		t.Errorf("after a panic the person got %+v, want the apology", got)
	}
	if !strings.Contains(e.logs.String(), "panic handling update") {
		t.Error("the panic was not logged")
	}
	if got := e.say(from, "/echo still here"); len(got) != 1 || got[0].Text != "echo: still here" {
		t.Errorf("after the panic: %+v", got)
	}
}

// Close waits for an update being handled, cancels it when its patience runs
// out, and returns only once it has stopped; later deliveries are refused
// for Telegram to send again.
func TestCloseCancelsStuckUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := user(504, "Pat")
	sending, hang := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(hang) })
	defer release()
	e.api.mu.Lock()
	e.api.onSend = func(int64) { close(sending); <-hang } // Telegram hangs
	e.api.mu.Unlock()
	posted := make(chan int, 1)
	u := e.api.queue(textUpdate(from, "/echo hello"))
	go func() { posted <- e.post(u, secret) }()
	<-sending
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if err := e.a.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with a stuck update = %v, want it to give up with the context's error", err)
	}
	if !strings.Contains(e.logs.String(), "reply not delivered") {
		t.Error("Close returned while the update was still being handled")
	}
	select {
	case code := <-posted:
		if code != http.StatusOK {
			t.Errorf("the stuck update was answered %d, want 200: it was claimed", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook request is still hanging after Close")
	}
	release()
	if code := e.post(e.api.queue(textUpdate(from, "/echo again")), secret); code != http.StatusServiceUnavailable {
		t.Errorf("a delivery after Close was answered %d, want 503", code)
	}
}

func TestRepliesRendering(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const chat = 504
	long := strings.Repeat("A line about the plan for next week.\n", 200) // ~7,400 characters
	tests := []struct {
		name  string
		reply bot.Reply
		check func(t *testing.T, got []fakeMsg)
	}{
		{"plain text, no markup", bot.Reply{Text: "Meet at *10:00* in room_2 <b>"}, func(t *testing.T, got []fakeMsg) {
			if len(got) != 1 || got[0].Text != "Meet at *10:00* in room_2 <b>" {
				t.Errorf("got %+v", got)
			}
		}},
		{"long text split, buttons on the last part", bot.Reply{Text: long, Buttons: [][]bot.Button{{{Label: "OK", Data: "ok"}}}}, func(t *testing.T, got []fakeMsg) {
			if len(got) != 2 || len(got[0].Buttons) != 0 || len(got[1].Buttons) != 1 {
				t.Fatalf("got %d parts, buttons %v", len(got), got)
			}
			if joined := got[0].Text + "\n" + got[1].Text; joined != strings.TrimSpace(long) {
				t.Error("the parts do not add up to the text")
			}
		}},
		{"file with a short text as caption", bot.Reply{Text: "Your export", File: &bot.File{Name: "OSD-7K2Q.json", Data: []byte(`{"ref":"OSD-7K2Q"}`)}}, func(t *testing.T, got []fakeMsg) {
			if len(got) != 1 || got[0].Document != "OSD-7K2Q.json" || string(got[0].Data) != `{"ref":"OSD-7K2Q"}` || got[0].Text != "Your export" {
				t.Errorf("got %+v", got)
			}
		}},
		{"a picture as a photo", bot.Reply{Text: "Attendance", File: &bot.File{Name: "OSD-7K2Q-attendance.png", ContentType: "image/png", Data: picture}}, func(t *testing.T, got []fakeMsg) {
			if len(got) != 1 || !got[0].Photo || got[0].Document != "" || !bytes.Equal(got[0].Data, picture) || got[0].Text != "Attendance" {
				t.Errorf("got %+v", got)
			}
		}},
		{"a PDF as a document, buttons on the text before it", bot.Reply{Text: "Your letter", Buttons: [][]bot.Button{{{Label: "I can come", Data: "/answer yes"}}},
			File: &bot.File{Name: "OSD-7K2Q-invite-M2.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 …")}}, func(t *testing.T, got []fakeMsg) {
			if len(got) != 2 || got[0].Text != "Your letter" || len(got[0].Buttons) != 1 || got[1].Document != "OSD-7K2Q-invite-M2.pdf" || got[1].Photo {
				t.Errorf("got %+v", got)
			}
		}},
		{"only buttons", bot.Reply{Buttons: [][]bot.Button{{{Label: "1", Data: "1"}, {Label: "2", Data: "2"}}}}, func(t *testing.T, got []fakeMsg) {
			if len(got) != 1 || got[0].Text != bot.MsgChoose || len(got[0].Buttons[0]) != 2 {
				t.Errorf("got %+v", got)
			}
		}},
	}
	for _, tt := range tests {
		before := len(e.api.sent(chat))
		if err := e.a.Send(e.ctx, "telegram:504", tt.reply); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e.api.sent(chat)[before:]) })
	}
	if err := e.a.Send(e.ctx, "slack:T1:U1", bot.Reply{Text: "x"}); err == nil {
		t.Error("Send to a Slack identity: no error")
	}
	// What Telegram refuses as a photo is refused by the fake too.
	wide := pngOf(2100, 100)
	if err := e.a.Send(e.ctx, "telegram:504", bot.Reply{File: &bot.File{Name: "wide.png", ContentType: "image/png", Data: wide}}); err == nil || !strings.Contains(err.Error(), "PHOTO_INVALID_DIMENSIONS") {
		t.Errorf("a picture 21 times as wide as high: %v", err)
	}
}

// picture is a small PNG, as the attendance chart is.
var picture = pngOf(40, 30)

// pngOf is a blank picture w by h pixels; writing one to memory cannot fail.
func pngOf(w, h int) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h)))
	return buf.Bytes()
}

func TestSendWaitsOutRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const chat = 505
	e.api.mu.Lock()
	e.api.limited[chat], e.api.retryAfter = 2, 7
	e.api.mu.Unlock()
	start := e.clk.Now()
	if err := e.a.Send(e.ctx, "telegram:505", bot.Reply{Text: "Your meeting is on Tuesday."}); err != nil {
		t.Fatal(err)
	}
	got := e.api.sent(chat)
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want 1", len(got))
	}
	if n := slices.Index(e.clk.Slept(), 7*time.Second); n < 0 || e.clk.Now().Sub(start) < 14*time.Second {
		t.Errorf("slept %v (clock moved %v), want two waits of retry_after 7s", e.clk.Slept(), e.clk.Now().Sub(start))
	}
	if got[0].At.Sub(start) < 14*time.Second {
		t.Errorf("delivered %v after the first try, want ≥ 14s", got[0].At.Sub(start))
	}

	// Telegram keeps refusing: Send gives up with the 429, not forever.
	e.api.mu.Lock()
	e.api.limited[chat] = 100
	e.api.mu.Unlock()
	if err := e.a.Send(e.ctx, "telegram:505", bot.Reply{Text: "again"}); err == nil || errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("Send under endless 429s: %v, want the 429 error", err)
	}
}

// TestSendRetriedOnNetworkFailure: a send cut off on the network is tried
// again after growing pauses, a bounded number of times.
func TestSendRetriedOnNetworkFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cuts     int
		ok       bool
		attempts int
	}{
		{"two failures", 2, true, 3},
		{"never answers", 100, false, bot.NetRetries + 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			chat := int64(515 + i)
			e.api.mu.Lock()
			e.api.cut = map[int64]int{chat: tt.cuts}
			e.api.mu.Unlock()
			before := len(e.clk.Slept())
			err := e.a.Send(e.ctx, "telegram:"+strconv.FormatInt(chat, 10), bot.Reply{Text: "Your meeting is on Tuesday."})
			if (err == nil) != tt.ok {
				t.Fatalf("Send: %v, want success %v", err, tt.ok)
			}
			e.api.mu.Lock()
			n := e.api.calls["sendMessage"]
			e.api.mu.Unlock()
			if n != tt.attempts {
				t.Errorf("sendMessage called %d times, want %d", n, tt.attempts)
			}
			var backoffs int
			for _, d := range e.clk.Slept()[before:] {
				if d >= 750*time.Millisecond {
					backoffs++
				}
			}
			if backoffs != tt.attempts-1 {
				t.Errorf("slept %v, want %d backoffs", e.clk.Slept()[before:], tt.attempts-1)
			}
			if got := len(e.api.sent(chat)); got != map[bool]int{true: 1}[tt.ok] {
				t.Errorf("sent %d messages", got)
			}
		})
	}
}

func TestBlockedUserInBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.newCase("OSD-7K2Q", "Sam Taylor", 0)
	recipients := []int64{601, 602, 603}
	for _, id := range recipients {
		if err := e.db.PutIdentity(e.ctx, offsitebot.Identity{ID: userID(user(id, "")), Role: offsitebot.RoleParent, Cases: []string{"OSD-7K2Q"}, Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	e.api.mu.Lock()
	e.api.blocked[602] = true
	e.api.mu.Unlock()

	d := bot.NewDispatcher()
	d.Register(offsitebot.Telegram, e.a)
	var errs []error
	for _, id := range recipients {
		errs = append(errs, d.Send(e.ctx, userID(user(id, "")), bot.Reply{Text: "A review meeting is planned for 9 Dec."}))
	}
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("reachable recipients: errors %v", errs)
	}
	if !errors.Is(errs[1], bot.ErrUnreachable) {
		t.Errorf("blocked recipient: error %v, want one wrapping bot.ErrUnreachable", errs[1])
	}
	for _, id := range []int64{601, 603} {
		if len(e.api.sent(id)) != 1 {
			t.Errorf("recipient %d got %d messages, want 1", id, len(e.api.sent(id)))
		}
	}
	// The adapter only reports it: marking is the notifier's (conversations).
	if id, _ := e.db.Identity(e.ctx, "telegram:602"); id == nil || id.Unreachable {
		t.Errorf("identity %+v: the adapter wrote the unreachable mark", id)
	}
}

func TestPacing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Three messages to one chat: about a second apart.
	for i := range 3 {
		if err := e.a.Send(e.ctx, "telegram:701", bot.Reply{Text: strings.Repeat("x", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	got := e.api.sent(701)
	for i := 1; i < len(got); i++ {
		if gap := got[i].At.Sub(got[i-1].At); gap < time.Second {
			t.Errorf("messages %d and %d to one chat %v apart, want ≥ 1s", i-1, i, gap)
		}
	}
	// Sixty chats in a row (a reminder batch): never more than 30 in any
	// second. (In a row, because the test clock jumps on each sleep.)
	for i := range 60 {
		if err := e.a.Send(e.ctx, "telegram:"+itoa(800+i), bot.Reply{Text: "Reminder"}); err != nil {
			t.Fatal(err)
		}
	}
	var at []time.Time
	for i := range 60 {
		for _, m := range e.api.sent(int64(800 + i)) {
			at = append(at, m.At)
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	for i := 30; i < len(at); i++ {
		if at[i].Sub(at[i-30]) < time.Second {
			t.Fatalf("31 messages within %v (from %d)", at[i].Sub(at[i-30]), i-30)
		}
	}
	if len(at) != 60 {
		t.Errorf("%d of 60 sent", len(at))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestGroupsAndNonText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := user(901, "Pat")
	group := textUpdate(from, "/status@offsitebot")
	group.Message.Chat = models.Chat{ID: -1001, Type: models.ChatTypeSupergroup, Title: "Staff room"}
	e.deliver(group)
	if got := e.api.sent(-1001); len(got) != 1 || got[0].Text != bot.MsgPrivateOnly {
		t.Errorf("command in a group: %+v", got)
	}
	chatter := textUpdate(from, "hello all")
	chatter.Message.Chat = group.Message.Chat
	e.deliver(chatter)
	if got := e.api.sent(-1001); len(got) != 1 {
		t.Errorf("plain talk in a group got an answer: %+v", got)
	}
	// A photo, a document and a sticker reach the router as what they are:
	// from someone linked to no case, each is told how to join.
	photo := textUpdate(from, "")
	photo.Message.Photo, photo.Message.Caption = []models.PhotoSize{{FileID: "p"}}, "Sam's certificate"
	doc := textUpdate(from, "")
	doc.Message.Document = &models.Document{FileID: "d", FileName: "letter.pdf"}
	sticker := textUpdate(from, "")
	sticker.Message.Sticker = &models.Sticker{FileID: "s"}
	for _, u := range []*models.Update{photo, doc, sticker} {
		e.deliver(u)
	}
	if got := e.api.sent(from.ID); len(got) != 3 || !strings.Contains(msgTexts(got), "type /start followed by the code") {
		t.Errorf("photo, document and sticker answered:\n%s", msgTexts(got))
	}
	// "/echo@offsitebot" in a private chat is "/echo".
	if got := e.say(from, "/echo@offsitebot hi"); len(got) != 1 || got[0].Text != "echo: hi" {
		t.Errorf("command with the bot's name: %+v", got)
	}
	if e.count("status") != 0 {
		t.Error("a group command reached the router")
	}
}

func TestNoTextInLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := user(902, "Rosalind")
	e.say(from, "/echo Sam has been unhappy at lunchtime")
	e.say(from, "/boom Sam again")
	logs := e.logs.String()
	for _, s := range []string{"unhappy", "Rosalind", "Sam"} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q:\n%s", s, logs)
		}
	}
	if !strings.Contains(logs, "telegram:902") {
		t.Error("logs do not name the user by ID")
	}
}
