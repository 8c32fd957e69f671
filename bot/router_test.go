package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// people and cases are in-memory lookups: the router's own logic is under test here;
// the whole stack on a real database is tested in conversations and bot/shell.
type people map[string]offsitebot.Identity

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

type flows struct{ active map[string]bool }

func (f flows) Active(_ context.Context, key string) (bool, error) { return f.active[key], nil }
func (f flows) Continue(_ context.Context, c bot.Call) ([]bot.Reply, error) {
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
	r := bot.NewRouter(ids, cs, flows{active: map[string]bool{"telegram:busy": true}}, func() time.Time { return time.Unix(0, 0) }, slog.New(slog.DiscardHandler))
	handler := func(name string) bot.HandlerFunc {
		return func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
			ran = append(ran, name)
			ref := ""
			if c.Case != nil {
				ref = c.Case.Ref
			}
			return []bot.Reply{{Text: "ran " + name + " " + ref}}, nil
		}
	}
	r.Register(
		bot.Command{Name: "show", Action: offsitebot.ActView, Run: handler("show")},
		bot.Command{Name: "review", Action: offsitebot.ActReview, Run: handler("review")},
		bot.Command{Name: "request", Action: offsitebot.ActRequest, Run: handler("request")},
		bot.Command{Name: "start", Public: true, Run: handler("start")},
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
		{"telegram:busy", "show OSD-AAAA", "answer: show OSD-AAAA", false}, // mid-flow, plain text is an answer
		{"telegram:busy", "/", "answer: /", false},                         // the attendance code, not a command
		{"telegram:busy", "/show OSD-AAAA", "ran show", true},              // an explicit command runs
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
