package conversations_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations"
)

// A parent linked to two cases is asked which child a message is about,
// once, with a button for each; the message waits meanwhile and is passed
// on whole. The choice holds for the rest of the day, on every replica and
// after a restart (it is stored): three messages in a row ask once; each
// acknowledgement names the child and offers the other; the next day asks
// again.
func TestMessageFromParentOfTwo(t *testing.T) {
	w := newWorld(t)
	second := w.open(home, `new pupil="Mia Taylor" dob=2014-05-06 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04`)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+second+" parent"))[1]
	w.sayOn(offsitebot.Telegram, parent, "/start "+code)
	ctx := context.Background()
	send := func(r *bot.Router, text, data string) []bot.Reply {
		return r.Handle(ctx, bot.Request{Platform: offsitebot.Telegram, UserID: parent, Text: text, Data: data, Command: data != ""})
	}
	// about is whom the last message home staff got was about.
	about := func() string {
		got := w.out.To(home, "")
		if len(got) == 0 {
			return ""
		}
		return regexp.MustCompile(`[A-Z]\.[A-Z]\. \(OSD-\w+\)`).FindString(got[len(got)-1].Reply.Text)
	}

	rs := send(w.router, "She has a dentist appointment at 2pm", "")
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "Which child") || len(rs[0].Buttons) == 0 || len(rs[0].Buttons[0]) != 2 {
		t.Fatalf("asked: %+v", rs)
	}
	if got := w.out.To(home, ""); len(got) != 0 {
		t.Fatalf("passed on before the child was chosen: %+v", got)
	}
	rs = send(w.router, second, "")
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "passed your message to Oakfield Primary") ||
		!strings.Contains(rs[0].Text, "That was about Mia ("+second+"). Your next messages today go about Mia too") ||
		!strings.Contains(rs[0].Text, "To write about Sam instead, choose Write about Sam.") {
		t.Fatalf("after choosing: %+v", rs)
	}
	switchTo := rs[0].Buttons
	if len(switchTo) != 1 || switchTo[0][0].Label != "Write about Sam" {
		t.Fatalf("switch buttons: %+v", switchTo)
	}
	got := w.out.To(home, "")
	if len(got) != 1 || about() != "M.T. ("+second+")" || !strings.Contains(got[0].Reply.Text, "“She has a dentist appointment at 2pm”") {
		t.Fatalf("home staff got: %+v", got)
	}

	// Another replica, or the bot after a restart: the choice is in the database.
	replica := conversations.New(conversations.Deps{Store: w.db, Send: w.out, Now: w.clk.Now, Calendar: offsitebot.NewCalendar(nil, nil)}).Router()
	for i, r := range []*bot.Router{w.router, replica} {
		rs := send(r, fmt.Sprintf("Message %d", i+2), "")
		if len(rs) != 1 || strings.Contains(rs[0].Text, "Which child") || !strings.Contains(rs[0].Text, "That was about Mia") || about() != "M.T. ("+second+")" {
			t.Fatalf("message %d: %+v, home staff last got one about %s", i+2, rs, about())
		}
	}

	// The button switches, for the day.
	if rs := send(replica, "", switchTo[0][0].Data); len(rs) != 1 || !strings.Contains(rs[0].Text, "your messages go about Sam ("+w.ref+") until the end of today") {
		t.Fatalf("switched: %+v", rs)
	}
	if rs := send(w.router, "And Sam has a cough", ""); !strings.Contains(rs[0].Text, "That was about Sam") || about() != "S.T. ("+w.ref+")" {
		t.Fatalf("after switching: %+v, home staff last got one about %s", rs, about())
	}
	if n := len(w.out.To(home, "")); n != 4 {
		t.Errorf("home staff got %d messages, want 4", n)
	}

	// The next day, the question is asked again.
	w.clk.Set(london("2026-12-03 08:30"))
	if rs := send(w.router, "Both are in today", ""); len(rs) != 1 || !strings.Contains(rs[0].Text, "Which child") {
		t.Fatalf("the next day: %+v", rs)
	}
}

// What cannot be passed on, and a family's commands that fail, get a clear
// answer the family can read (as the reader test reads it), and nothing is
// stored or sent to the school.
func TestMessagesNotPassedOn(t *testing.T) {
	w := newWorld(t)
	tests := []struct{ name, who, text, want string }{
		{"someone linked to no case is told how to join", stranger, "hello, is this the school?", "type /start followed by the code"},
		{"a stranger's command", stranger, "/status", "Please use the link your school sent you"},
		{"a stranger's wrong code", stranger, "/start ABC123", "ask the school for a new link"},
		{"an empty message", parent, "   ", "That message was empty"},
		{"only emoji", parent, "🙏🙏", "that message had none"},
		{"over the limit, refused whole", parent, strings.Repeat("a", offsitebot.MaxMessage+1), "I can pass on up to 4000 at a time, so nothing was sent yet"},
		{"another case's reference", parent, "/status OSD-ZZZZ", "Type /status to see yours"},
		{"a mistyped reference", parent, "/request OSD-ZZ", "Type /status to see yours"},
		{"a staff command", parent, "reply " + w.ref + " parent hi", "Type /help to see what you can do"},
		{"a receiving school's command", parent, "/attendance", "you can't do that"},
		{"cancel with nothing to cancel", parent, "cancel", "There's nothing to cancel"},
		{"a command that isn't one", parent, "/hello", "Sorry, I didn't understand that. You can use /status"},
		{"back with nothing to go back to", parent, "back", "There's nothing to go back to"},
		{"a wrong code when already linked", parent, "/start BADCODE", "That code isn't one I know"},
		{"staff free text is not a message", home, "hello there", "didn't understand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.sayOn(offsitebot.Telegram, tt.who, tt.text)
			if !strings.Contains(got, tt.want) {
				t.Errorf("%q: %s\nwant %q", tt.text, got, tt.want)
			}
			if tt.who == home {
				return
			}
			role := offsitebot.RoleParent
			if tt.who == stranger {
				role = ""
			}
			for _, bad := range conversations.ReadAs(role, "Sam Taylor", got) {
				t.Errorf("%q: %s in %q", tt.text, bad, got)
			}
		})
	}
	k, err := w.db.Case(context.Background(), w.ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Contacts) != 0 || len(w.out.To(home, "")) != 0 {
		t.Errorf("stored %+v, sent %+v", k.Contacts, w.out.To(home, ""))
	}
}

func TestReplyNeedsSomeoneToReach(t *testing.T) {
	w := newWorld(t)
	tests := []struct{ line, want string }{
		{"reply " + w.ref + " la Thanks for your email", "Nobody is connected to " + w.ref + " as the local authority"},
		{"reply " + w.ref + " pupil Hello", "link " + w.ref + " pupil"},
		{"reply " + w.ref + " parent", "What would you like to say?"},
	}
	for _, tt := range tests {
		if got := w.say(home, tt.line); !strings.Contains(got, tt.want) {
			t.Errorf("%q: %s\nwant %q", tt.line, got, tt.want)
		}
	}
	w.say(home, "cancel")
	if got := w.say(recv, "reply "+w.ref+" parent Hi"); !strings.Contains(got, "can't") {
		t.Errorf("receiving staff replying to a parent: %s", got)
	}
}

// A meeting moved to under 6 days away asks first, as a new one does.
func TestMoveKeepsTheSixDayRule(t *testing.T) {
	w := newWorld(t)
	w.say(home, "review "+w.ref+" schedule 2026-12-14 10:00 in-person")
	if got := w.say(home, "review "+w.ref+" move M1 2026-12-04 10:00"); !strings.Contains(got, "The parents should be invited at least 6 days before") || !strings.Contains(got, "Move it anyway?") {
		t.Fatalf("short notice: %s", got)
	}
	sent := len(w.out.Texts(parent))
	if got := w.say(home, "yes"); !strings.Contains(got, "moved to Fri 4 Dec 10:00") {
		t.Fatalf("confirmed: %s", got)
	}
	if msgs := w.out.Texts(parent); len(msgs) != sent+1 || !strings.Contains(msgs[sent], "has moved to Fri 4 Dec 10:00") {
		t.Fatalf("parent told: %q", msgs[sent:])
	}
}
