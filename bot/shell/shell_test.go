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
	s.expect("school add 100001 Oakfield Primary", "Added Oakfield Primary (100001)")
	s.expect("school add 100002 Riverside Academy", "Added Riverside Academy (100002)")

	s.expect("/as home:Alex", "shell:home:Alex")
	s.expect(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001`, "receiving school")
	s.expect("100001", "must be another school") // the conversation keeps what was given
	s.expect("100002", "first day")
	s.expect("2026-13-01", "13 isn't a month")
	s.expect("2026-12-01", "Tue 1 Dec 2026, has already passed (1 day ago)", "Keep Tue 1 Dec?", "Use Wed 2 Dec")
	s.expect("yes", "agreed end date")
	s.expect("skip", "can't be skipped", "agreed end date") // the notice must state the end
	s.expect("15/1/2027", "Why is the direction")
	s.expect("Persistent disruption", "objectives")
	s.expect("back", "Why is the direction") // back re-asks, keeping the rest
	s.expect("Persistent disruption in lessons", "objectives")
	s.expect("Settle and re-engage", "report to on arrival")
	s.expect("Ms Khan", "session times")
	s.expect("08:40–15:10", "Please check before I open the case", "Sam Taylor, born 4 Mar 2012", "first day Tue 1 Dec 2026", "Reasons: Persistent disruption in lessons", "Open it?")
	opened := s.expect("yes", "Opened OSD-", "Sam Taylor", "Oakfield Primary → Riverside Academy")
	ref := refRE.FindString(opened)

	link := s.expect("link "+ref+" parent", "https://t.me/offsite_test_bot?start=")
	code := codeRE.FindStringSubmatch(link)[1]

	s.expect("/as parent:Pat", "shell:parent:Pat")
	s.expect("/start "+code, "Hello Pat", "Sam's off-site direction at Riverside Academy ("+ref+")")
	// No meeting yet: the duty applies; the home school hears at once.
	s.clk.Set(at("2026-12-02 10:13"))
	req := s.expect("/request Sam is unhappy and we'd like to talk about coming back",
		"received at 10:14 on Wed 2 Dec and passed to Oakfield Primary", "must hold one",
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
		"Invitation sent now to 1 linked parent.", "This answers 1 open review request", "✉ to shell:parent:Pat", "/answer "+ref+" M1 yes")
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
	sum := s.expect("Alex (home), Ms Khan (receiving), Pat (parent)", "Please check the outcome of M1", "1 linked parent will be told now:", "“After the review meeting on Mon 7 Dec", "Send it?")
	if strings.Contains(sum, "✉") {
		t.Fatalf("the family was told before the outcome was confirmed:\n%s", sum)
	}
	s.expect("yes",
		"Outcome of M1 recorded for "+ref+": continue", "decision to continue was sent to 1 linked parent",
		"✉ to shell:parent:Pat: After the review meeting on Mon 7 Dec", "continues until Fri 29 Jan")

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
	s.expect("school add 100001 Oakfield Primary", "Added Oakfield Primary (100001)")
	s.expect("school add 100002 Riverside Academy", "Added Riverside Academy (100002)")
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
	s.expect("next mon", "agreed end date", "maximum period")
	s.expect("fri 29 jan", "Why is the direction")
	s.expect("skip", "objectives")
	s.expect("skip", "report to on arrival")
	s.expect("skip", "session times")
	s.expect("skip", "first day Mon 7 Dec 2026, until Fri 29 Jan 2027", "Open it?")
	opened := s.expect("yes", "Opened OSD-", "for Sam Taylor", "starting Mon 7 Dec")
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

// quit and exit end the shell, as in other shells; what follows is not read.
func TestQuit(t *testing.T) {
	for _, word := range []string{"quit", "Exit"} {
		t.Run(word, func(t *testing.T) {
			db := storagetest.New(t)
			var out strings.Builder
			in := strings.NewReader("help\n" + word + "\ncases\n")
			sh := shell.New(shell.Options{Router: conversations.New(conversations.Deps{Store: db}).Router(), Identities: db, In: in, Out: &out})
			if err := sh.Run(t.Context()); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			if !strings.Contains(out.String(), "What you can do") {
				t.Errorf("help before %s was not answered: %q", word, out.String())
			}
			if strings.Contains(out.String(), "> cases") || strings.Contains(out.String(), "didn't understand") {
				t.Errorf("the shell went on after %s: %q", word, out.String())
			}
		})
	}
}

// The documents are saved where the shell was told (the working directory,
// as offsitebot runs it), named from the reference, and the path printed.
func TestDocumentsSaved(t *testing.T) {
	dir := t.TempDir()
	s := newSession(t, func(o *shell.Options) { o.Files = dir })
	s.expect("/as admin", "You are now shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary", "Added Oakfield Primary (100001)")
	s.expect("school add 100002 Riverside Academy", "Added Riverside Academy (100002)")
	s.expect("/as home:Alex", "shell:home:Alex")
	ref := refRE.FindString(s.expect(`new pupil="Zoë Ó'Brien" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`, "Opened OSD-"))
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

// admitted sets up the schools as an admin and becomes home-school staff.
func (s *session) admitted() {
	s.t.Helper()
	s.expect("/as admin", "You are now shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary", "Added Oakfield Primary (100001)")
	s.expect("school add 100002 Riverside Academy", "Added Riverside Academy (100002)")
	s.expect("school add 100004 Riverbank School", "Added Riverbank School (100004)")
	s.expect("/as home:Alex", "shell:home:Alex")
}

// opened returns the reference of the case an answer says was opened.
func (s *session) opened(answer string) string {
	s.t.Helper()
	if !strings.Contains(answer, "Opened OSD-") {
		s.t.Fatalf("no case opened:\n%s", answer)
	}
	return refRE.FindString(answer[strings.Index(answer, "Opened OSD-"):])
}

// TestGuidedNewConfirmedOrChanged: guided new sums up before it opens the
// case; a change there asks that question again, then sums up again.
func TestGuidedNewConfirmedOrChanged(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	s.expect("new", "full name")
	s.expect("Jo Bloggs", "date of birth")
	s.expect("14/3/2012", "EHC plan")
	s.expect("no", "receiving school", "Its name, or part of it")
	// Part of a name: two schools match, and each is a button.
	s.expect("river", `2 schools match "river": Riverside Academy (100002), Riverbank School (100004).`, "1) Riverside Academy", "2) Riverbank School")
	s.expect("1", "first day")
	s.expect("next mon", "agreed end date")
	s.expect("29/1/2027", "Why is the direction")
	for _, q := range []string{"objectives", "report to on arrival", "session times"} {
		s.expect("skip", q)
	}
	s.expect("08:40–15:10", "Please check before I open the case:", "Jo Bloggs, born 14 Mar 2012 (14 on the first day), no EHC plan",
		"From Oakfield Primary to Riverside Academy, first day Mon 7 Dec 2026, until Fri 29 Jan 2027", "Session times: 08:40–15:10", "Open it?",
		"1) Yes, open it", "6) Change first day")
	// Nothing is open yet: a command typed meanwhile says so, and the question waits.
	s.expect("cases", "no active cases", "still in the middle of opening a case", "Open it?")
	s.expect("6", "OK, let's change the first day.", "What is the first day")
	s.expect("tue", "first day Tue 8 Dec 2026", "Open it?")
	s.expect("change end date", "OK, let's change the end date.", "agreed end date")
	s.expect("fri 29 jan", "first day Tue 8 Dec 2026, until Fri 29 Jan 2027", "Open it?")
	ref := s.opened(s.expect("1", "for Jo Bloggs (Oakfield Primary → Riverside Academy), starting Tue 8 Dec"))
	s.expect("show "+ref, "Oakfield Primary → Riverside Academy · starts Tue 8 Dec, agreed end Fri 29 Jan")

	// All in one line with nothing unusual: opened straight away, no summary.
	got := s.expect(`new pupil="Ann Cole" dob=14/3/2013 ehcp=no receiving=bank start="next wed" end=29/1/2027`, "Opened OSD-", "Oakfield Primary → Riverbank School", "starting Wed 9 Dec")
	if strings.Contains(got, "Open it?") {
		t.Fatalf("a one-line new with nothing unusual asked to confirm:\n%s", got)
	}
}

// TestOneLinerWithPastStartAsksFirst: a one-line new with something unusual
// asks before it opens anything, and says why.
func TestOneLinerWithPastStartAsksFirst(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	s.expect(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=23/11/2026 end=29/1/2027`,
		"⚠ The first day you gave, Mon 23 Nov 2026, has already passed (9 days ago). The nearest school day still to come is Wed 2 Dec 2026. Keep Mon 23 Nov?",
		"1) Yes, keep Mon 23 Nov", "2) Use Wed 2 Dec", "3) No, pick another date")
	s.expect("cases", "no active cases")
	ref := s.opened(s.expect("yes", "for Sam Taylor (Oakfield Primary → Riverside Academy), starting Mon 23 Nov", "so it is late"))

	// Not a school day: the nearest one is offered, and taken.
	s.expect(`new pupil="Kit Moss" dob=2013-05-06 ehcp=no receiving=100004 start=12/12/2026 end=29/1/2027`,
		"Sat 12 Dec 2026, is not a school day (Saturday). The nearest school day still to come is Fri 11 Dec 2026.", "2) Use Fri 11 Dec")
	s.opened(s.expect("2", "for Kit Moss", "starting Fri 11 Dec"))

	// A pupil who would be 20: the date of birth is checked, and changed.
	s.expect(`new pupil="Lee Park" dob=4/3/2006 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`,
		"⚠ Born on 4 Mar 2006, the pupil would be 20 on the first day (Mon 7 Dec); pupils directed off-site are usually 4 to 19.", "Is the date of birth right?")
	s.expect("no", "OK, let's have the date of birth again.", "date of birth")
	s.expect("4/3/2011", "Lee Park, born 4 Mar 2011 (15 on the first day)", "Open it?")
	s.opened(s.expect("yes", "for Lee Park"))
	if got := s.expect("cases", "Your active cases (3)"); !strings.Contains(got, ref) {
		t.Fatalf("cases:\n%s", got)
	}
}

// exported reads the JSON export of a case as the shell prints it.
func (s *session) exported(ref string) (audit []struct{ Action, Detail string }) {
	s.t.Helper()
	var x struct {
		Audit []struct{ Action, Detail string } `json:"audit"`
	}
	s.exportInto(ref, &x)
	return x.Audit
}

// exportInto decodes the JSON export of a case, as the shell prints it, into x.
func (s *session) exportInto(ref string, x any) {
	s.t.Helper()
	exp := s.expect("export "+ref, "Chronology of "+ref)
	body := exp[strings.Index(exp, "{"):]
	body = body[:strings.LastIndex(body, "}")+1]
	if err := json.Unmarshal([]byte(body), x); err != nil {
		s.t.Fatalf("export is not JSON: %v\n%s", err, body)
	}
}

// TestEditAndVoid: facts corrected with the old and new value in the audit
// trail, the rules following; a case opened by mistake withdrawn.
func TestEditAndVoid(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	ref := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`))
	s.expect("/as la:Lee", "la:Lee")
	s.expect("request "+ref+" la Please hold a review", "only where the pupil has an EHC plan")
	s.expect("/as home:Alex", "home:Alex")

	s.expect("edit "+ref+" ehcp=yes start=14/12/2026",
		"Corrected "+ref+": EHC plan no → yes; first day Mon 7 Dec 2026 → Mon 14 Dec 2026.",
		"The written notice to the parents is due by Thu 10 Dec.", "the local authority may now request a review meeting")
	s.expect("due", ref+"  written notice to the parents must reach them by Thu 10 Dec")
	s.expect("/as la:Lee", "la:Lee")
	s.expect("request "+ref+" la Please hold a review", "recorded word for word")
	s.expect("/as home:Alex", "home:Alex")

	// Guided: which fact, then its new value; a wrong one is asked again.
	// A fact named like a command ("start") is an answer here.
	s.expect("edit "+ref, "What needs correcting in "+ref)
	s.expect("start", "What is the first day at the receiving school?", "(now: Mon 14 Dec 2026)")
	s.expect("cancel", "stopped correcting a case")
	s.expect("edit "+ref, "What needs correcting in "+ref)
	s.expect("end", "agreed end date", "(now: Fri 29 Jan 2027)")
	s.expect("1/12/2026", "The end date must be after the first day (Mon 14 Dec)")
	s.expect("26/2/2027", "Corrected "+ref+": end date Fri 29 Jan 2027 → Fri 26 Feb 2027.")
	s.expect("edit "+ref+" pupil=Sam Tailor", "Corrected "+ref+": pupil's name Sam Taylor → Sam Tailor.")
	s.expect("edit "+ref+" home=bank", "Only an offsitebot admin can move a case to another home school")
	s.expect("cancel", "stopped correcting a case")

	var corrected []string
	for _, a := range s.exported(ref) {
		if a.Action == "fact corrected" {
			corrected = append(corrected, a.Detail)
		}
	}
	if want := []string{"ehcp: no → yes", "start: 2026-12-07 → 2026-12-14", "end: 2027-01-29 → 2027-02-26", "pupil: Sam Taylor → Sam Tailor"}; strings.Join(corrected, "|") != strings.Join(want, "|") {
		t.Fatalf("audit of corrections:\n got %q\nwant %q", corrected, want)
	}

	// Withdrawn: gone from every list, kept in the audit trail and the export.
	other := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=bank start=8/12/2026 end=29/1/2027`))
	unused := codeRE.FindStringSubmatch(s.expect("link "+ref+" parent", "https://t.me/"))[1]
	s.expect("void "+ref+" opened twice by mistake", "Withdraw "+ref+" (Sam Tailor, opened Wed 2 Dec) because: opened twice by mistake?")
	s.expect("yes", ref+" is withdrawn: opened twice by mistake. It no longer shows in cases, due or reminders")
	for _, cmd := range []string{"cases", "due"} {
		if got := s.say(cmd); strings.Contains(got, ref) {
			t.Fatalf("%s still lists the withdrawn case:\n%s", cmd, got)
		}
	}
	if got := s.expect("show "+ref, "withdrawn Wed 2 Dec (opened twice by mistake): kept for the record only", "Attendance: none recorded (the case was withdrawn)"); strings.Contains(got, "0 of 0") {
		t.Fatalf("an empty attendance summary:\n%s", got)
	}
	s.expect("contact "+ref+" receiving phone Checking in", "was withdrawn on Wed 2 Dec")
	if audit := s.exported(ref); audit[len(audit)-2].Action != "case withdrawn" || audit[len(audit)-2].Detail != "opened twice by mistake" {
		t.Fatalf("audit trail after withdrawing: %+v", audit)
	}
	s.expect("void "+ref+" again", "already withdrawn")
	s.expect("/as parent:Ann", "parent:Ann")
	s.expect("/start "+unused, "a case the school has since withdrawn")
	s.expect("/as home:Alex", "home:Alex")

	// Once the family has heard of a case, it can't be withdrawn.
	code := codeRE.FindStringSubmatch(s.expect("link "+other+" parent", "https://t.me/"))[1]
	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/start "+code, "You're now connected")
	s.expect("/as home:Alex", "home:Alex")
	s.expect("void "+other+" a duplicate", "The family has already heard about "+other+", so it can't be withdrawn")
}

// TestOutcomeFarNextMeetingWarnsBeforeSending: a next meeting 21 days away
// is questioned before the family is told anything; a recorded outcome's
// answer is then changed and the family told what changed.
func TestOutcomeFarNextMeetingWarnsBeforeSending(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	ref := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`))
	code := codeRE.FindStringSubmatch(s.expect("link "+ref+" parent", "https://t.me/"))[1]
	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/start "+code, "You're now connected")
	s.expect("/as home:Alex", "home:Alex")
	s.expect("review "+ref+" schedule 9/12/2026 15:30 in-person", "Review meeting M1", "Invitation sent")

	s.clk.Set(at("2026-12-09 17:00"))
	line := "review " + ref + ` outcome met=partly successes="Good start" voice="Likes art" concerns=Journey interventions=Mentor decision=continue until=29/1/2027 next=30/12/2026 attended="Alex, Pat"`
	warned := s.expect(line, "⚠ Wed 30 Dec 2026 is 21 days after this meeting: reviews should be fortnightly, so the next one is due by Wed 23 Dec 2026.", "Keep Wed 30 Dec (the family will be told it)?")
	if strings.Contains(warned, "✉") || strings.Contains(warned, "recorded") {
		t.Fatalf("something was recorded or sent before the warning was answered:\n%s", warned)
	}
	s.expect("no", "OK, let's have another date for the next meeting.", "Reviews are fortnightly, so by Wed 23 Dec")
	sum := s.expect("22/12/2026", "Please check the outcome of M1 (Wed 9 Dec)", "Next review meeting: Tue 22 Dec 2026",
		"1 linked parent will be told now:", "“After the review meeting on Wed 9 Dec", "Send it?", "1) Yes, record and send", "Change next review meeting")
	if strings.Contains(sum, "✉") {
		t.Fatalf("sent before confirming:\n%s", sum)
	}
	s.expect("yes", "Outcome of M1 recorded for "+ref+": continue", "✉ to shell:parent:Pat: After the review meeting on Wed 9 Dec", "next review meeting is planned for Tue 22 Dec")

	// One answer changed: the family hears what changed, and only that.
	s.expect("review "+ref+" outcome M1 next=18/12/2026", "Outcome of M1 corrected for "+ref+": next review meeting Tue 22 Dec 2026 → Fri 18 Dec 2026.",
		"Told what changed: 1 linked parent.", "✉ to shell:parent:Pat: A correction from the school about the review meeting on Wed 9 Dec for Sam's off-site direction ("+ref+"): the next review meeting is planned for Fri 18 Dec (not Tue 22 Dec)")
	quiet := s.expect("review "+ref+` outcome M1 attended="Alex, Kim, Pat"`, "Outcome of M1 corrected for "+ref+": who attended Alex, Pat → Alex, Kim, Pat.")
	if strings.Contains(quiet, "✉") {
		t.Fatalf("the family was told of a change to what they were never told:\n%s", quiet)
	}
	s.expect("review "+ref+" outcome M1", "The outcome of M1 is already recorded. To change an answer")
}

// TestMistypedReference: a reference that can't be one says so, whatever the command.
func TestMistypedReference(t *testing.T) {
	s := newSession(t)
	s.admitted()
	for _, line := range []string{"show OSD-7K2", "link OSD-7K2 parent", "review osd-7kuq schedule tomorrow 10:00 online", "edit OSD-12 start=7/12/2026"} {
		s.expect(line, "I can't find a case ", "Case references look like OSD-7K2Q: OSD- and then 4 to 6 letters and digits.", "Type cases to list yours.")
	}
	s.expect("contact", "Which case?")
	s.expect("OSD-7K", "I can't find a case OSD-7K. Case references look like OSD-7K2Q")
}

// TestAdminsTalkToPeople: admin replies name people and schools, never IDs.
func TestAdminsTalkToPeople(t *testing.T) {
	s := newSession(t)
	s.admitted()
	s.expect("/as admin", "admin")
	got := s.expect(`staff add Sam home oak name="Sam Khan"`, "Sam Khan can now use offsitebot as home-school staff at Oakfield Primary (100001).")
	s.expect("staff add Jo receiving river", `2 schools match "river"`, "1) Riverside Academy", "2) Riverbank School")
	got += s.expect("2", "Jo can now use offsitebot as receiving-school staff at Riverbank School (100004).")
	got += s.expect("staff add Jo receiving riverside", "Jo can now use offsitebot as receiving-school staff at Riverside Academy (100002). Before, they were receiving-school staff at Riverbank School (100004).")
	s.expect(`school set bank phone="01632 960004"`, "Changed Riverbank School (100004): phone — → 01632 960004.")
	s.expect(`school add 100005 Hillside School phone=01632960005`, "Added Hillside School (100005), phone 01632960005.")
	s.expect("school add 100005 Hillside", "100005 is already Hillside School")
	s.expect("school set 100005 phone=01632 960005", "Changed Hillside School (100005): phone 01632960005 → 01632 960005.")
	list := s.expect("school list", "Schools (4):")
	if !regexp.MustCompile(`(?m)^100004  Riverbank School   01632 960004$`).MatchString(list) {
		t.Fatalf("school list not aligned:\n%s", list)
	}
	staff := s.expect("staff list", "Staff (4):", "Sam Khan", "home-school staff", "Oakfield Primary (100001)", "Riverside Academy (100002)")
	got += staff
	lines := strings.Split(strings.TrimSpace(staff), "\n")[1:]
	col := strings.Index(lines[0], "Role")
	for _, l := range lines[1:] {
		if r := []rune(l); len(r) <= col || r[col-1] != ' ' || r[col] == ' ' {
			t.Fatalf("staff list not aligned at column %d:\n%s", col, staff)
		}
	}
	got += s.expect("staff remove Sam Khan", "Sam Khan can no longer use offsitebot (they were home-school staff at Oakfield Primary (100001)).")
	s.expect("staff remove Admin", "can't remove yourself")
	s.expect("/as home:Sam", "home:Sam")
	s.expect("cases", "don't know you yet")
	s.expect("/as admin", "admin")
	if strings.Contains(got, "shell:") {
		t.Fatalf("an internal ID reached the admin:\n%s", got)
	}
	s.expect("help", "school set SCHOOL name=… phone=…", "school list", "staff remove USER", "staff list")
}

// TestGuidedAttendanceAndAlerts: the guided attendance question takes its
// own first choice, "/ present", picked by number; a U raises no alert; an N
// tells the home school at once and its correction tells them it is resolved.
func TestGuidedAttendanceAndAlerts(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	ref := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=2/12/2026 end=29/1/2027`))
	s.expect("/as receiving:Kim", "receiving:Kim")
	s.expect("attendance "+ref, "The morning (AM) code?", "1) / present")
	s.expect("1", "And the afternoon (PM) code?", "1) / present")
	if got := s.expect("1", "Recorded for "+ref+", Wed 2 Dec: AM /, PM /."); strings.Contains(got, "didn't understand") {
		t.Fatalf("a choice read as a command:\n%s", got)
	}

	s.clk.Set(at("2026-12-03 10:00"))
	// A Thursday: the first-day question's example offers school days, not "saturday".
	s.expect("/as home:Alex", "home:Alex")
	if got := s.expect(`new pupil="Lu Park" dob=2013-01-01 ehcp=no receiving=riverside`, "What is the first day", "10/12/2026, 10 Dec, monday, next fri or tomorrow"); strings.Contains(got, "saturday") {
		t.Fatalf("a weekend offered as a first day:\n%s", got)
	}
	s.expect("cancel", "Nothing was saved")
	s.expect("/as receiving:Kim", "receiving:Kim")
	if got := s.expect("attendance "+ref+" today U /", "Recorded for "+ref+", Thu 3 Dec: AM U, PM /."); strings.Contains(got, "✉") {
		t.Fatalf("a U alerted:\n%s", got)
	}
	s.clk.Set(at("2026-12-04 10:00"))
	s.expect("attendance "+ref+" today absent N", "Oakfield Primary has been told now",
		"✉ to shell:home:Alex: ⚠ Safeguarding — whereabouts not known: S.T. ("+ref+")")
	s.clk.Set(at("2026-12-04 11:00"))
	s.expect("attendance "+ref+" today absent I", "(was AM N, PM N)", "Oakfield Primary has been told now",
		"✉ to shell:home:Alex: ✓ Resolved: the alert about S.T. ("+ref+") on Fri 4 Dec is resolved — the receiving school corrected the day from AM and PM N to AM and PM I (illness).")
	// E (suspended) is offered where the other absence codes are, and alerts.
	s.clk.Set(at("2026-12-07 10:00"))
	s.expect("attendance "+ref+" today absent", "Which code?", "5) E suspended")
	s.expect("5", "Recorded for "+ref+", Mon 7 Dec: AM E, PM E.", "✉ to shell:home:Alex: ⚠")
	s.expect("attendance "+ref+" 4/12/2026", "The morning (AM) code?", "7) E suspended")
}
