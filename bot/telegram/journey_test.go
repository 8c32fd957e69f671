package telegram

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
)

// slackOutbox stands in for the Slack adapter: it records what staff are sent.
type slackOutbox = bottest.Recorder

const homeStaff = "slack:T1:UHOME"

// newJourneyEnv is newEnv with the real conversations engine as the router,
// sending through a dispatcher to this adapter (Telegram) and an outbox (Slack).
func newJourneyEnv(t *testing.T) (*env, *slackOutbox) {
	e := newEnv(t)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := bot.NewDispatcher()
	out := &slackOutbox{}
	d.Register(offsitebot.Slack, out)
	eng := conversations.New(conversations.Deps{Store: e.db, Send: d, Now: e.clk.Now, Calendar: offsitebot.NewCalendar(nil, nil), Log: log, TelegramBot: "offsitebot"})
	a, err := New(Options{
		Token: testToken, Mode: Webhook, WebhookSecret: secret, APIURL: e.api.URL(),
		Router: eng.Router(), Store: e.db, Now: e.clk.Now, Sleep: e.clk.Sleep, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Register(offsitebot.Telegram, a)
	e.a = a
	e.hook.Close()
	e.hook = httptest.NewServer(a)
	t.Cleanup(e.hook.Close)
	e.router = eng.Router()
	for _, s := range []offsitebot.School{{URN: "100001", Name: "Oakfield Primary"}, {URN: "100002", Name: "Riverside Academy"}} {
		if err := e.db.PutSchool(e.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.PutIdentity(e.ctx, offsitebot.Identity{ID: homeStaff, Role: offsitebot.RoleHome, URN: "100001", Name: "Alex", Created: t0}); err != nil {
		t.Fatal(err)
	}
	return e, out
}

// staff is home-school staff typing to the router (as from Slack); it returns the replies.
func (e *env) staff(text string) []bot.Reply {
	e.t.Helper()
	return e.router.Handle(e.ctx, bot.Request{Platform: offsitebot.Slack, UserID: homeStaff, Name: "Alex", Text: text})
}

func texts(rs []bot.Reply) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

func msgTexts(ms []fakeMsg) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return strings.Join(out, "\n")
}

func wantIn(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s: %q\nwant %q in it", what, got, w)
		}
	}
}

// The journey: a parent joins with a code, requests a review outside
// and within 10 weeks of a meeting, answers an invitation with a button and
// gives feedback, and export shows all of it.
func TestParentJourney(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	at := func(s string) {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, offsitebot.London)
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Set(tm)
	}
	at("2026-12-02 10:00")
	opened := texts(e.staff(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`))
	ref := regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(opened)
	if ref == "" {
		t.Fatalf("no case opened: %s", opened)
	}
	link := texts(e.staff("link " + ref + " parent"))
	m := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("no join link: %s", link)
	}
	pat := user(501, "Pat")

	// Joining.
	wantIn(t, "join", msgTexts(e.say(pat, "/start "+m[1])), "Hello Pat", "connected to Sam's off-site direction", ref)

	// A request with no meeting in the 10 weeks before: the duty applies, and
	// the home school is told at once.
	first := "Sam is unhappy and we'd like to talk about coming back to Oakfield"
	wantIn(t, "first request", msgTexts(e.say(pat, "/request "+first)), "received at 10:00 on Wed 2 Dec", "Oakfield Primary", "must hold one")
	wantIn(t, "home school told", strings.Join(slack.Texts(homeStaff), "\n"), first)

	// The meeting is scheduled; the invitation comes with buttons.
	wantIn(t, "schedule", texts(e.staff("review "+ref+" schedule 2026-12-14 10:00 in-person")), ref)
	sent := e.api.sent(pat.ID)
	inv := sent[len(sent)-1]
	wantIn(t, "invitation", inv.Text, "You're invited to a review meeting", "Can you come?")
	if len(inv.Buttons) == 0 || inv.Buttons[0][0].Text != "I can come" {
		t.Fatalf("invitation buttons: %+v", inv.Buttons)
	}
	// Tapping "I can come": recorded, and the invitation shows it, buttons gone.
	e.tap(pat, inv.ID, inv.Buttons[0][0].CallbackData)
	after := e.api.sent(pat.ID)[len(sent)-1]
	wantIn(t, "answered invitation", after.Text, "You're invited", "Thank you — see you on")
	if len(after.Buttons) != 0 {
		t.Errorf("answered invitation still has buttons: %+v", after.Buttons)
	}

	// Feedback, guided, with the rating as buttons.
	wantIn(t, "feedback", msgTexts(e.say(pat, "/feedback")), "?")
	e.say(pat, "He likes the art room and the quiet space")
	rating := e.say(pat, "We are pleased but worried about the journey")
	if len(rating) == 0 || len(rating[len(rating)-1].Buttons) == 0 {
		t.Fatalf("rating question: %+v", rating)
	}
	q := rating[len(rating)-1]
	var four string
	for _, row := range q.Buttons {
		for _, b := range row {
			if b.Text == "4" {
				four = b.CallbackData
			}
		}
	}
	e.tap(pat, q.ID, four)
	wantIn(t, "feedback thanks", e.api.sent(pat.ID)[len(e.api.sent(pat.ID))-1].Text, "Thank you")

	// The meeting is held; staff record the outcome and the parent is told.
	at("2026-12-14 11:00")
	wantIn(t, "outcome", texts(e.staff(`review `+ref+` outcome met=yes successes="Good attendance" voice="Happy in art" concerns="The journey" interventions="Daily check-in" decision=continue until=2027-02-26 next=2026-12-29 nextok=yes attended="Alex, Kim, Pat"`)), ref)
	wantIn(t, "decision notice", msgTexts(e.api.sent(pat.ID)), "continues until")

	// Within 10 weeks of it: recorded, and the duty explained in plain words.
	at("2026-12-16 09:30")
	second := "Please can we meet again before Christmas?"
	wantIn(t, "request within 10 weeks", msgTexts(e.say(pat, "/request "+second)), "held on 14 Dec", "doesn't have to hold another one yet")

	// More than 10 weeks after it: the duty applies again. Typed without
	// text, the bot asks for it.
	at("2027-03-01 09:00")
	third := "It has been a long time; we would like a meeting."
	wantIn(t, "request prompt", msgTexts(e.say(pat, "/request")), "in your own words")
	wantIn(t, "request outside 10 weeks", msgTexts(e.say(pat, third)), "more than 10 weeks ago", "must hold one")

	// Export, as staff: everything above is in it.
	var file *bot.File
	for _, r := range e.staff("export " + ref) {
		if r.File != nil && strings.HasSuffix(r.File.Name, ".json") {
			file = r.File
		}
	}
	if file == nil {
		t.Fatal("export gave no JSON file")
	}
	if !json.Valid(file.Data) {
		t.Fatal("export is not JSON")
	}
	export := string(file.Data)
	for _, want := range []string{
		jsonText(first), jsonText(second), jsonText(third), // word for word
		"He likes the art room and the quiet space", "We are pleased but worried about the journey",
		"telegram:501", "can come", "Happy in art",
	} {
		if !strings.Contains(export, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	// /help, then /stop with its confirmation button: disconnected.
	wantIn(t, "help", msgTexts(e.say(pat, "/help")), "/request", "/feedback")
	stop := e.say(pat, "/stop")
	if len(stop) == 0 || len(stop[len(stop)-1].Buttons) == 0 {
		t.Fatalf("/stop: %+v", stop)
	}
	confirm := stop[len(stop)-1]
	e.tap(pat, confirm.ID, confirm.Buttons[0][0].CallbackData)
	if id, err := e.db.Identity(e.ctx, "telegram:501"); err != nil || id == nil || len(id.Cases) != 0 {
		t.Errorf("after /stop: %+v, %v; want no cases", id, err)
	}

	// Through all of it, no text in the logs.
	if strings.Contains(e.logs.String(), "art room") || strings.Contains(e.logs.String(), "Sam") {
		t.Error("logs hold what the parent typed or the pupil's name")
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Case isolation through the real engine: a parent of A, whatever they type
// or press, sees and changes nothing of B.
func TestParentCannotReachOtherCase(t *testing.T) {
	t.Parallel()
	e, _ := newJourneyEnv(t)
	e.clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London))
	refOf := func(s string) string { return regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(s) }
	refA := refOf(texts(e.staff(`new pupil="Alice Archer" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`)))
	refB := refOf(texts(e.staff(`new pupil="Bobby Brown" dob=2012-05-06 ehcp=yes home=100001 receiving=100002 start=2026-11-30 end=2027-01-11 startok=yes`)))
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(texts(e.staff("link " + refA + " parent")))[1]
	codeB := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(texts(e.staff("link " + refB + " parent")))[1]
	e.staff("review " + refB + " schedule 2026-12-14 10:00 in-person")
	pat := user(511, "Pat")
	e.say(pat, "/start "+code)
	before, err := e.db.Case(e.ctx, refB)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"/status " + refB, "/status " + strings.ToLower(refB), "/request " + refB + " please meet", "/feedback " + refB,
		"/answer " + refB + " M1 yes", "/answer " + refB + " M1 other-time", "export " + refB, "show " + refB, "/stop " + refB,
		"/attendance " + refB + " today / /", "link " + refB + " parent", refB, "/status", "/cancel",
		"/start " + codeB + "x", "/pack " + refB, "/pack " + refB + " M1", "/attendance " + refB + " chart",
	} {
		e.say(pat, line)
		e.say(pat, "/cancel")
	}
	// Forged button data naming B, on a real prompt of theirs, and on a
	// message too old for Telegram to include (nothing to check it against).
	prompt := e.say(pat, "/stop")
	if len(prompt) == 0 || len(prompt[len(prompt)-1].Buttons) == 0 {
		t.Fatalf("/stop asked no question with buttons: %+v", prompt)
	}
	p := prompt[len(prompt)-1]
	for i, data := range []string{"/answer " + refB + " M1 yes", "/request " + refB + " x", "/status " + refB, "/pack " + refB, "/attendance " + refB + " chart"} {
		e.tap(pat, p.ID, data)
		e.deliver(&models.Update{CallbackQuery: &models.CallbackQuery{
			ID: fmt.Sprint("forged", i), From: *pat, Data: data, ChatInstance: "ci",
			Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage},
		}})
	}
	for _, m := range e.api.sent(pat.ID) {
		if strings.Contains(m.Text, "Bobby") || strings.Contains(m.Text, "B.B.") || strings.Contains(m.Text, "14 Dec") {
			t.Errorf("parent of A was shown something of B: %q", m.Text)
		}
		if m.Document != "" || m.Photo {
			t.Errorf("parent of A was sent a file: %q", m.Document)
		}
	}
	after, err := e.db.Case(e.ctx, refB)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || len(after.Requests) != 0 || len(after.Feedback) != 0 {
		t.Errorf("case B changed: version %d -> %d, %d requests, %d feedback", before.Version, after.Version, len(after.Requests), len(after.Feedback))
	}
}

// TestAttendanceChoiceIsAnAnswer: a receiving contact presses the guided
// attendance question's own first choice, "/ present", for each session: it
// is taken as the answer, not as a command.
func TestAttendanceChoiceIsAnAnswer(t *testing.T) {
	t.Parallel()
	e, _ := newJourneyEnv(t)
	e.clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London))
	ref := regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(texts(e.staff(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`)))
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(texts(e.staff("link " + ref + " receiving")))
	if ref == "" || code == nil {
		t.Fatalf("no case or join link")
	}
	kim := user(502, "Kim")
	e.say(kim, "/start "+code[1])
	press := func(msgs []fakeMsg, question, label string) []fakeMsg {
		t.Helper()
		q := msgs[len(msgs)-1]
		wantIn(t, "question", q.Text, question)
		for _, row := range q.Buttons {
			for _, b := range row {
				if b.Text == label {
					return e.tap(kim, q.ID, b.CallbackData)
				}
			}
		}
		t.Fatalf("no “%s” button: %+v", label, q.Buttons)
		return nil
	}
	press(press(e.say(kim, "/attendance"), "The morning (AM) code?", "/ present"), "And the afternoon (PM) code?", "/ present")
	// The last answer is folded into the question it answers (editPrompt).
	chat := msgTexts(e.api.sent(kim.ID))
	wantIn(t, "recorded", chat, "Recorded for "+ref+", Wed 2 Dec: AM /, PM /.")
	if strings.Contains(chat, "didn't understand") {
		t.Fatalf("a choice read as a command: %s", chat)
	}
	// The prompt's Absent… offers E (suspended), which alerts the home school.
	press(e.say(kim, "/attendance "+ref+" 2026-12-01 absent"), "Which code?", "E suspended")
	wantIn(t, "suspended", msgTexts(e.api.sent(kim.ID)), "Recorded for "+ref+", Tue 1 Dec: AM E, PM E.", "has been told now")
}
