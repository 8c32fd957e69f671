package telegram

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
)

// TestRenderReplies sends the real replies (bottest) through the fake Bot
// API, which parses their HTML as Telegram does and refuses what breaks its
// limits, and compares what arrives with golden files read by eye once.
func TestRenderReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, name := range bottest.Names {
		t.Run(name, func(t *testing.T) {
			chat := int64(2000 + i)
			if err := e.a.Send(e.ctx, fmt.Sprintf("telegram:%d", chat), bottest.Reply(t, name)); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for _, m := range e.api.sent(chat) {
				out.WriteString(m.Text + "\n")
				for _, en := range m.Entities {
					fmt.Fprintf(&out, "  <%s> %s\n", en.Type, en.Text)
				}
				for _, row := range m.Buttons {
					for _, b := range row {
						fmt.Fprintf(&out, "  [%s] %s\n", b.Text, b.CallbackData)
					}
				}
				out.WriteString("---\n")
			}
			bottest.Golden(t, filepath.Join("testdata", "render", name+".txt"), out.Bytes())
		})
	}
}

// TestPeoplesWordsInert feeds every place of a reply with words that would
// format or inject markup, and a long name in three languages: Telegram
// shows them exactly as typed, and the only formatting is the reply's own.
func TestPeoplesWordsInert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chat := int64(2100)
	for name, r := range bottest.HostileReplies() {
		t.Run(name, func(t *testing.T) {
			before := len(e.api.sent(chat))
			if err := e.a.Send(e.ctx, fmt.Sprintf("telegram:%d", chat), r); err != nil {
				t.Fatal(err) // the fake refuses HTML Telegram could not parse
			}
			got := e.api.sent(chat)[before:]
			var sent []string // the data of the reply's buttons
			for _, row := range r.Buttons {
				for _, b := range row {
					sent = append(sent, b.Data)
				}
			}
			for _, it := range r.Items {
				if it.Action != nil {
					sent = append(sent, it.Action.Data)
				}
			}
			var shown strings.Builder
			for _, m := range got {
				shown.WriteString(m.Text)
				for _, en := range m.Entities {
					if en.Type != "b" && en.Type != "i" {
						t.Errorf("formatting %q the reply did not ask for, on %q", en.Type, en.Text)
					}
				}
				for _, row := range m.Buttons {
					for _, b := range row {
						if !strings.Contains(b.Text, bottest.Hostile) {
							t.Errorf("button %q, want the words as typed", b.Text)
						}
						data, ok := e.a.resolveData(e.ctx, chat, b.CallbackData)
						if data = strings.TrimPrefix(data, itemMark); !ok || !slices.Contains(sent, data) {
							t.Errorf("button data %q stands for %q, want one of %q", b.CallbackData, data, sent)
						}
					}
				}
			}
			want := strings.Count(r.Text, bottest.Said)
			if r.Structured() {
				want = 6 // title, two facts, group, two items (and the note)
			}
			if n := strings.Count(shown.String(), bottest.Said); n < want {
				t.Errorf("the words arrived whole %d times, want at least %d:\n%s", n, want, shown.String())
			}
		})
	}
}

// TestRenderLimits: a long reply is cut on line breaks to Telegram's 4,096
// characters, a line longer than that inside it, with every tag closed in
// each part; nothing is lost, and the buttons come under the last part.
func TestRenderLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const chat = 2200
	var r bot.Reply
	for i := range 150 {
		r.Items = append(r.Items, bot.Item{Text: fmt.Sprintf("OSD-%04d: attendance not confirmed for Tue 1 Dec", i), Next: "attendance OSD-… AM PM"})
	}
	long := strings.Repeat("Ysgol <Gymraeg> & Żółkiewska ", 300) // one line of 8,700 characters
	r.Title = "Everything due"
	r.Facts = []bot.Fact{{Label: "View", Value: long}}
	r.Note = strings.Repeat("A note in italics, long enough to cut. ", 120)
	r.Buttons = [][]bot.Button{{{Label: "OK", Data: "ok"}}}
	if err := e.a.Send(e.ctx, "telegram:2200", r); err != nil {
		t.Fatal(err) // the fake refuses a part over 4,096 characters or with broken HTML
	}
	got := e.api.sent(chat)
	if len(got) < 4 {
		t.Fatalf("%d parts, want the reply cut into several", len(got))
	}
	var all strings.Builder
	for i, m := range got {
		if (len(m.Buttons) > 0) != (i == len(got)-1) {
			t.Errorf("part %d has %d rows of buttons; only the last should", i, len(m.Buttons))
		}
		all.WriteString(m.Text + "\n")
	}
	joined := strings.ReplaceAll(all.String(), "\n", " ")
	for _, want := range []string{strings.TrimSpace(long), "OSD-0149: attendance not confirmed", strings.TrimSpace(r.Note[:200])} {
		if !strings.Contains(strings.Join(strings.Fields(joined), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("lost in the cutting: %.80q…", want)
		}
	}
}

func TestCutLine(t *testing.T) {
	tests := []struct {
		in         string
		n          int
		head, rest string
	}{
		{"one two three", 8, "one two", "three"},
		{"<b>Label:</b> some value", 11, "<b>Label:</b> some", "value"},
		{"<b>Label:</b> some value", 10, "<b>Label:</b>", "some value"},
		{"<i>a long note here</i>", 8, "<i>a long</i>", "<i>note here</i>"},
		{"x &amp;&amp;&amp; y", 4, "x &amp;&amp;", "&amp; y"},
		{"ŻółŻółŻół", 4, "ŻółŻ", "ółŻół"},
	}
	for _, tc := range tests {
		head, rest := cutLine(tc.in, tc.n)
		if head != tc.head || rest != tc.rest {
			t.Errorf("cutLine(%q, %d) = %q, %q; want %q, %q", tc.in, tc.n, head, rest, tc.head, tc.rest)
		}
		if _, _, err := parseHTML(head); err != nil {
			t.Errorf("head %q: %v", head, err)
		}
	}
}

// TestCommandMenus: everyone is offered the default commands from the
// start; a receiving contact gets their own in their chat, once, when they
// write, and a parent keeps the default.
func TestCommandMenus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.a.menus = map[offsitebot.Role][]bot.MenuItem{
		"":                       {{Command: "status", Description: "what's next"}, {Command: "help", Description: "what I can do"}},
		offsitebot.RoleReceiving: {{Command: "attendance", Description: "record today's attendance"}, {Command: "help", Description: "what I can do"}},
	}
	for id, role := range map[string]offsitebot.Role{"telegram:3001": offsitebot.RoleReceiving, "telegram:3002": offsitebot.RoleParent} {
		if err := e.db.PutIdentity(e.ctx, offsitebot.Identity{ID: id, Role: role, Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	e.api.waitFor("the default menu", func() bool { return len(e.api.menu("all_private_chats")) > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := e.api.menu("all_private_chats"); !slices.Equal(got, []string{"status", "help"}) {
		t.Errorf("default menu %v", got)
	}
	for range 2 {
		e.say(user(3001, "Kim"), "/echo hello")
		e.say(user(3002, "Pat"), "/echo hello")
	}
	if got := e.api.menu("chat:3001"); !slices.Equal(got, []string{"attendance", "help"}) {
		t.Errorf("receiving contact's menu %v", got)
	}
	if got := e.api.menu("chat:3002"); got != nil {
		t.Errorf("a parent was given a menu of their own: %v", got)
	}
	if n := e.api.callsOf("setMyCommands"); n != 2 {
		t.Errorf("setMyCommands called %d times, want 2 (the default, then one chat once)", n)
	}
}

// TestStashedDataBoundToChat: button data past 64 bytes goes as a short key
// that only the chat it was sent to can turn back into the data.
func TestStashedDataBoundToChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	data := "/answer OSD-7K2Q M1 other-time " + strings.Repeat("x", 80)
	if err := e.a.Send(e.ctx, "telegram:2300", bot.Reply{Text: "Can you come?", Buttons: [][]bot.Button{{{Label: "Another time", Data: data}}}}); err != nil {
		t.Fatal(err)
	}
	key := e.api.sent(2300)[0].Buttons[0][0].CallbackData
	if len(key) > maxCallbackData {
		t.Fatalf("callback data of %d bytes", len(key))
	}
	if got, ok := e.a.resolveData(e.ctx, 2300, key); !ok || got != data {
		t.Errorf("own chat: %q %v", got, ok)
	}
	if got, ok := e.a.resolveData(e.ctx, 2301, key); ok {
		t.Errorf("another chat turned the key into %q", got)
	}
}

// TestItemButtonsBounded: past maxItemButtons, items say their step in
// words instead of adding a button.
func TestItemButtonsBounded(t *testing.T) {
	var r bot.Reply
	for i := range maxItemButtons + 5 {
		r.Items = append(r.Items, bot.Item{Text: fmt.Sprintf("OSD-%04d: contact due", i), Next: "contact OSD-… receiving phone …",
			Action: &bot.Button{Label: "Log contact", Data: "/contact x"}})
	}
	lines, rows := render(r)
	if len(rows) != maxItemButtons || rows[0][0].Label != "1. Log contact" {
		t.Errorf("%d rows, the first %+v", len(rows), rows[0])
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "→ contact OSD-… receiving phone …") || !strings.HasPrefix(last, "• ") {
		t.Errorf("an item past the buttons reads %q", last)
	}
}

// TestListButtonsStay: a button beside an item of a list runs its step and
// leaves the list's buttons for the other items; a question's choice, as
// before, takes its question's buttons away.
func TestListButtonsStay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ran []string
	e.router.Register(bot.Command{Name: "list", Public: true, Run: bot.HandlerFunc(func(context.Context, bot.Call) ([]bot.Reply, error) {
		return []bot.Reply{{Items: []bot.Item{
			{Text: "OSD-0001: contact due", Action: &bot.Button{Label: "Log contact", Data: "/step one"}},
			{Text: "OSD-0002: contact due", Action: &bot.Button{Label: "Log contact", Data: "/step two"}},
		}}}, nil
	})}, bot.Command{Name: "step", Public: true, Run: bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
		ran = append(ran, strings.Join(c.Args, " "))
		return []bot.Reply{{Text: "Done: " + strings.Join(c.Args, " ")}}, nil
	})})
	from := user(2400, "Kim")
	list := e.say(from, "/list")
	if len(list) != 1 || len(list[0].Buttons) != 2 {
		t.Fatalf("the list: %+v", list)
	}
	e.tap(from, list[0].ID, list[0].Buttons[0][0].CallbackData)
	e.tap(from, list[0].ID, list[0].Buttons[1][0].CallbackData)
	if !slices.Equal(ran, []string{"one", "two"}) {
		t.Errorf("steps run: %q, want both", ran)
	}
	if now := e.api.sent(2400)[0]; len(now.Buttons) != 2 || e.api.count(&e.api.edits) != 0 {
		t.Errorf("the list was edited to %+v", now)
	}
}
