package conversations_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations"
)

// A parent linked to two cases is asked which child a message is about,
// once, with a button for each; the message waits meanwhile and is passed
// on whole.
func TestMessageFromParentOfTwo(t *testing.T) {
	w := newWorld(t)
	second := w.open(home, `new pupil="Mia Taylor" dob=2014-05-06 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04`)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+second+" parent"))[1]
	w.sayOn(offsitebot.Telegram, parent, "/start "+code)

	rs := w.router.Handle(context.Background(), bot.Request{Platform: offsitebot.Telegram, UserID: parent, Text: "She has a dentist appointment at 2pm"})
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "Which child") || len(rs[0].Buttons) == 0 || len(rs[0].Buttons[0]) != 2 {
		t.Fatalf("asked: %+v", rs)
	}
	if got := w.out.To(home, ""); len(got) != 0 {
		t.Fatalf("passed on before the child was chosen: %+v", got)
	}
	if got := w.say(parent, second); !strings.Contains(got, "passed your message to Oakfield Primary") {
		t.Fatalf("after choosing: %s", got)
	}
	got := w.out.To(home, "")
	if len(got) != 1 || !strings.Contains(got[0].Reply.Text, "M.T. ("+second+")") || !strings.Contains(got[0].Reply.Text, "“She has a dentist appointment at 2pm”") {
		t.Fatalf("home staff got: %+v", got)
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
