package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slackutilsx"

	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
)

// TestRenderReplies renders the real replies (bottest) as Block Kit within
// Slack's limits, against golden files read by eye once.
func TestRenderReplies(t *testing.T) {
	for _, name := range bottest.Names {
		t.Run(name, func(t *testing.T) {
			bs, err := blocks(bottest.Reply(t, name), asIs)
			if err != nil {
				t.Fatal(err)
			}
			msgs := messages(bs)
			for _, m := range msgs {
				raw, _ := json.Marshal(m)
				if err := checkBlocks(raw, maxBlocks); err != nil {
					t.Errorf("Slack would refuse it: %v", err)
				}
			}
			// One block a line, a line of dashes between messages: small, and read by eye.
			var out bytes.Buffer
			for i, m := range msgs {
				if i > 0 {
					out.WriteString("---\n")
				}
				for _, b := range m {
					line, err := json.Marshal(b)
					if err != nil {
						t.Fatal(err)
					}
					out.Write(append(line, '\n'))
				}
			}
			bottest.Golden(t, filepath.Join("testdata", "render", name+".jsonl"), out.Bytes())
		})
	}
}

// TestRenderLimits: what does not fit one message, one text, one field or
// one header is carried on, never cut off.
func TestRenderLimits(t *testing.T) {
	var due bot.Reply
	for i := range 120 {
		due.Items = append(due.Items, bot.Item{Text: fmt.Sprintf("OSD-%04d: attendance not confirmed", i),
			Action: &bot.Button{Label: "Record attendance", Data: fmt.Sprintf("/attendance OSD-%04d", i)}})
	}
	long := strings.Repeat("All of what the family said, word for word. ", 150) // 6,750 characters, one line
	r := bot.Reply{Title: strings.Repeat("Gwenllian ", 20), Facts: []bot.Fact{{Label: "View", Value: long}, {Label: "Born", Value: "4 Mar 2012"}}, Items: due.Items}
	bs, err := blocks(r, asIs)
	if err != nil {
		t.Fatal(err)
	}
	msgs := messages(bs)
	if len(msgs) != 3 {
		t.Fatalf("%d blocks in %d messages, want 3 messages of at most %d", len(bs), len(msgs), maxBlocks)
	}
	var text strings.Builder
	buttons := 0
	for _, m := range msgs {
		raw, _ := json.Marshal(m)
		if err := checkBlocks(raw, maxBlocks); err != nil {
			t.Fatalf("Slack would refuse a part: %v", err)
		}
		buttons += strings.Count(string(raw), `"type":"button"`)
		var parsed []struct {
			Type string `json:"type"`
			Text *struct{ Text string }
		}
		_ = json.Unmarshal(raw, &parsed)
		for _, b := range parsed {
			if b.Type == "section" && b.Text != nil && strings.Contains(b.Text.Text, "word for word") {
				text.WriteString(b.Text.Text)
			}
		}
	}
	if buttons != 120 {
		t.Errorf("%d of 120 items kept their button", buttons)
	}
	if text.String() != long {
		t.Errorf("the long value arrived as %d characters of %d", text.Len(), len(long))
	}
	if raw, _ := json.Marshal(msgs[0][0]); !strings.Contains(string(raw), `"type":"section"`) || !strings.Contains(string(raw), r.Title[:20]) {
		t.Errorf("a title too long for a header should be a section, whole: %s", raw)
	}
}

// TestHomeTabSaysHowManyMore: the Home tab fits Slack's 100 blocks by
// showing the first (most urgent) items and saying how many more there are
// and what lists them all.
func TestHomeTabSaysHowManyMore(t *testing.T) {
	item := func(i int) bot.Item {
		return bot.Item{Text: fmt.Sprintf("OSD-%04d: outcome not recorded", i), Action: &bot.Button{Label: "Record the outcome", Data: "/review x outcome"}}
	}
	var due, cases bot.Reply
	for i := range 150 {
		due.Items = append(due.Items, item(i))
	}
	for i := range 30 {
		cases.Items = append(cases.Items, item(1000+i))
	}
	v, err := homeView([]homePart{{"Due or overdue", []bot.Reply{due}, "due"}, {"My cases", []bot.Reply{cases}, "cases"}}, asIs)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(v.Blocks.BlockSet)
	if err := checkBlocks(raw, maxModalBlocks); err != nil {
		t.Fatalf("Slack would refuse the tab: %v", err)
	}
	got := string(raw)
	if !strings.Contains(got, "OSD-0000") || !strings.Contains(got, "more — type `due`") {
		t.Errorf("the tab should start with the most urgent and say how many more: %.600s", got)
	}
	if n := len(v.Blocks.BlockSet); n < maxModalBlocks-2 {
		t.Errorf("the tab uses %d of %d blocks: it cut more than it had to", n, maxModalBlocks)
	}
}

// TestPeoplesWordsInert feeds every place of a reply with words that would
// format, mention or inject, and a long name in three languages: they
// arrive as typed, in plain text, and never in mrkdwn.
func TestPeoplesWordsInert(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	for name, r := range bottest.HostileReplies() {
		t.Run(name, func(t *testing.T) {
			before := len(e.fake.Posts())
			if err := a.Send(context.Background(), homeID, r); err != nil {
				t.Fatal(err)
			}
			posts := e.fake.Posts()[before:]
			if len(posts) != 1 {
				t.Fatalf("%d messages", len(posts))
			}
			p := posts[0]
			if p.Text != slackutilsx.EscapeMessage(r.Text) || p.Mrkdwn != "false" {
				t.Errorf("notification text %q (mrkdwn %q), want it escaped and unformatted", p.Text, p.Mrkdwn)
			}
			texts := textObjects(t, p.Blocks)
			said := 0
			for _, x := range texts {
				if x.kind == "mrkdwn" && (strings.Contains(x.text, "<") || strings.Contains(x.text, bottest.LongName) || strings.Contains(x.text, "*bold*")) {
					t.Errorf("people's words in mrkdwn: %q", x.text)
				}
				if x.kind != "mrkdwn" {
					said += strings.Count(x.text, bottest.Said)
				}
				if strings.Contains(x.text, "&lt;") || strings.Contains(x.text, "&amp;amp;") {
					t.Errorf("text escaped where Slack shows it as it is: %q", x.text)
				}
			}
			if want := strings.Count(r.Text, bottest.Said); r.Structured() {
				want = 6 // title, two facts, group, two items, note: the confirm and the button values aside
				if said < want {
					t.Errorf("the words arrived whole %d times, want %d: %+v", said, want, texts)
				}
			} else if said != want {
				t.Errorf("the words arrived whole %d times, want %d: %+v", said, want, texts)
			}
		})
	}
}

type textObject struct{ kind, text string }

// textObjects finds every text a block holds: text objects (plain_text,
// mrkdwn) and rich text elements ("rich"), anywhere in the blocks.
func textObjects(t *testing.T, raw json.RawMessage) []textObject {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out []textObject
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			text, ok := x["text"].(string)
			switch typ, _ := x["type"].(string); {
			case ok && (typ == "plain_text" || typ == "mrkdwn"):
				out = append(out, textObject{typ, text})
			case ok && typ == "text":
				out = append(out, textObject{"rich", text})
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// TestDangerousChoicesConfirmed: through the real engine, the buttons that
// cannot be undone reach Slack in red with a confirmation dialog, and no
// other button does.
func TestDangerousChoicesConfirmed(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	ctx := context.Background()
	for _, cmd := range []string{
		"review " + e.ref + " schedule 2026-12-14 10:00 in-person",
		"show " + e.ref,
		"end " + e.ref + " reintegrated",
	} {
		replies := e.router.Handle(ctx, bot.Request{Platform: "slack", UserID: homeID, Text: cmd, Command: true})
		for _, r := range replies {
			if err := a.Send(ctx, homeID, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := map[string]string{} // button label -> style and confirm text
	for _, p := range e.fake.Posts() {
		var v any
		_ = json.Unmarshal(p.Blocks, &v)
		for _, b := range buttonsIn(v) {
			got[b.Text.Text] = b.Style + "|" + b.confirm()
		}
	}
	want := map[string]string{
		"Log contact": "|",
		"Cancel M1":   "danger|Cancel review meeting M1 on Mon 14 Dec 10:00? Everyone invited is told at once.",
		"Yes, end it": "danger|End the off-site direction " + e.ref + "? Reminders stop and the family is told at once.",
		"No":          "|",
	}
	for label, w := range want {
		if got[label] != w {
			t.Errorf("button %q: style|confirm %q, want %q", label, got[label], w)
		}
	}
	for label, g := range got {
		if _, ok := want[label]; !ok && g != "|" {
			t.Errorf("button %q is %q: only what cannot be undone is red and asks", label, g)
		}
	}
}

type sentButton struct {
	Text struct {
		Text string `json:"text"`
	} `json:"text"`
	Value   string `json:"value"`
	Style   string `json:"style"`
	Confirm *struct {
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
		Style string `json:"style"`
	} `json:"confirm"`
}

func (b sentButton) confirm() string {
	if b.Confirm == nil {
		return ""
	}
	return b.Confirm.Text.Text
}

// buttonsIn finds every button in decoded blocks.
func buttonsIn(v any) []sentButton {
	var out []sentButton
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "button" {
			raw, _ := json.Marshal(x)
			var b sentButton
			_ = json.Unmarshal(raw, &b)
			return []sentButton{b}
		}
		for _, c := range x {
			out = append(out, buttonsIn(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, buttonsIn(c)...)
		}
	}
	return out
}

// TestLongButtonValueKept: a value over Slack's 2,000 characters is kept
// under a short key; pressed in the DM it was sent to, it runs the whole
// command; pressed anywhere else, it does nothing and says so.
func TestLongButtonValueKept(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	data := "/show " + e.ref + " " + strings.Repeat("x", 2100)
	if err := a.Send(context.Background(), homeID, bot.Reply{Text: "Here:", Buttons: [][]bot.Button{{{Label: "Show", Data: data}}}}); err != nil {
		t.Fatal(err)
	}
	var v any
	_ = json.Unmarshal(e.fake.Posts()[0].Blocks, &v)
	bs := buttonsIn(v)
	if len(bs) != 1 || len(bs[0].Value) > maxButtonValue || strings.Contains(bs[0].Value, "xxx") {
		t.Fatalf("buttons %+v, want one with a short key", bs)
	}
	press := func(channel, trigger string) {
		payload := interaction(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": fakeTeam}, "user": map[string]any{"id": homeUser, "username": "staff"},
			"trigger_id": trigger, "api_app_id": "A0APP",
			"container": map[string]any{"type": "message", "channel_id": channel, "message_ts": "1764000000.000001"},
			"message":   map[string]any{"text": "Here:", "ts": "1764000000.000001"},
			"actions": []any{map[string]any{"type": "button", "action_id": "b0_0", "block_id": "r", "value": bs[0].Value,
				"text": map[string]any{"type": "plain_text", "text": "Show"}, "action_ts": trigger}},
		})
		if w := serve(t, a, sign(t, fakeSecret, formType, payload, time.Now())); w.Code != http.StatusOK {
			t.Fatalf("ack %d", w.Code)
		}
	}
	press("D"+homeUser, "trig-long-1")
	if dms := e.dmsTo(homeUser); len(dms) != 2 || !strings.Contains(dms[1], "Sam Taylor") {
		t.Errorf("the press answered %q, want the case shown", dms)
	}
	press("D0ELSEWHERE", "trig-long-2")
	if got := e.dmsTo("0ELSEWHERE"); len(got) != 1 || got[0] != buttonGone {
		t.Errorf("a press elsewhere answered %q, want %q", got, buttonGone)
	}
}
