package conversations_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// The shared test doubles: a settable clock, and an outbox recording what
// the bot sends to people who did not just ask (sends to a blocked identity
// fail as a blocked Telegram user's would).
type (
	clock  = bottest.Clock
	outbox = bottest.Recorder
)

type world struct {
	t      *testing.T
	db     *storage.DB
	clk    *clock
	out    *outbox
	router *bot.Router
	ref    string
}

const (
	home      = "shell:home:Alex"
	otherHome = "shell:home:Olu"
	recv      = "shell:receiving:Kim"
	la        = "shell:la:Lee"
	parent    = "telegram:501"
	stranger  = "telegram:999"
)

func london(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, offsitebot.London)
	if err != nil {
		panic(err)
	}
	return t
}

// newWorld has two home schools, one case at the first, staff of each kind and a linked parent.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := storagetest.New(t)
	w := &world{t: t, db: db, clk: bottest.NewClock(london("2026-12-02 10:00")), out: &outbox{}}
	e := conversations.New(conversations.Deps{Store: db, Send: w.out, Now: w.clk.Now, Calendar: offsitebot.NewCalendar(nil, nil)})
	w.router = e.Router()
	for _, s := range []offsitebot.School{{URN: "100001", Name: "Oakfield Primary"}, {URN: "100002", Name: "Riverside Academy"}, {URN: "100003", Name: "Hillside School"}} {
		if err := db.PutSchool(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []offsitebot.Identity{
		{ID: home, Role: offsitebot.RoleHome, URN: "100001", Name: "Alex"},
		{ID: otherHome, Role: offsitebot.RoleHome, URN: "100003", Name: "Olu"},
		{ID: recv, Role: offsitebot.RoleReceiving, URN: "100002", Name: "Kim"},
		{ID: la, Role: offsitebot.RoleLA, Name: "Lee"},
	} {
		if err := db.PutIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	w.ref = w.open(home, `new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04`)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+w.ref+" parent"))[1]
	w.sayOn(offsitebot.Telegram, parent, "/start "+code)
	return w
}

// open opens a case with a one-line new, keeping a first day that has
// passed when asked, and returns its reference.
func (w *world) open(who, line string) string {
	w.t.Helper()
	got := w.say(who, line)
	if strings.Contains(got, "has already passed") {
		got = w.say(who, "yes")
	}
	ref := regexp.MustCompile(`OSD-[0-9A-Z]{4}`).FindString(got)
	if ref == "" {
		w.t.Fatalf("no case opened: %s", got)
	}
	return ref
}

func (w *world) say(who, text string) string {
	w.t.Helper()
	p, _, _ := strings.Cut(who, ":")
	return w.sayOn(offsitebot.Platform(p), who, text)
}

func (w *world) sayOn(p offsitebot.Platform, who, text string) string {
	w.t.Helper()
	var out []string
	for _, r := range w.router.Handle(context.Background(), bot.Request{Platform: p, UserID: who, Name: "Pat", Text: text}) {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

func TestBadInputKeepsAnswers(t *testing.T) {
	w := newWorld(t)
	long := strings.Repeat("x", offsitebot.MaxSummary+1)
	tests := []struct {
		name  string
		who   string
		lines []string // earlier lines of the same conversation
		line  string
		want  []string
		// then, what a good next answer gets (proving earlier answers were kept)
		fix, fixWant string
	}{
		{name: "unknown case", who: home, line: "show OSD-ZZZZ", want: []string{"can't find a case OSD-ZZZZ that you can see"}},
		{name: "another school's case answers the same as unknown", who: otherHome, line: "show " + w.ref, want: []string{"can't find a case " + w.ref + " that you can see"}},
		{name: "not a reference", who: home, lines: []string{"contact"}, line: "Sam", want: []string{`I can't find a case "Sam". Case references look like OSD-7K2Q`}, fix: w.ref, fixWant: "Who was the contact with?"},
		{name: "impossible day", who: home, lines: []string{"review " + w.ref + " schedule"}, line: "31/02/2027", want: []string{"There is no 31 February 2027: February 2027 has 28 days", "Which day is the meeting?"}, fix: "14/12", fixWant: "What time?"},
		{name: "two-digit year", who: home, lines: []string{"review " + w.ref + " schedule"}, line: "14/12/26", want: []string{"write the year with four digits"}, fix: "mon 14 dec", fixWant: "What time?"},
		{name: "year before 2000", who: home, lines: []string{"review " + w.ref + " schedule"}, line: "14/12/1999", want: []string{"year 1999: I take dates from 2000 to 2100"}, fix: "next mon", fixWant: "What time?"},
		{name: "meeting more than a year ahead", who: home, lines: []string{"review " + w.ref + " schedule"}, line: "14 Dec 2027", want: []string{"Tue 14 Dec 2027 is more than a year ahead"}, fix: "14 December 2026", fixWant: "What time?"},
		{name: "hour 25", who: home, lines: []string{"review " + w.ref + " schedule 14/12"}, line: "25:00", want: []string{"hours go up to 23", "What time?"}, fix: "3.30pm", fixWant: "In person or online?"},
		{name: "words where a time is asked", who: home, lines: []string{"review " + w.ref + " schedule thu 17 dec"}, line: "after lunch", want: []string{`can't read "after lunch" as a time`, "15:30"}, fix: "2 pm", fixWant: "In person or online?"},
		{name: "contact in the future", who: home, line: "contact " + w.ref + ` receiving phone when="today 11:00" Transport`, want: []string{"Wed 2 Dec 11:00 is still to come", "When was it?"}, fix: "yesterday 3pm", fixWant: "Logged for " + w.ref + " (phone with the receiving school, Tue 1 Dec 15:00)"},
		{name: "contact over a year ago", who: home, line: "contact " + w.ref + " receiving phone when=1/12/2025 Transport", want: []string{"Mon 1 Dec 2025 is more than a year ago"}, fix: "last fri at 9.15", fixWant: "Fri 27 Nov 09:15"},
		{name: "a year-less contact date is the last one", who: home, line: "contact " + w.ref + ` receiving phone when="3 Dec 10:00" Transport`, want: []string{"Wed 3 Dec 2025 10:00"}},
		{name: "past date where a future one is needed", who: home, lines: []string{"review " + w.ref + " schedule"}, line: "2026-11-01", want: []string{"has already passed"}, fix: "tomorrow", fixWant: "What time?"},
		{name: "past time today", who: home, lines: []string{"review " + w.ref + " schedule today"}, line: "09:00", want: []string{"has already passed", "Which day"}, fix: "2026-12-14", fixWant: "What time?"},
		{name: "unknown attendance code", who: recv, lines: []string{"attendance " + w.ref + " 2026-12-01"}, line: "Q9", want: []string{"isn't a current attendance code"}, fix: "/", fixWant: "afternoon (PM)"},
		{name: "retired code", who: recv, lines: []string{"attendance " + w.ref + " 2026-12-01 /"}, line: "H", want: []string{"H", "was removed in 2024", "C"}, fix: "L", fixWant: "Recorded for " + w.ref + ", Tue 1 Dec: AM /, PM L"},
		{name: "summary too long", who: home, lines: []string{"contact " + w.ref + " receiving phone"}, line: long, want: []string{"the most I can keep is 3000"}, fix: "Short and sweet", fixWant: "Logged for " + w.ref},
		{name: "unknown join code", who: "telegram:777", line: "/start NOPE12345678", want: []string{"isn't one I know"}},
		{name: "LA request without an EHC plan", who: la, line: "request " + w.ref + " la Please review", want: []string{"only where the pupil has an EHC plan", "has none recorded"}},
		{name: "stranger", who: stranger, line: "show " + w.ref, want: []string{"don't know you yet"}},
		{name: "free text gets an answer", who: home, line: "hello there", want: []string{"didn't understand", "help"}},
		{name: "receiving staff cannot schedule", who: recv, line: "review " + w.ref + " schedule 2026-12-14 10:00 in-person", want: []string{"can't do that"}},
		{name: "a start in year 0 is refused at once", who: home, line: `new pupil="Zed Q" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=0000-01-01`, want: []string{`"0000-01-01" is in the year 0: I take dates from 2000 to 2100`, "first day"}, fix: "mon 7 dec", fixWant: "agreed end date"},
		{name: "attendance on an impossible day keeps the codes", who: recv, line: "attendance " + w.ref + " 31/11 / L", want: []string{"There is no 31 November", "Which day?"}, fix: "mon", fixWant: "Recorded for " + w.ref + ", Mon 30 Nov: AM /, PM L"},
		{name: "attendance with the date in words", who: recv, line: "attendance " + w.ref + " 27 Nov absent I", want: []string{"Recorded for " + w.ref + ", Fri 27 Nov: AM I, PM I"}},
		{name: "attendance in the future", who: recv, line: "attendance " + w.ref + " 2026-12-09 / /", want: []string{"is in the future"}},
		{name: "attendance on a Saturday", who: recv, line: "attendance " + w.ref + " 2026-11-28 / /", want: []string{"isn't a school day"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.say(tt.who, "cancel")
			for _, l := range tt.lines {
				w.say(tt.who, l)
			}
			got := w.say(tt.who, tt.line)
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Fatalf("%q answered %q; want %q in it", tt.line, got, want)
				}
			}
			if tt.fix != "" {
				if got := w.say(tt.who, tt.fix); !strings.Contains(got, tt.fixWant) {
					t.Fatalf("after fixing with %q: %q; want %q", tt.fix, got, tt.fixWant)
				}
			}
		})
	}
}

func TestJoinCodeSingleUseAndExpiry(t *testing.T) {
	w := newWorld(t)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+w.ref+" parent"))[1]
	if got := w.say("telegram:601", "/start "+code); !strings.Contains(got, "You're now connected") {
		t.Fatalf("first use: %s", got)
	}
	if got := w.say("telegram:602", "/start "+code); !strings.Contains(got, "already been used") {
		t.Fatalf("second use: %s", got)
	}
	code = regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+w.ref+" parent"))[1]
	w.clk.Set(w.clk.Now().Add(offsitebot.JoinCodeLife + time.Minute))
	if got := w.say("telegram:603", "/start "+code); !strings.Contains(got, "expired") {
		t.Fatalf("expired code: %s", got)
	}
}

func TestParentSeesOnlyOwnCase(t *testing.T) {
	w := newWorld(t)
	other := w.open(home, `new pupil="Jo Bloggs" dob=2012-05-06 ehcp=yes home=100001 receiving=100002 start=2026-11-30 end=2027-01-11`)
	for _, line := range []string{"show " + other, "/request " + other + " please", "/feedback " + other, "/answer " + other + " M1 yes", "export " + other, "cases", "/status"} {
		got := w.say(parent, line)
		if strings.Contains(got, "Jo") || strings.Contains(got, "J.B.") {
			t.Errorf("%q leaked the other pupil: %s", line, got)
		}
		w.say(parent, "cancel")
	}
	if got := w.say(parent, "show "+other); !strings.Contains(got, "can't find a case") {
		t.Errorf("show of another family's case: %s", got)
	}
}

func TestRequestNotifiesHomeAndDutyRule(t *testing.T) {
	w := newWorld(t)
	got := w.say(parent, "/request We would like a meeting please")
	if !strings.Contains(got, "passed to Oakfield Primary") || !strings.Contains(got, "must hold one") {
		t.Fatalf("request reply: %s", got)
	}
	if msgs := w.out.Texts(home); len(msgs) != 1 || !strings.Contains(msgs[0], "“We would like a meeting please”") {
		t.Fatalf("home staff got %q", msgs)
	}
	if msgs := w.out.Texts(otherHome); len(msgs) != 0 {
		t.Fatalf("another school's staff were told: %q", msgs)
	}
}

func TestBlockedParentIsReportedToStaff(t *testing.T) {
	w := newWorld(t)
	w.out.Block(parent, true)
	w.say(home, "review "+w.ref+" schedule 2026-12-14 10:00 in-person")
	msgs := w.out.Texts(home)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "can't be reached") {
		t.Fatalf("home staff got %q", msgs)
	}
	id, err := w.db.Identity(context.Background(), parent)
	if err != nil || id == nil || !id.Unreachable {
		t.Fatalf("parent not marked unreachable: %+v %v", id, err)
	}
	// Found unreachable again: the school was told already.
	conversations.NewNotifier(w.db, w.out, w.clk.Now, nil).Unreachable(context.Background(), w.ref, parent)
	if msgs := w.out.Texts(home); len(msgs) != 1 {
		t.Errorf("home staff told %d times, want once: %q", len(msgs), msgs)
	}
	// They unblock the bot and write again: reachable once more.
	w.out.Block(parent, false)
	w.say(parent, "/status")
	if id, _ := w.db.Identity(context.Background(), parent); id == nil || id.Unreachable {
		t.Errorf("still marked unreachable after writing to the bot: %+v", id)
	}
	// And on the case, where reminders and show look.
	if got := w.say(home, "show "+w.ref); strings.Contains(got, "unreachable") {
		t.Errorf("show still says unreachable:\n%s", got)
	}
}

func TestShortNoticeNeedsConfirmation(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, date string
		warn       bool
	}{
		{"5 days", "2026-12-07", true},
		{"6 days", "2026-12-08", false},
		{"8 days", "2026-12-10", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			got := w.say(home, "review "+w.ref+" schedule "+tt.date+" 10:00 online")
			if strings.Contains(got, "Schedule it anyway?") != tt.warn {
				t.Fatalf("warning %v expected: %s", tt.warn, got)
			}
			if tt.warn {
				if got = w.say(home, "no"); !strings.Contains(got, "pick another date") {
					t.Fatalf("no: %s", got)
				}
				if got = w.say(home, "2026-12-09"); !strings.Contains(got, "What time?") {
					t.Fatalf("re-ask: %s", got)
				}
				got = w.say(home, "10:00")
			}
			if !strings.Contains(got, "scheduled") {
				t.Fatalf("not scheduled: %s", got)
			}
		})
	}
}

func TestFormSubmission(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	open := w.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: home, Text: "contact", Forms: true, Command: true})
	if len(open) != 1 || open[0].Form == nil || len(open[0].Form.Fields) < 4 {
		t.Fatalf("want a form, got %+v", open)
	}
	bad := w.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: home, Text: "contact", Forms: true, Command: true,
		Args: map[string]string{"ref": w.ref, "with": "receiving", "how": "pigeon", "summary": "ok"}})
	if len(bad) != 1 || bad[0].FieldErrors["how"] == "" {
		t.Fatalf("want an error on how, got %+v", bad)
	}
	good := w.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: home, Text: "contact", Forms: true, Command: true,
		Args: map[string]string{"ref": w.ref, "with": "receiving", "how": "email", "summary": "ok"}})
	if len(good) != 1 || !strings.Contains(good[0].Text, "Logged for "+w.ref) {
		t.Fatalf("want it logged, got %+v", good)
	}
	c, err := w.db.Case(ctx, w.ref)
	if err != nil || len(c.Contacts) != 1 || c.Contacts[0].How != "email" {
		t.Fatalf("contact not stored: %+v %v", c, err)
	}
	// Everything typed in one line: no form, it is simply done.
	one := w.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: home, Text: "contact " + w.ref + " receiving phone Spoke to Ms Khan", Forms: true, Command: true})
	if len(one) != 1 || one[0].Form != nil || !strings.Contains(one[0].Text, "Logged for "+w.ref) {
		t.Fatalf("one-line command with forms: %+v", one)
	}
}

// TestAttendanceAlerts: N (whereabouts not known) and E (suspended) tell the
// home school at once, worded as such; U, O, G and an absent morning before a
// present afternoon do not; correcting a day that alerted tells them at once
// that it is resolved.
func TestAttendanceAlerts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string // recorded by the receiving school; REF is the case's
		reply string   // in the reply to the last line
		home  []string // what home staff got, one substring a message
	}{
		{"whereabouts not known", []string{"attendance REF today absent N"}, "Oakfield Primary has been told now",
			[]string{"⚠ Safeguarding — whereabouts not known: S.T. (REF) was recorded on Wed 2 Dec as AM and PM N (reason not yet known) by the receiving school. Please find out today where the pupil is"}},
		{"suspended", []string{"attendance REF today E E"}, "has been told now",
			[]string{"⚠ Safeguarding — suspended: S.T. (REF) was recorded on Wed 2 Dec as AM and PM E (suspended or excluded, no alternative provision)"}},
		{"gone after lunch", []string{"attendance REF today / N"}, "has been told now", []string{"whereabouts not known: S.T. (REF) was recorded on Wed 2 Dec as PM N (reason not yet known) by"}},
		{"late after the register closed", []string{"attendance REF today U /"}, "The home school registers D", nil},
		{"unauthorised absence", []string{"attendance REF today O G"}, "The home school registers D", nil},
		{"absent morning, present afternoon", []string{`attendance REF today N \`}, "The home school registers D", nil},
		{"corrected", []string{"attendance REF today absent N", "attendance REF today absent I"}, "has been told now",
			[]string{"whereabouts not known", "✓ Resolved: the alert about S.T. (REF) on Wed 2 Dec is resolved — the receiving school corrected the day from AM and PM N to AM and PM I (illness)."}},
		{"corrected to an unauthorised absence", []string{"attendance REF today N N", "attendance REF today O O"}, "has been told now",
			[]string{"whereabouts not known", "✓ Resolved: the alert about S.T. (REF) on Wed 2 Dec is resolved — the receiving school corrected the day from AM and PM N to AM and PM O (absent, other unauthorised reason)."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			var got string
			for _, line := range tc.lines {
				got = w.say(recv, strings.ReplaceAll(line, "REF", w.ref))
			}
			if !strings.Contains(got, tc.reply) {
				t.Errorf("reply %q, want %q", got, tc.reply)
			}
			msgs := w.out.Texts(home)
			if len(msgs) != len(tc.home) {
				t.Fatalf("home got %q, want %d messages", msgs, len(tc.home))
			}
			for i, want := range tc.home {
				if want = strings.ReplaceAll(want, "REF", w.ref); !strings.Contains(msgs[i], want) {
					t.Errorf("home message %d: %q, want %q", i, msgs[i], want)
				}
			}
		})
	}
}

// TestAttendanceSummaryWords: the day's summary names each code the home
// school should notice for what it is; only an alert is marked ⚠.
func TestAttendanceSummaryWords(t *testing.T) {
	for _, tc := range []struct{ am, pm, want string }{
		{"/", `\`, `AM /, PM \ — register D D`},
		{"N", "N", "register D D ⚠ N reason not yet known"},
		{"E", "E", "register D D ⚠ E suspended or excluded, no alternative provision"},
		{"O", "G", "register D D · O unauthorised absence (absent, other unauthorised reason), G unauthorised absence (holiday not agreed by the school)"},
		{"U", `\`, "register D D · U late (arrived after the register closed)"},
		{"N", `\`, "register D D · N reason not yet known"},
	} {
		c := &offsitebot.Case{Ref: "OSD-7K2Q", Pupil: "Sam Taylor", Attendance: []offsitebot.AttendanceDay{{Date: "2026-12-02", AM: tc.am, PM: tc.pm}}}
		got := conversations.AttendanceSummary("2026-12-02", []*offsitebot.Case{c}).Text
		if !strings.HasSuffix(got, tc.want) {
			t.Errorf("AM %s PM %s: %q, want it to end %q", tc.am, tc.pm, got, tc.want)
		}
	}
}

// TestEdgesOfOneLinersAndQuestions: non-school days, refusals that leave
// nothing pending, words kept as typed, back with nothing asked, and commands
// typed in the middle of a question.
func TestEdgesOfOneLinersAndQuestions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		who   string
		at    string // clock, London
		lines []string
		want  []string // in the reply to the last line
		check func(t *testing.T, c *offsitebot.Case)
		keep  bool // leave the flow open for the next row
	}{
		{name: "today's attendance on a Saturday asks for a school day", who: recv, at: "2026-12-05 10:00",
			lines: []string{"attendance " + w.ref + " / /"}, want: []string{"Sat 5 Dec isn't a school day", "Which day?"}},
		{name: "a one-line refusal leaves nothing pending", who: home,
			lines: []string{"link " + w.ref + " pupil", "show " + w.ref}, want: []string{w.ref + " — Sam Taylor"}},
		{name: "a request is kept word for word, quotes and all", who: parent,
			lines: []string{`/request Sam is unhappy, "can we talk"? meeting=soon`}, want: []string{"received"},
			check: func(t *testing.T, c *offsitebot.Case) {
				if got := c.Requests[len(c.Requests)-1].Text; got != `Sam is unhappy, "can we talk"? meeting=soon` {
					t.Errorf("stored %q", got)
				}
			}},
		{name: "back with nothing asked keeps the command's answers", who: recv,
			lines: []string{"attendance " + w.ref + " 2026-12-01 absent", "back"}, want: []string{"no earlier question", "Which code?"}},
		{name: "a command mid-flow keeps the flow and repeats its question", who: parent,
			lines: []string{"/feedback", "Happier now", "/status"}, want: []string{"still in the middle of your feedback", "how do you, the family"}, keep: true},
		{name: "and the flow goes on", who: parent,
			lines: []string{"Relieved", "skip"}, want: []string{"Thank you"},
			check: func(t *testing.T, c *offsitebot.Case) {
				if f := c.Feedback[len(c.Feedback)-1]; f.Pupil != "Happier now" || f.Family != "Relieved" {
					t.Errorf("feedback %+v", f)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			if tt.at != "" {
				w.clk.Set(london(tt.at))
			}
			var got string
			for _, l := range tt.lines {
				got = w.say(tt.who, l)
			}
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Fatalf("got %q; want %q in it", got, want)
				}
			}
			if tt.check != nil {
				c, err := w.db.Case(ctx, w.ref)
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, c)
			}
			if !tt.keep {
				w.say(tt.who, "cancel")
			}
		})
	}
	// Loose words after key=value belong to that value.
	got := w.say(home, `new pupil=Jo Anne Smith dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-07 end=2027-01-18 colour=red`)
	if !strings.Contains(got, "Opened OSD-") || !strings.Contains(got, "for Jo Anne Smith") || !strings.Contains(got, "I don't know colour=") {
		t.Fatalf("new with loose words: %s", got)
	}
}

func TestDutiesCanBeCleared(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	got := w.say(home, `new pupil="Al Bee" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-07 end=2027-01-18`)
	ref := regexp.MustCompile(`OSD-[0-9A-Z]{4}`).FindString(got)
	if due := w.say(home, "due"); !strings.Contains(due, ref+"  written notice to the parents must reach them by Thu 3 Dec") || !strings.Contains(due, "notice "+ref+" given") {
		t.Fatalf("notice not due: %s", due)
	}
	if got := w.say(home, "notice "+ref+" given email"); !strings.Contains(got, "Recorded: the written notice for "+ref) {
		t.Fatalf("notice: %s", got)
	}
	if due := w.say(home, "due"); strings.Contains(due, ref+"  written notice") {
		t.Fatalf("notice still due after being given: %s", due)
	}

	// A meeting cancelled tells those invited (the parent and the receiving
	// school's staff) and stops asking for its outcome.
	w.say(home, "review "+w.ref+" schedule 2026-12-14 10:00 in-person")
	got = w.say(home, "review "+w.ref+" cancel M1")
	if !strings.Contains(got, "M1") || !strings.Contains(got, "is cancelled; 2 people invited told") {
		t.Fatalf("cancel: %s", got)
	}
	if msgs := w.out.Texts(parent); len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1], "is cancelled") {
		t.Fatalf("parent got %q", msgs)
	}
	if got := w.say(home, "review "+w.ref+" cancel M1"); !strings.Contains(got, "already held or cancelled") {
		t.Fatalf("second cancel: %s", got)
	}

	// A decision to continue told by letter clears the nudge.
	c, err := w.db.Case(ctx, w.ref)
	if err != nil {
		t.Fatal(err)
	}
	w.out.Block(parent, true) // so the bot cannot tell them itself
	w.say(home, "review "+w.ref+" schedule 2026-12-10 10:00 in-person")
	w.clk.Set(london("2026-12-10 16:00"))
	w.say(home, `review `+w.ref+` outcome met=yes successes=a voice=b concerns=c interventions=d decision=continue until=2027-01-29 next=2026-12-21 attended=e`)
	if due := w.say(home, "due"); !strings.Contains(due, "review "+w.ref+" told M2") {
		t.Fatalf("continuation not due: %s (%d meetings before)", due, len(c.Meetings))
	}
	if got := w.say(home, "review "+w.ref+" told M2"); !strings.Contains(got, "were told of the decision to continue after M2") {
		t.Fatalf("told: %s", got)
	}
	if due := w.say(home, "due"); strings.Contains(due, "told M2") {
		t.Fatalf("continuation still due: %s", due)
	}
	// Ending it is in the chronology, with who and when.
	w.say(home, "end "+w.ref+" reintegrated")
	if got := w.say(home, "yes"); !strings.Contains(got, "ended today") {
		t.Fatalf("end: %s", got)
	}
	c, err = w.db.Case(ctx, w.ref)
	if err != nil {
		t.Fatal(err)
	}
	log, err := w.db.AuditLog(ctx, w.ref)
	if err != nil {
		t.Fatal(err)
	}
	var ended []conversations.Entry
	for _, e := range conversations.Chronology(c, log) {
		if e.Kind == "ended" {
			ended = append(ended, e)
		}
	}
	if len(ended) != 1 || ended[0].By != home || !ended[0].At.Equal(w.clk.Now()) {
		t.Fatalf("ended entries %+v", ended)
	}
}

func TestCorrectionKeepsHistory(t *testing.T) {
	w := newWorld(t)
	w.say(recv, "attendance "+w.ref+" 2026-12-01 N O")
	w.clk.Set(w.clk.Now().Add(time.Minute))
	got := w.say(recv, "attendance "+w.ref+" 2026-12-01 / L")
	if !strings.Contains(got, "(was AM N, PM O)") {
		t.Fatalf("correction reply: %s", got)
	}
	c, err := w.db.Case(context.Background(), w.ref)
	if err != nil {
		t.Fatal(err)
	}
	log, err := w.db.AuditLog(context.Background(), w.ref)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range conversations.Chronology(c, log) {
		switch {
		case e.Kind == "attendance" && strings.HasPrefix(e.Summary, "2026-12-01 AM N PM O") && e.By == recv:
			seen = append(seen, "original")
		case e.Kind == "message" && strings.Contains(e.Summary, "attendance alert resolved"):
			seen = append(seen, "resolved")
		case e.Kind == "message" && strings.Contains(e.Summary, "attendance alert"):
			seen = append(seen, "alert")
		case e.Kind == "attendance" && strings.Contains(e.Summary, "(was AM N, PM O)"):
			seen = append(seen, "correction")
		}
	}
	if strings.Join(seen, ",") != "original,alert,correction,resolved" {
		t.Fatalf("chronology lacks the original, the alert, the correction or its resolution: %v", seen)
	}
}

func TestDateSanityNotes(t *testing.T) {
	w := newWorld(t)
	tests := []struct{ line, want string }{
		{"review " + w.ref + " schedule 2026-12-12 10:00 in-person", "Sat 12 Dec is not a school day (Saturday)"},
		{"review " + w.ref + " schedule 2026-12-15 21:30 online", "outside usual hours"},
		{`new pupil="Di Ed" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-25 end=2027-02-05`, "Fri 25 Dec 2026, is not a school day (Christmas Day). The nearest school day still to come is Thu 24 Dec 2026. Keep Fri 25 Dec?"},
		{`new pupil="Ed Di" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-03 end=2027-01-14`, "so it is late: send it today"},
		{`new pupil="ed di" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-04 end=2027-01-15`, "There is already an active direction for this pupil"},
	}
	for _, tt := range tests {
		if got := w.say(home, tt.line); !strings.Contains(got, tt.want) {
			t.Errorf("%q: %s\nwant %q", tt.line, got, tt.want)
		}
	}
}

func TestFamilyTypesWhatButtonsSay(t *testing.T) {
	w := newWorld(t)
	w.say(home, "review "+w.ref+" schedule 2026-12-14 10:00 in-person")
	if got := w.say(parent, "I can come"); !strings.Contains(got, "see you on Mon 14 Dec 10:00") {
		t.Fatalf("typed label: %s", got)
	}
	if got := w.say(parent, "When is the meeting?"); !strings.Contains(got, "Next review meeting: Mon 14 Dec 10:00") {
		t.Fatalf("question: %s", got)
	}
	if got := w.say(parent, "banana"); !strings.Contains(got, "passed your message to Oakfield Primary") {
		t.Fatalf("free text: %s", got)
	}
}

func TestWrongJoinCodesSlowedDown(t *testing.T) {
	w := newWorld(t)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+w.ref+" parent"))[1]
	for i := range 5 {
		if got := w.say("shell:parent:Guess", fmt.Sprintf("/start WRONG%07d", i)); !strings.Contains(got, "isn't one I know") {
			t.Fatalf("attempt %d: %s", i, got)
		}
	}
	// The sixth is not tried, even with the right code...
	if got := w.say("shell:parent:Guess", "/start "+code); !strings.Contains(got, "too many codes") {
		t.Fatalf("sixth attempt: %s", got)
	}
	// ...until the hour has passed.
	w.clk.Set(w.clk.Now().Add(time.Hour))
	if got := w.say("shell:parent:Guess", "/start "+code); !strings.Contains(got, "You're now connected") {
		t.Fatalf("after an hour: %s", got)
	}
}

// TestQuestionsMeetingsAndEnding: a command at a free-text question, a
// cancelled meeting, the next meeting on a school day, and what ending does.
func TestQuestionsMeetingsAndEnding(t *testing.T) {
	w := newWorld(t)
	// A command typed at a free-text question runs, and the question stands.
	w.say(home, "contact "+w.ref+" receiving phone")
	if got := w.say(home, "show "+w.ref); !strings.Contains(got, w.ref+" — Sam Taylor") || !strings.Contains(got, "still in the middle of logging contact") {
		t.Fatalf("show at the summary question: %s", got)
	}
	if got := w.say(home, "Spoke to Ms Khan"); !strings.Contains(got, "Logged for "+w.ref) {
		t.Fatalf("the summary after: %s", got)
	}
	c, _ := w.db.Case(context.Background(), w.ref)
	if s := c.Contacts[len(c.Contacts)-1].Summary; s != "Spoke to Ms Khan" {
		t.Fatalf("summary stored %q", s)
	}

	// A cancelled meeting can't be answered; the parent was told, naming the child.
	w.say(home, "review "+w.ref+" schedule 2026-12-14 10:00 in-person")
	w.say(home, "review "+w.ref+" cancel M1")
	if msgs := w.out.Texts(parent); !strings.Contains(msgs[len(msgs)-1], "about Sam's off-site direction ("+w.ref+") on Mon 14 Dec 10:00 is cancelled") {
		t.Fatalf("parent told %q", msgs[len(msgs)-1])
	}
	if got := w.say(parent, "/answer "+w.ref+" M1 yes"); !strings.Contains(got, "was cancelled") {
		t.Fatalf("answer to a cancelled meeting: %s", got)
	}
	w.say(parent, "cancel")

	// The next meeting set at an outcome must be a school day.
	w.say(home, "review "+w.ref+" schedule 2026-12-09 10:00 in-person")
	w.clk.Set(london("2026-12-09 12:00"))
	got := w.say(home, "review "+w.ref+" outcome met=yes successes=a voice=b concerns=c interventions=d decision=continue until=2027-01-29 next=2026-12-25 attended=e")
	if !strings.Contains(got, "Fri 25 Dec is not a school day") {
		t.Fatalf("next on Christmas Day: %s", got)
	}
	// Answered by a question, it is summed up before the family is told.
	sent := len(w.out.Texts(parent))
	if got := w.say(home, "2026-12-22"); !strings.Contains(got, "Next review meeting: Tue 22 Dec 2026") || !strings.Contains(got, "Send it?") || len(w.out.Texts(parent)) != sent {
		t.Fatalf("next fixed: %s", got)
	}
	if got := w.say(home, "yes"); !strings.Contains(got, "Outcome of M2 recorded") {
		t.Fatalf("outcome confirmed: %s", got)
	}

	// Ending the direction calls off meetings still to come, and says so to those invited.
	w.say(home, "review "+w.ref+" schedule 2026-12-22 10:00 in-person")
	w.say(home, "end "+w.ref+" other")
	w.say(home, "yes")
	if msgs := w.out.Texts(parent); len(msgs) < 2 || !strings.Contains(msgs[len(msgs)-2], "on Tue 22 Dec 10:00 won't take place: the off-site direction has ended") || !strings.Contains(msgs[len(msgs)-1], "Sam's off-site direction ("+w.ref+") ended on Wed 9 Dec") {
		t.Fatalf("parent not told of the meeting called off and the end: %q", msgs)
	}
	// With the only case ended, feedback has nothing to go to.
	if got := w.say(parent, "/feedback"); !strings.Contains(got, "not connected to an active off-site direction") {
		t.Fatalf("feedback on an ended case: %s", got)
	}
}

func TestParentPicksChildByName(t *testing.T) {
	w := newWorld(t)
	other := w.open(home, `new pupil="Kit Taylor" dob=2014-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-30 end=2027-01-11`)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+other+" parent"))[1]
	w.say(parent, "/start "+code)
	r := w.router.Handle(context.Background(), bot.Request{Platform: offsitebot.Telegram, UserID: parent, Text: "/request"})
	if len(r) != 1 || !strings.Contains(r[0].Text, "Which child's case") || len(r[0].Buttons) == 0 || r[0].Buttons[0][0].Label != "Sam ("+w.ref+")" && r[0].Buttons[0][0].Label != "Kit ("+other+")" {
		t.Fatalf("picker: %+v", r)
	}
	if got := w.say(parent, "kit"); !strings.Contains(got, "write your request") {
		t.Fatalf("by name: %s", got)
	}
	if got := w.say(parent, "Please can we meet"); !strings.Contains(got, "received") {
		t.Fatalf("request: %s", got)
	}
	c, _ := w.db.Case(context.Background(), other)
	if len(c.Requests) != 1 || c.Requests[0].Text != "Please can we meet" {
		t.Fatalf("requests on Kit's case: %+v", c.Requests)
	}
}

func TestInvitedAnotherWayAndHomeRecordedAbsence(t *testing.T) {
	w := newWorld(t)
	other := w.open(home, `new pupil="Lu Chan" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-30 end=2027-01-11`)
	if got := w.say(home, "review "+other+" schedule 2026-12-10 10:00 in-person"); !strings.Contains(got, "review "+other+" invited M1 letter") {
		t.Fatalf("schedule: %s", got)
	}
	if due := w.say(home, "due"); !strings.Contains(due, "invitation for the Thu 10 Dec meeting") {
		t.Fatalf("invitation not due: %s", due)
	}
	if got := w.say(home, "review "+other+" invited M1 phone"); !strings.Contains(got, "invited to M1 (Thu 10 Dec 10:00) by phone") {
		t.Fatalf("invited: %s", got)
	}
	if due := w.say(home, "due"); strings.Contains(due, "invitation for the Thu 10 Dec meeting") {
		t.Fatalf("invitation still due: %s", due)
	}
	// Home staff recording an absence themselves are not alerted about their own entry.
	before := len(w.out.Texts(home))
	if got := w.say(home, "attendance "+other+" 2026-12-01 absent N"); !strings.Contains(got, "AM N, PM N") {
		t.Fatalf("attendance: %s", got)
	}
	if n := len(w.out.Texts(home)); n != before {
		t.Fatalf("home staff alerted about their own entry: %q", w.out.Texts(home)[before:])
	}
}

// The family invited on Telegram and then by letter is one invitation in
// show's count, the letter said beside it; the receiving school's staff,
// invited as staff, are named.
func TestLetterAfterTelegramInvitationCountsFamilyOnce(t *testing.T) {
	w := newWorld(t)
	w.say(home, "review "+w.ref+" schedule 2026-12-14 10:00 in-person")
	w.say(home, "review "+w.ref+" invited M1 letter")
	got := w.say(home, "show "+w.ref)
	for _, want := range []string{"invited 2 — not said yet: ", "Kim (receiving staff)", "; the family also invited by letter"} {
		if !strings.Contains(got, want) {
			t.Fatalf("show: %s\nwant %q in it", got, want)
		}
	}
	if strings.Contains(got, "the family, by letter") {
		t.Errorf("the family counted twice: %s", got)
	}
}

// A written request staff record (the family's letter) is owed a reply, as
// one the family send themselves: with nobody of theirs on offsitebot, due
// says to answer another way and record it, and recording it ends the wait.
func TestStaffRecordedRequestOwesAReply(t *testing.T) {
	w := newWorld(t)
	got := w.say(home, "request "+w.ref+" parent Please can we have a review meeting")
	if !strings.Contains(got, "The parent is owed a reply too, which due shows until you give it: reply "+w.ref+" parent YOUR WORDS") {
		t.Fatalf("request on a linked case: %s", got)
	}
	ref := w.open(home, `new pupil="Al Bee" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-07 end=2027-01-18`)
	got = w.say(home, "request "+ref+" parent We would like a meeting please")
	if !strings.Contains(got, "answer them another way, then contact "+ref+" parent email|phone|meeting WHAT YOU SAID") {
		t.Fatalf("request with nobody linked: %s", got)
	}
	due := w.say(home, "due")
	for _, want := range []string{ref + "  review request from the parent awaiting a reply since", "nobody of theirs is on offsitebot, so answer them another way and record it", "contact " + ref + " parent email|phone|meeting"} {
		if !strings.Contains(due, want) {
			t.Fatalf("due: %s\nwant %q in it", due, want)
		}
	}
	w.say(home, "contact "+ref+" parent phone Called back to arrange the meeting")
	if due := w.say(home, "due"); strings.Contains(due, ref+"  review request from the parent awaiting a reply") {
		t.Errorf("still awaiting a reply after contact was recorded: %s", due)
	}
}
