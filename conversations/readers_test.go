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

// Everything a parent, a pupil of 18, a receiving contact and an LA officer
// linked by code read over a case's life on Telegram (the answers to what
// they type, and what the bot sends them unasked), read as each would: the
// flows' questions, errors and notices as well as messages.go's wording.
func TestEverythingFamiliesReadReadsRight(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	adult := w.open(home, `new pupil="Jo Green" dob=2008-01-01 ehcp=yes home=100001 receiving=100002 start=2026-11-23 end=2027-01-04`)
	const (
		pupil   = "telegram:504"
		contact = "telegram:601"
		officer = "telegram:701"
		parent2 = "telegram:502"
	)
	link := func(ref, role string) string {
		return regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+ref+" "+role))[1]
	}
	join := func(ref, role, who string) string {
		code := link(ref, role)
		w.sayOn(offsitebot.Telegram, who, "/start "+code)
		return code
	}
	spare := link(w.ref, "parent")
	used := join(adult, "pupil", pupil)
	join(adult, "parent", parent2)
	join(w.ref, "receiving", contact)
	join(adult, "la", officer)

	type reading struct{ who, what, text string }
	var read []reading
	say := func(who string, lines ...string) {
		for _, line := range lines {
			for _, r := range w.router.Handle(ctx, bot.Request{Platform: offsitebot.Telegram, UserID: who, Name: "Pat", Text: line}) {
				read = append(read, reading{who, line, r.Text})
			}
		}
	}
	staff := func(lines ...string) {
		for _, line := range lines {
			if got := w.say(home, line); strings.Contains(got, "Sorry") || strings.Contains(got, "⚠") {
				t.Fatalf("%q: %s", line, got)
			}
		}
	}
	family := []string{parent, pupil, parent2}
	for _, who := range append(family, contact) {
		say(who, "/help", "/status", "/start ABC", "/status OSD-ZZZZ", "cancel", "back", "show "+w.ref, "Is there a bus on Monday?", "🙏", "")
	}
	// An LA officer reads every case, as staff; what they type is not passed on.
	say(officer, "/start ABC", "Is there a bus on Monday?", "🙏")
	for _, who := range family {
		say(who, "/request", "Please can we meet about the return to school", "/feedback", "It's going fine", "Maths is hard", "4",
			"/pack", "/stop", "no", "/answer", "cancel", "I can come")
	}
	say(contact, "/attendance", "/", "/", "/attendance chart")

	staff("review "+w.ref+" schedule 2026-12-14 10:00 in-person Room 4", "review "+adult+" schedule 2026-12-14 11:00 online")
	say(parent, "I can come")
	say(pupil, "/answer", "Please suggest another time", "Tuesdays after 3")
	say(contact, "/answer", "I can come")
	staff("review "+adult+" place M1 https://meet.example/abc", "review "+w.ref+" move M1 2026-12-15 10:00",
		"reply "+w.ref+" parent Thank you, see you then", "reply "+adult+" pupil Tuesday works", "reply "+w.ref+" receiving Thanks")
	w.clk.Set(london("2026-12-15 13:00"))
	staff("review "+w.ref+` outcome met=yes successes="Settled" voice="Happy" concerns=none interventions="Check-in" decision=continue next=2026-12-29 until=2027-01-04 attended="Pat"`,
		"review "+adult+` outcome met=yes successes="Settled" voice="Ready" concerns=none interventions="Mentor" decision=reintegrate plan="Back from Monday" attended="Jo"`,
		"end "+adult+" reintegrated", "yes")
	say(pupil, "/status", "/stop", "Thanks for everything")
	say(parent2, "/status", "Thanks", "/start "+used)
	say(stranger, "/start "+spare, "/start "+used, "/start")

	pupils := map[string]string{parent: "Sam Taylor", pupil: "Jo Green", parent2: "Jo Green", contact: "Sam Taylor", officer: "Jo Green"}
	roles := map[string]offsitebot.Role{parent: offsitebot.RoleParent, pupil: offsitebot.RolePupil, parent2: offsitebot.RoleParent, contact: offsitebot.RoleReceiving, officer: offsitebot.RoleLA}
	pupils[stranger], roles[stranger] = "Sam Taylor", "" // someone linked to no case
	for who := range pupils {
		for _, s := range w.out.Texts(who) {
			read = append(read, reading{who, "(sent)", s})
		}
	}
	for who, want := range map[string][]string{parent: {"You're invited", "has moved to", "A reply from", "After the review meeting"},
		pupil:   {"You're invited", "is online: https://", "A reply from", "After the review meeting", "ended on"},
		contact: {"You're invited", "has moved to", "A reply from"}, officer: {"You're invited", "After the review meeting", "ended on"}} {
		got := strings.Join(w.out.Texts(who), "\n")
		for _, s := range want {
			if !strings.Contains(got, s) {
				t.Errorf("%s was not sent %q: the journey did not happen as planned", roles[who], s)
			}
		}
	}
	if len(read) < 110 {
		t.Fatalf("only %d messages read", len(read))
	}
	for _, r := range read {
		pupil := pupils[r.who]
		if roles[r.who].Staff() && r.what != "(sent)" {
			pupil = "" // staff asked: the receiving school teaches the pupil, the LA reads every case
		}
		for _, bad := range conversations.ReadAs(roles[r.who], pupil, r.text) {
			t.Errorf("%s, after %q: %s in %q", roles[r.who], r.what, bad, r.text)
		}
	}
}
