package conversations_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
)

// flowReads is the real store, counting reads of the conversation state.
type flowReads struct {
	*storage.DB
	n atomic.Int32
}

func (s *flowReads) Conversation(ctx context.Context, key string, now time.Time) (*offsitebot.Conversation, error) {
	s.n.Add(1)
	return s.DB.Conversation(ctx, key, now)
}

// TestOneReadOfTheFlowPerMessage goes in and out of flows every way there is
// (answers, commands typed or slashed mid-flow, help, back, cancel, free
// text) and checks that no message reads the conversation state twice.
func TestOneReadOfTheFlowPerMessage(t *testing.T) {
	w := newWorld(t)
	store := &flowReads{DB: w.db}
	r := conversations.New(conversations.Deps{Store: store, Send: w.out, Now: w.clk.Now, Calendar: offsitebot.NewCalendar(nil, nil)}).Router()
	steps := []struct{ who, text, want string }{
		{home, "contact " + w.ref + " receiving", "How"},
		{home, "show " + w.ref, "still in the middle of logging contact"},
		{home, "help", "still in the middle of logging contact"},
		{home, "phone", "A short summary"},
		{home, "back", "How"},
		{home, "phone", "A short summary"},
		{home, "/review " + w.ref + " schedule", "I've stopped logging contact"},
		{home, "cancel", "I've stopped scheduling a review meeting"},
		{home, "cancel", "There's nothing to cancel"},
		{home, "back", "There's nothing to go back to"},
		{home, "cases", w.ref},
		{home, "hello there", "didn't understand"},
		{home, "contact " + w.ref + " receiving phone Spoke to Ms Khan", "Logged for " + w.ref},
		{parent, "/feedback", "How"},
		{parent, "/status", "still in the middle of your feedback"},
		{parent, "Happier now", "family"},
		{parent, "/cancel", "I've stopped"},
		{parent, "when is the next meeting", w.ref},
		{parent, "/stop", "stop getting messages"},
		{parent, "/cancel", "you stay connected"},
		{stranger, "hello", "Hello"},
	}
	for _, st := range steps {
		before := store.n.Load()
		p, _, _ := strings.Cut(st.who, ":")
		var got []string
		for _, rep := range r.Handle(context.Background(), bot.Request{Platform: offsitebot.Platform(p), UserID: st.who, Name: "Pat", Text: st.text}) {
			got = append(got, rep.Text)
		}
		text := strings.Join(got, "\n")
		if !strings.Contains(text, st.want) {
			t.Errorf("%s: %q answered %q; want %q in it", st.who, st.text, text, st.want)
		}
		if n := store.n.Load() - before; n > 1 {
			t.Errorf("%s: %q read the conversation %d times, want at most once", st.who, st.text, n)
		}
	}
}
