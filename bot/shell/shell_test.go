package shell_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/bot/shell"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// clock is the shared settable time source: the scenario moves it, nothing waits.
type clock = bottest.Clock

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, offsitebot.London)
	if err != nil {
		panic(err)
	}
	return t
}

// session drives one shell the way a script on standard input would.
type session struct {
	t   *testing.T
	sh  *shell.Shell
	out *bytes.Buffer
	clk *clock
}

func newSession(t *testing.T, edit ...func(*shell.Options)) *session {
	db := storagetest.New(t)
	clk := bottest.NewClock(at("2026-12-02 09:30"))
	d := bot.NewDispatcher()
	e := conversations.New(conversations.Deps{Store: db, Send: d, Now: clk.Now, Calendar: offsitebot.NewCalendar(nil, nil), TelegramBot: "offsite_test_bot"})
	out := &bytes.Buffer{}
	opts := shell.Options{Router: e.Router(), Identities: db, In: strings.NewReader(""), Out: out, HomeURN: "100001", ReceivingURN: "100002", Now: clk.Now}
	for _, f := range edit {
		f(&opts)
	}
	sh := shell.New(opts)
	d.Register(offsitebot.Shell, sh)
	return &session{t: t, sh: sh, out: out, clk: clk}
}

// say types one line and returns everything printed in answer.
func (s *session) say(line string) string {
	s.t.Helper()
	s.out.Reset()
	s.clk.Set(s.clk.Now().Add(time.Minute)) // people take a minute to type
	s.sh.Line(context.Background(), line)
	return s.out.String()
}

// expect types line and fails unless every want appears in the answer.
func (s *session) expect(line string, wants ...string) string {
	s.t.Helper()
	got := s.say(line)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			s.t.Fatalf("%q answered:\n%s\nwant it to contain %q", line, got, w)
		}
	}
	return got
}

var (
	refRE  = regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`)
	codeRE = regexp.MustCompile(`start=([0-9A-Za-z]+)`)
)

func TestScriptedSessionEndToEnd(t *testing.T) {
	s := newSession(t)
	s.expect("/as admin", "You are now shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary", "saved")
	s.expect("school add 100002 Riverside Academy", "saved")

	s.expect("/as home:Alex", "shell:home:Alex")
	s.expect(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001`, "receiving school")
	s.expect("100001", "must be another school") // the conversation keeps what was given
	s.expect("100002", "first day")
	s.expect("2026-13-01", "13 isn't a month")
	s.expect("2026-12-01", "agreed end date")
	s.expect("skip", "Why is the direction")
	s.expect("Persistent disruption", "objectives")
	s.expect("back", "Why is the direction") // back re-asks, keeping the rest
	s.expect("Persistent disruption in lessons", "objectives")
	s.expect("Settle and re-engage", "report to on arrival")
	s.expect("Ms Khan", "session times")
	opened := s.expect("08:40–15:10", "Opened OSD-", "Sam Taylor", "Oakfield Primary → Riverside Academy")
	ref := refRE.FindString(opened)

	link := s.expect("link "+ref+" parent", "https://t.me/offsite_test_bot?start=")
	code := codeRE.FindStringSubmatch(link)[1]

	s.expect("/as parent:Pat", "shell:parent:Pat")
	s.expect("/start "+code, "Hello Pat", "Sam's off-site direction at Riverside Academy ("+ref+")")
	// No meeting yet: the duty applies; the home school hears at once.
	s.clk.Set(at("2026-12-02 10:13"))
	req := s.expect("/request Sam is unhappy and we'd like to talk about coming back",
		"received at 10:14 on 2 Dec and passed to Oakfield Primary", "must hold one",
		"✉ to shell:home:Alex: New review request for S.T. ("+ref+")", "Sam is unhappy")
	if strings.Contains(req, "doesn't have to") {
		t.Fatalf("duty should apply with no meeting held:\n%s", req)
	}

	s.expect("/as home:Alex", "home:Alex")
	s.clk.Set(at("2026-12-02 10:19"))
	s.expect("contact "+ref+" receiving phone Spoke to Ms Khan; good first week, one late arrival",
		"Logged for "+ref+" (phone with the receiving school, Wed 2 Dec 10:20)", "Next contact between the schools due by")

	// 5 days out: warned, confirmed.
	s.expect("review "+ref+" schedule 2026-12-07 15:30 in-person Room 4", "That meeting is 5 days away", "Schedule it anyway?")
	sched := s.expect("yes", "Review meeting M1 for "+ref+" scheduled: Mon 7 Dec 15:30, in person (Room 4)",
		"Invitation sent to 1 linked parent", "This answers 1 open review request", "✉ to shell:parent:Pat", "/answer "+ref+" M1 yes")
	_ = sched
	// 8 days out: no warning.
	second := s.expect("review "+ref+" schedule 2026-12-10 15:30 online", "Review meeting M2 for "+ref+" scheduled: Thu 10 Dec 15:30, online")
	if strings.Contains(second, "days away") {
		t.Fatalf("no warning expected 8 days out:\n%s", second)
	}

	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/answer "+ref+" M1 yes", "see you on Mon 7 Dec 15:30")
	s.expect("/feedback", "How does your child feel")
	s.expect("It's OK, I like the art room", "how do you, the family")
	s.expect("Relieved, but worried about friends", "from 1 (badly) to 5")
	s.expect("4", "Thank you. Your answers will be read at the next review meeting")

	s.clk.Set(at("2026-12-07 17:00"))
	s.expect("/as home:Alex", "home:Alex")
	s.expect("show "+ref, "for the meeting pack", "I like the art room", "Relieved, but worried about friends", "(how it's going: 4/5)")
	s.expect("review "+ref+" outcome", "objectives being met")
	s.expect("partly", "gone well")
	s.expect("Good attendance", "I like the art room", "Type ok to use that")
	s.expect("ok", "Concerns")
	s.expect("Friendships", "Interventions and strategies")
	s.expect("Check-ins with mentor", "What was decided")
	s.expect("continue", "until when")
	s.expect("2026-12-01", "has already passed") // a past date where a future one is needed
	s.expect("2027-01-29", "next review meeting")
	s.expect("2026-12-21", "Who attended")
	s.expect("Alex (home), Ms Khan (receiving), Pat (parent)",
		"Outcome of M1 recorded for "+ref+": continue", "decision to continue was sent to 1 linked parent",
		"✉ to shell:parent:Pat: After the review meeting on Mon 7 Dec", "will continue until Fri 29 Jan")

	// A meeting was held yesterday: the duty does not apply, and the parent is told so plainly.
	s.clk.Set(at("2026-12-08 09:00"))
	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/request Please can we meet again", "within the last 10 weeks", "doesn't have to hold another one yet")

	s.expect("/as home:Alex", "home:Alex")
	exp := s.expect("export "+ref, "Chronology of "+ref)
	body := exp[strings.Index(exp, "{"):]
	body = body[:strings.LastIndex(body, "}")+1]
	var x struct {
		Chronology []struct {
			At   time.Time `json:"at"`
			Kind string    `json:"kind"`
		} `json:"chronology"`
		Audit []struct {
			Action string `json:"action"`
			By     string `json:"by"`
		} `json:"audit"`
	}
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, body)
	}
	wantKinds := []string{"opened", "joined", "review request", "message", "contact", "review scheduled", "contact", "review scheduled", "contact",
		"invitation answered", "contact", "feedback", "review held", "contact", "review request", "message"}
	var kinds []string
	for i, e := range x.Chronology {
		kinds = append(kinds, e.Kind)
		if i > 0 && e.At.Before(x.Chronology[i-1].At) {
			t.Errorf("chronology out of order at %d: %v before %v", i, e.At, x.Chronology[i-1].At)
		}
	}
	if strings.Join(kinds, ",") != strings.Join(wantKinds, ",") {
		t.Errorf("chronology kinds:\n got %v\nwant %v", kinds, wantKinds)
	}
	wantAudit := []string{"case opened", "join code made", "joined by code", "review request recorded", "review request passed on", "contact logged",
		"review scheduled", "invitation sent", "review scheduled", "invitation sent", "invitation answered", "feedback given", "review outcome recorded", "end date changed", "decision notice sent",
		"review request recorded", "review request passed on", "exported"}
	var actions []string
	for _, a := range x.Audit {
		actions = append(actions, a.Action)
		if a.By == "" {
			t.Errorf("audit event %q has no author", a.Action)
		}
	}
	if strings.Join(actions, ",") != strings.Join(wantAudit, ",") {
		t.Errorf("audit trail:\n got %v\nwant %v", actions, wantAudit)
	}
}

// TestBritishDatesInGuidedFlows answers every date and time question the way
// staff write them, wrong first: each wrong answer says what was wrong and the
// same question comes back, with everything answered before kept.
func TestBritishDatesInGuidedFlows(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.expect("/as admin", "You are now shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary", "saved")
	s.expect("school add 100002 Riverside Academy", "saved")
	s.expect("/as home:Alex", "shell:home:Alex")

	s.expect("new", "full name")
	if q := s.expect("Sam Taylor", "date of birth", "14/3/2012"); strings.Contains(q, "today") {
		t.Fatalf("the date-of-birth question offers today:\n%s", q)
	}
	s.expect("today", "whole date of birth with the year", "date of birth")
	s.expect("14/03/12", "write the year with four digits", "date of birth")
	s.expect("31/02/2012", "There is no 31 February 2012: February 2012 has 29 days", "date of birth")
	s.expect("14/3/1990", "would make the pupil 36 years old", "date of birth")
	s.expect("14 March 2012", "EHC plan")
	s.expect("no", "receiving school") // the home school is Alex's
	s.expect("100002", "first day", "for example 9/12/2026, 9 Dec, friday, next thu or tomorrow")
	s.expect("0000-01-01", `"0000-01-01" is in the year 0`, "first day")
	s.expect("3/12/26", "write the year with four digits", "first day")
	s.expect("31/11", "There is no 31 November", "first day")
	s.expect("14/12/2027", "Tue 14 Dec 2027 is more than a year ahead", "first day")
	s.expect("next mon", "agreed end date", "or skip")
	s.expect("fri 29 jan", "Why is the direction")
	s.expect("skip", "objectives")
	s.expect("skip", "report to on arrival")
	s.expect("skip", "session times")
	opened := s.expect("skip", "Opened OSD-", "for Sam Taylor", "starting Mon 7 Dec")
	ref := refRE.FindString(opened)
	s.expect("show "+ref, "born 14 Mar 2012", "29 Jan")

	s.expect("review "+ref+" schedule", "Which day is the meeting?")
	s.expect("31/02/2027", "There is no 31 February 2027", "Which day is the meeting?")
	s.expect("yesterday", "Tue 1 Dec 2026 has already passed", "Which day is the meeting?")
	s.expect("thu 17 dec", "What time?")
	s.expect("25:00", "hours go up to 23", "What time?")
	s.expect("half three", `can't read "half three" as a time`, "What time?")
	s.expect("3.30pm", "In person or online?")
	s.expect("in person", "Where?")
	s.expect("skip", "Review meeting M1 for "+ref+" scheduled: Thu 17 Dec 15:30, in person")
	s.expect("review "+ref+" schedule next fri 10am online", "Review meeting M2 for "+ref+" scheduled: Fri 11 Dec 10:00, online")
	s.expect("review "+ref+" schedule 21 Dec 3:30 pm in-person Room 4", "Review meeting M3 for "+ref+" scheduled: Mon 21 Dec 15:30, in person (Room 4)")

	s.expect("contact "+ref+` receiving phone when="1/12/2025 10:00" Planning call`, "Mon 1 Dec 2025 is more than a year ago", "When was it?")
	s.expect("tue at 9.15", "Logged for "+ref+" (phone with the receiving school, Tue 1 Dec 09:15)")
}

// Ctrl-C or SIGTERM ends the shell even while it waits for someone to type.
func TestRunEndsWhileWaitingForInput(t *testing.T) {
	db := storagetest.New(t)
	in, typing := io.Pipe()
	defer typing.Close()
	sh := shell.New(shell.Options{Router: conversations.New(conversations.Deps{Store: db}).Router(), Identities: db, In: in, Out: io.Discard})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	if _, err := io.WriteString(typing, "help\n"); err != nil { // read: the shell is in its loop
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shell still waits for input after its context ended")
	}
}

// The documents are saved where the shell was told (the working directory,
// as offsitebot runs it), named from the reference, and the path printed.
func TestDocumentsSaved(t *testing.T) {
	dir := t.TempDir()
	s := newSession(t, func(o *shell.Options) { o.Files = dir })
	s.expect("/as admin", "You are now shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary", "saved")
	s.expect("school add 100002 Riverside Academy", "saved")
	s.expect("/as home:Alex", "shell:home:Alex")
	ref := refRE.FindString(s.expect(`new pupil="Zoë Ó'Brien" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23`, "Opened OSD-"))
	code := codeRE.FindStringSubmatch(s.expect("link "+ref+" parent", "start="))[1]
	s.expect("review "+ref+" schedule 2026-12-14 10:00 in-person", "Review meeting M1")

	saved := func(out, name string) []byte {
		t.Helper()
		path := filepath.Join(dir, name)
		if !strings.Contains(out, "(saved as "+path+")") {
			t.Fatalf("the path is not printed:\n%s\nwant %s", out, path)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s not saved privately: %v %v", name, fi, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if data := saved(s.expect("pack "+ref, "Review meeting pack for "+ref+" (M1, Mon 14 Dec 10:00), staff version"), ref+"-pack-M1.pdf"); !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Errorf("the pack is not a PDF: %.20q", data)
	}
	if data := saved(s.expect("attendance "+ref+" chart", "Attendance of Z.Ó. ("+ref+") since the start"), ref+"-attendance.png"); !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("the chart is not a PNG: %.20q", data)
	}
	saved(s.expect("letter "+ref+" invite", "The invitation to M1 (Mon 14 Dec 10:00) for "+ref, "letter "+ref+" invite M1 send"), ref+"-invite-M1.pdf")

	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/start "+code, "Hello Pat")
	saved(s.expect("/pack", "Here are the papers for the review meeting about Zoë's off-site direction"), ref+"-pack-M1-family.pdf")

	// Sent to someone else, the letter is shown as an attachment of theirs.
	s.expect("/as home:Alex", "home:Alex")
	s.expect("letter "+ref+" notice send", "I haven't sent it yet", "the receiving school's address", "letter "+ref+" notice send anyway")
	s.expect("letter "+ref+" notice send anyway", "✉ to shell:parent:Pat: A letter from Oakfield Primary", "📎 "+ref+"-notice.pdf",
		"Sent the written notice for "+ref+" to Pat", "Record the written notice for "+ref+" as given")
	s.expect("no", "not recorded yet", "notice "+ref+" given")

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "Zo") || !strings.HasPrefix(e.Name(), ref+"-") {
			t.Errorf("saved as %q: name files by the reference only", e.Name())
		}
	}
}
