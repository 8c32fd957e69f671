package conversations_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
)

// TestReplyFixtures keeps the replies the adapters' render tests draw as the
// real commands make them today: show, due, the daily attendance summary,
// an invitation, the decision after a review, and the outcome recorded. One
// out of date fails here, until rewritten with -update.
func TestReplyFixtures(t *testing.T) {
	w := newWorld(t) // today Wed 2 Dec; the case started Mon 23 Nov; a parent is linked
	ctx := context.Background()
	handle := func(who, text string) []bot.Reply {
		t.Helper()
		p, _, _ := strings.Cut(who, ":")
		return w.router.Handle(ctx, bot.Request{Platform: offsitebot.Platform(p), UserID: who, Text: text})
	}
	w.say(recv, "attendance "+w.ref+" 2026-12-01 / N")
	w.say(home, "contact "+w.ref+" receiving phone Spoke to Ms Khan; a good week")
	w.say(home, "review "+w.ref+" schedule 2026-12-09 15:30 in-person Room 2")
	k, err := w.db.Case(ctx, w.ref)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bot.Reply{"summary": conversations.AttendanceSummary("2026-12-01", []*offsitebot.Case{k})}
	if rs := w.out.To(parent, ""); len(rs) == 1 {
		got["invitation"] = rs[0].Reply
	}
	w.clk.Set(london("2026-12-09 16:30"))
	if rs := handle(home, "review "+w.ref+` outcome met=partly successes="Settled well" voice="Happier" concerns="Lunchtimes" interventions="Shared the plan" decision=continue until=2027-01-29 next=2026-12-18 attended="Pat, Ms Khan"`); len(rs) == 1 {
		got["outcome"] = rs[0]
	}
	if rs := w.out.To(parent, ""); len(rs) == 2 {
		got["decision"] = rs[1].Reply
	}
	for _, cmd := range []string{"show", "due"} {
		if rs := handle(home, cmd+" "+w.ref); len(rs) == 1 {
			got[cmd] = rs[0]
		}
	}
	for _, name := range bottest.Names {
		r, ok := got[name]
		if !ok || !r.Structured() {
			t.Errorf("%s: no reply with structure: %+v", name, r)
			continue
		}
		data, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		data = append(bytes.ReplaceAll(data, []byte(w.ref), []byte("OSD-7K2Q")), '\n') // references are random
		bottest.Golden(t, filepath.Join("..", bottest.Dir, name+".json"), data)
	}
}
