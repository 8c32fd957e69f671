package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// people, cases and flows are in-memory lookups: the router's own logic is
// under test here; the whole stack on a real database is tested in
// conversations and bot/shell.
type people map[string]offsitebot.Identity

// Identity answers an unknown ID as storage does: not found.
func (p people) Identity(_ context.Context, id string) (*offsitebot.Identity, error) {
	if i, ok := p[id]; ok {
		return &i, nil
	}
	return nil, offsitebot.Errorf(offsitebot.ENotFound, "unknown %s", id)
}

type cases map[string]offsitebot.Case

func (c cases) Case(_ context.Context, ref string) (*offsitebot.Case, error) {
	if k, ok := c[ref]; ok {
		return &k, nil
	}
	return nil, offsitebot.NotFound(ref)
}

// flows has a question waiting for some people; reads counts Pending calls.
type flows struct {
	pending map[string]bot.Pending
	reads   int
}

func (f *flows) Pending(_ context.Context, c bot.Call) (*bot.Pending, error) {
	f.reads++
	if p, ok := f.pending[c.UserID]; ok {
		return &p, nil
	}
	return nil, nil
}

func (f *flows) Answer(_ context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Pending == nil {
		return nil, errors.New("an answer with no flow in progress")
	}
	return []bot.Reply{{Text: "answer: " + c.Text}}, nil
}

func TestRouterChecksBeforeHandlers(t *testing.T) {
	ids := people{
		"slack:T:home":  {ID: "slack:T:home", Role: offsitebot.RoleHome, URN: "100001"},
		"slack:T:other": {ID: "slack:T:other", Role: offsitebot.RoleHome, URN: "100009"},
		"slack:T:recv":  {ID: "slack:T:recv", Role: offsitebot.RoleReceiving, URN: "100002"},
		"slack:T:la":    {ID: "slack:T:la", Role: offsitebot.RoleLA},
		"telegram:1":    {ID: "telegram:1", Role: offsitebot.RoleParent, Cases: []string{"OSD-AAAA"}},
		"telegram:2":    {ID: "telegram:2", Role: offsitebot.RoleParent, Cases: []string{"OSD-BBBB"}},
		"telegram:busy": {ID: "telegram:busy", Role: offsitebot.RoleParent, Cases: []string{"OSD-AAAA"}},
	}
	cs := cases{
		"OSD-AAAA": {Ref: "OSD-AAAA", HomeURN: "100001", ReceivingURN: "100002"},
		"OSD-BBBB": {Ref: "OSD-BBBB", HomeURN: "100001", ReceivingURN: "100002", EHCP: true},
	}
	var ran []string
	fl := &flows{pending: map[string]bot.Pending{"telegram:busy": {Free: true}}}
	r := bot.NewRouter(ids, cs, fl, func() time.Time { return time.Unix(0, 0) }, slog.New(slog.DiscardHandler))
	handler := func(name string) bot.Handler {
		return bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
			ran = append(ran, name)
			ref := ""
			if c.Case != nil {
				ref = c.Case.Ref
			}
			return []bot.Reply{{Text: "ran " + name + " " + ref}}, nil
		})
	}
	r.Register(
		bot.Command{Name: "show", Action: offsitebot.ActView, Run: handler("show")},
		bot.Command{Name: "review", Action: offsitebot.ActReview, Run: handler("review")},
		bot.Command{Name: "request", Action: offsitebot.ActRequest, Run: handler("request")},
		bot.Command{Name: "start", Public: true, Run: handler("start")},
		bot.Command{Name: "attendance", Action: offsitebot.ActAttendance, Run: handler("attendance"), Sub: map[string]bot.Command{
			"chart": {Name: "attendance chart", Action: offsitebot.ActView, Run: handler("chart")},
		}},
	)
	tests := []struct {
		who, text, want string
		runs            bool
	}{
		{"slack:T:home", "show OSD-AAAA", "ran show OSD-AAAA", true},
		{"slack:T:home", "show osd-aaaa", "ran show OSD-AAAA", true}, // references are case-insensitive
		{"slack:T:other", "show OSD-AAAA", "can't find a case OSD-AAAA", false},
		{"slack:T:home", "show OSD-ZZZZ", "can't find a case OSD-ZZZZ", false},
		{"slack:T:recv", "show OSD-AAAA", "ran show", true},
		{"slack:T:recv", "review OSD-AAAA schedule", "can't do that", false},
		{"slack:T:la", "show OSD-BBBB", "ran show", true},
		{"slack:T:la", "request OSD-AAAA la please", "only where the pupil has an EHC plan", false},
		{"slack:T:la", "request OSD-BBBB la please", "ran request", true},
		{"telegram:1", "/show OSD-AAAA", "ran show OSD-AAAA", true},
		{"telegram:1", "/show OSD-BBBB", "can't find a case OSD-BBBB", false},
		{"telegram:1", "/request ref=OSD-BBBB please", "can't find a case OSD-BBBB", false},
		{"telegram:1", "/review OSD-AAAA schedule", "can't do that", false},
		{"telegram:9", "/show OSD-AAAA", "don't know you yet", false},
		{"telegram:9", "/start abc", "ran start", true},
		{"telegram:1", "hello", "didn't understand", false},
		{"telegram:busy", "show me the way", "answer: show me the way", false}, // mid-flow, plain text is an answer
		{"telegram:busy", "/", "answer: /", false},                             // the attendance code, not a command
		{"telegram:busy", "/show OSD-AAAA", "ran show", true},                  // an explicit command runs
		// A variant is checked for its own action: anyone who sees the case
		// may see the chart, only the schools may record attendance.
		{"telegram:1", "/attendance OSD-AAAA chart", "ran chart OSD-AAAA", true},
		{"telegram:1", "/attendance OSD-AAAA Chart", "ran chart OSD-AAAA", true},
		{"telegram:1", "/attendance OSD-AAAA / /", "can't do that", false},
		{"telegram:2", "/attendance OSD-AAAA chart", "can't find a case OSD-AAAA", false},
		{"slack:T:recv", "attendance OSD-AAAA / /", "ran attendance OSD-AAAA", true},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.text, func(t *testing.T) {
			ran = nil
			got := r.Handle(context.Background(), bot.Request{Platform: "test", UserID: tt.who, Text: tt.text})
			if len(got) != 1 || !strings.Contains(got[0].Text, tt.want) {
				t.Fatalf("got %+v, want %q", got, tt.want)
			}
			if (len(ran) > 0) != tt.runs {
				t.Fatalf("handler ran: %v, want %v", ran, tt.runs)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct{ in, want string }{
		{`new pupil="Sam Taylor" dob=2012-03-04`, `new|pupil=Sam Taylor|dob=2012-03-04`},
		{`contact OSD-1 receiving phone Sam's day went well`, `contact|OSD-1|receiving|phone|Sam's|day|went|well`},
		{`request OSD-1 parent “Please meet”`, `request|OSD-1|parent|Please meet`},
		{`  spaced   out  `, `spaced|out`},
		{`place='Room 4'`, `place=Room 4`},
	}
	for _, tt := range tests {
		if got := strings.Join(bot.Split(tt.in), "|"); got != tt.want {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRouteDecision is the decision table of a message: is it the answer to
// the question a flow is waiting on, or a command? The flow is read once per
// message, and each message is logged and counted once.
func TestRouteDecision(t *testing.T) {
	staff := func(id string) offsitebot.Identity {
		return offsitebot.Identity{ID: id, Role: offsitebot.RoleHome, URN: "100001"}
	}
	ids := people{"idle": staff("idle"), "choice": staff("choice"), "free": staff("free"), "done": staff("done")}
	cs := cases{"OSD-AAAA": {Ref: "OSD-AAAA", HomeURN: "100001", ReceivingURN: "100002"}}
	fl := &flows{pending: map[string]bot.Pending{
		"choice": {},           // a choice or a date is asked
		"free":   {Free: true}, // a summary is asked
		"done":   {Done: true}, // all answered; the work was refused
	}}
	var logs bytes.Buffer
	r := bot.NewRouter(ids, cs, fl, func() time.Time { return time.Unix(0, 0) }, slog.New(slog.NewTextHandler(&logs, nil)))
	observed := 0
	r.Observe(func(offsitebot.Platform, string, string, time.Duration) { observed++ })
	ran := func(name string) bot.Handler {
		return bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
			return []bot.Reply{{Text: "ran " + name}}, nil
		})
	}
	r.Register(
		bot.Command{Name: "show", Action: offsitebot.ActView, Run: ran("show")},
		bot.Command{Name: "contact", Action: offsitebot.ActContact, Flow: true, Run: ran("contact")},
		bot.Command{Name: "help", Public: true, Run: ran("help")},
	)
	r.Fallback(bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
		if strings.HasPrefix(c.Text, "when") {
			return []bot.Reply{{Text: "fallback"}}, nil
		}
		return nil, nil
	}))
	const (
		answer   = "answer: "
		unknown  = "didn't understand"
		noCancel = "There's nothing to cancel"
		noBack   = "There's nothing to go back to"
	)
	tests := []struct {
		who, text string
		button    bool // pressed, not typed
		want      string
	}{
		// Nobody is waiting for an answer: commands run, cancel and back say so.
		{"idle", "show", false, "ran show"},
		{"idle", "contact", false, "ran contact"},
		{"idle", "/contact", false, "ran contact"},
		{"idle", "help", false, "ran help"},
		{"idle", "banana", false, unknown},
		{"idle", "when is the meeting", false, "fallback"},
		{"idle", "cancel", false, noCancel},
		{"idle", "/cancel", false, noCancel},
		{"idle", "back", false, noBack},

		// A choice or a date is asked: a command word is a command, unless it
		// is a flow's alone; anything else is an answer, even if wrong.
		{"choice", "show", false, "ran show"},
		{"choice", "show OSD-AAAA", false, "ran show"},
		{"choice", "contact", false, answer},
		{"choice", "contact OSD-AAAA", false, "ran contact"},
		{"choice", "/contact", false, "ran contact"},
		{"choice", "contact", true, "ran contact"},
		{"choice", "help", false, "ran help"},
		{"choice", "banana", false, answer},
		{"choice", "when is the meeting", false, answer},
		{"choice", "/banana", false, unknown},
		{"choice", "/", false, answer}, // the attendance code for present, not a slash command
		{"choice", "/", true, answer},  // pressed as the choice "/ present" too
		{"idle", "/", true, unknown},
		{"choice", "cancel", false, answer},
		{"choice", "/cancel", false, answer},
		{"choice", "back", false, answer},

		// Free text is asked: a command alone or before a case reference is a
		// command; a sentence that starts with a command word is an answer.
		{"free", "show", false, "ran show"},
		{"free", "show OSD-AAAA", false, "ran show"},
		{"free", "show went well today", false, answer},
		{"free", "/show OSD-AAAA", false, "ran show"},
		{"free", "contact", false, answer},
		{"free", "contact OSD-AAAA", false, "ran contact"},
		{"free", "contact OSD-AAAA by phone", false, answer},
		{"free", "help", false, "ran help"},
		{"free", "banana", false, answer},
		{"free", "cancel", false, answer},
		{"free", "back", false, answer},

		// Every question is answered: any command runs; other text retries.
		{"done", "contact", false, "ran contact"},
		{"done", "show", false, "ran show"},
		{"done", "yes", false, answer},
		{"done", "cancel", false, answer},
	}
	for _, tt := range tests {
		name := tt.who + " " + tt.text
		if tt.button {
			name += " (button)"
		}
		t.Run(name, func(t *testing.T) {
			logs.Reset()
			reads, seen := fl.reads, observed
			req := bot.Request{Platform: "test", UserID: tt.who, Text: tt.text, Command: tt.button}
			if tt.button {
				req.Text, req.Data = "", tt.text
			}
			got := r.Handle(context.Background(), req)
			if len(got) != 1 || !strings.Contains(got[0].Text, tt.want) {
				t.Errorf("got %+v, want %q", got, tt.want)
			}
			if n := fl.reads - reads; n != 1 {
				t.Errorf("the flow was read %d times, want once", n)
			}
			if n := strings.Count(logs.String(), "msg=request"); n != 1 || observed-seen != 1 {
				t.Errorf("logged %d times and counted %d times, want once each", n, observed-seen)
			}
		})
	}
}

// TestRouterStripsControlCharacters: what a person sends reaches no handler
// with control characters in it, names and form answers included; newlines
// and tabs stay.
func TestRouterStripsControlCharacters(t *testing.T) {
	var got bot.Call
	r := bot.NewRouter(people{"slack:T:home": {ID: "slack:T:home", Role: offsitebot.RoleHome}}, cases{}, nil,
		func() time.Time { return time.Unix(0, 0) }, slog.New(slog.DiscardHandler))
	r.Register(bot.Command{Name: "note", Public: true, Run: bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
		got = c
		return nil, nil
	})})
	tests := []struct {
		name string
		req  bot.Request
		want bot.Request
	}{
		{"text", bot.Request{Text: "note Sam\x00 \x1b[31mTaylor\nline 2\tend"}, bot.Request{Text: "note Sam [31mTaylor\nline 2\tend"}},
		{"name", bot.Request{Text: "note", Name: "Pat\x1b]0;x\x07 \u202eTaylor"}, bot.Request{Text: "note", Name: "Pat]0;x Taylor"}},
		{"form", bot.Request{Text: "note", Args: map[string]string{"summary": "ok\x00\u009b"}}, bot.Request{Text: "note", Args: map[string]string{"summary": "ok"}}},
		{"button", bot.Request{Data: "note \x1bx"}, bot.Request{Text: "note x", Data: "note x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.UserID = "slack:T:home"
			r.Handle(context.Background(), tt.req)
			if got.Text != tt.want.Text || got.Name != tt.want.Name || got.Data != tt.want.Data || got.Request.Args["summary"] != tt.want.Args["summary"] {
				t.Errorf("handler got text %q name %q data %q args %q, want %q %q %q %q",
					got.Text, got.Name, got.Data, got.Request.Args, tt.want.Text, tt.want.Name, tt.want.Data, tt.want.Args)
			}
		})
	}
}

// TestLanesKeepOrder: one person's work runs in the order it joined, even
// when the later work is ready first; another person's does not wait.
func TestLanesKeepOrder(t *testing.T) {
	var l bot.Lanes
	ctx := context.Background()
	var order []string
	done := make(chan string, 3)
	w1, leave1 := l.Join("pat")
	w2, leave2 := l.Join("pat")
	w3, leave3 := l.Join("sam")
	go func() { // pat's second message, ready first
		if w2(ctx) == nil {
			done <- "pat 2"
		}
		leave2()
	}()
	if err := w3(ctx); err != nil { // sam waits for nobody
		t.Fatal(err)
	}
	order = append(order, "sam")
	leave3()
	if err := w1(ctx); err != nil {
		t.Fatal(err)
	}
	order = append(order, "pat 1")
	select {
	case s := <-done:
		t.Fatalf("%s ran before pat 1 had finished", s)
	default:
	}
	leave1()
	order = append(order, <-done)
	if strings.Join(order, ", ") != "sam, pat 1, pat 2" {
		t.Errorf("order %v", order)
	}
}

// TestReturnedBeforeHandling: someone marked unreachable who writes again is
// passed to Returned once per request, before their command runs; others are not.
func TestReturnedBeforeHandling(t *testing.T) {
	ids := people{
		"telegram:1": {ID: "telegram:1", Role: offsitebot.RoleParent, Unreachable: true},
		"telegram:2": {ID: "telegram:2", Role: offsitebot.RoleParent},
	}
	r := bot.NewRouter(ids, cases{}, nil, func() time.Time { return time.Unix(0, 0) }, slog.New(slog.DiscardHandler))
	var events []string
	r.Returned(func(_ context.Context, who offsitebot.Identity) { events = append(events, "returned "+who.ID) })
	r.Register(bot.Command{Name: "status", Action: offsitebot.ActView, Run: bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
		events = append(events, "status "+c.Who.ID)
		return nil, nil
	})})
	for _, id := range []string{"telegram:1", "telegram:2"} {
		r.Handle(context.Background(), bot.Request{Platform: offsitebot.Telegram, UserID: id, Text: "/status"})
	}
	if got, want := strings.Join(events, "; "), "returned telegram:1; status telegram:1; status telegram:2"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}
