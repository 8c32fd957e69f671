package documents

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/unicode/norm"

	offsitebot "github.com/offsitebot/offsitebot"
)

// go test ./conversations/documents -demo=DIR writes every document the tests
// make of the demo case into DIR, to look at (and for the README's picture).
var demo = flag.String("demo", "", "write the documents made of the demo case into this directory")

func writeDemo(t *testing.T, name string, data []byte) {
	t.Helper()
	if *demo == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(*demo, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	pupil        = "Zoë Ó'Brien-Łukasz"
	familyWords  = "We're pleased: Zoë found the first week hard but now she talks about the art room every evening — diolch yn fawr, ŵyr a ŷd."
	pupilWords   = "I like Ms Khan's art room. The bus is too early."
	staffOnly    = "STAFF-ONLY lunchtime"
	professional = "PROFESSIONAL-NOTE CAMHS"
	laNote       = "LA-NOTE funding agreed"
	parentCall   = "Mum says mornings are hard"
	requestText  = "Please can we talk about Zoë coming back to Oakfield after Christmas?"
)

// now is Tuesday 8 December 2026, mid-morning: the direction began on
// Monday 2 November, M1 was held on Thursday 19 November, M2 is on
// Thursday 10 December.
var now = time.Date(2026, 12, 8, 10, 0, 0, 0, offsitebot.London)

func at(d offsitebot.Date, h, m int) time.Time { return d.At(h, m) }

func fixture() Input {
	start := offsitebot.Date("2026-11-02")
	c := &offsitebot.Case{
		Ref: "OSD-7K2Q", Status: offsitebot.Active, Pupil: pupil, DOB: "2013-04-11",
		HomeURN: "100001", ReceivingURN: "100002", Start: start, End: "2027-01-29",
		Reasons: "Persistent disruption in lessons", Objectives: "Attend every day; use the agreed calm-down plan",
		Arrival: "Ms Khan at reception", Sessions: "8:45–12:00 and 13:00–15:15, break 10:30–10:45",
		Opened: at("2026-10-27", 9, 0), OpenedBy: "slack:T1:UHOME", NoticeGiven: at("2026-10-28", 12, 0),
		People: []offsitebot.Person{
			{ID: "telegram:11", Role: offsitebot.RoleParent, Name: "Pat Ó'Brien"},
			{ID: "telegram:22", Role: offsitebot.RoleReceiving, Name: "Amira Khan"},
		},
	}
	// Every school day from the start to yesterday, with an illness, an
	// unauthorised day, a late morning and one day not recorded.
	for d := start; d < offsitebot.DateOf(now); d = d.AddDays(1) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday || d == "2026-11-24" {
			continue
		}
		am, pm := "/", `\`
		switch d {
		case "2026-11-11":
			am, pm = "I", "I"
		case "2026-11-20":
			am, pm = "N", "O"
		case "2026-12-03":
			am = "L"
		}
		c.Attendance = append(c.Attendance, offsitebot.AttendanceDay{Date: d, AM: am, PM: pm, By: "telegram:22", At: at(d, 9, 40)})
	}
	c.Meetings = []offsitebot.Meeting{
		{ID: "M1", At: at("2026-11-19", 15, 30), Mode: offsitebot.InPerson, Place: "Oakfield, room 2", Scheduled: at("2026-11-10", 9, 0),
			Outcome: &offsitebot.ReviewOutcome{Met: "partly", Successes: "Settled into art and maths", Voice: "Zoë misses her friends",
				Concerns: "Mornings are hard; bus timing", Interventions: "Morning check-in with a named adult",
				Decision: offsitebot.DecisionContinue, Until: "2027-01-29", Next: "2026-12-10", Attended: "Pat Ó'Brien, Ms Khan, Mr Jones",
				Recorded: at("2026-11-19", 17, 0), NoticeSent: at("2026-11-20", 9, 0)}},
		{ID: "M2", At: at("2026-12-10", 15, 30), Mode: offsitebot.InPerson, Place: "Riverside Academy, room 4", Scheduled: at("2026-11-30", 9, 0),
			Invitations: []offsitebot.Invitation{{To: "telegram:11", Sent: at("2026-11-30", 9, 0), Answer: offsitebot.AnswerYes, Answered: at("2026-11-30", 18, 5)}}},
	}
	c.Contacts = []offsitebot.Contact{
		{ID: "C1", At: at("2026-11-12", 11, 0), With: "receiving", How: "phone", Summary: "Before the review: fine", By: "slack:T1:UHOME"},
		{ID: "C2", At: at("2026-11-24", 14, 0), With: "receiving", How: "phone", Summary: staffOnly, By: "slack:T1:UHOME"},
		{ID: "C3", At: at("2026-11-25", 16, 0), With: "parent", How: "phone", Summary: parentCall, By: "slack:T1:UHOME"},
		{ID: "C4", At: at("2026-11-26", 10, 0), With: "professional", How: "email", Summary: professional, By: "slack:T1:UHOME"},
		{ID: "C5", At: at("2026-12-01", 10, 0), With: "la", How: "email", Summary: laNote, By: "slack:T1:UHOME"},
		{ID: "C6", At: at("2026-12-03", 12, 0), With: "receiving", How: "phone", Summary: "Weekly call: a better week", By: "slack:T1:UHOME"},
	}
	c.LastSchoolContact = c.Contacts[len(c.Contacts)-1].At
	c.Feedback = []offsitebot.Feedback{
		{ID: "F1", At: at("2026-11-18", 19, 0), By: "telegram:11", Pupil: "BEFORE-M1 old view", Family: "old"},
		{ID: "F2", At: at("2026-12-02", 19, 0), By: "telegram:11", Pupil: pupilWords, Family: familyWords, Rating: 4},
	}
	c.Requests = []offsitebot.ReviewRequest{
		{ID: "R1", At: at("2026-12-02", 10, 14), From: offsitebot.FromParent, Text: requestText, By: "telegram:11",
			DutyApplies: false, LastMeeting: "2026-11-19"},
	}
	return Input{
		Case: c, Home: offsitebot.School{URN: "100001", Name: "Oakfield Primary"},
		Receiving:        offsitebot.School{URN: "100002", Name: "Riverside Academy"},
		ReceivingAddress: "1 River Lane, Exeter EX1 1AA",
		Calendar:         offsitebot.Calendar{Holidays: offsitebot.EnglandWalesBankHolidays()},
		Now:              now,
		Names:            map[string]string{"slack:T1:UHOME": "Sam Jones"},
		Duties:           []string{"attendance not confirmed for Tue 24 Nov"},
	}
}

// flat is a document's text with lines joined, so a sentence wrapped over
// two lines is found whole.
func flat(pages []string) string {
	return strings.Join(strings.Fields(strings.Join(pages, "\n")), " ")
}

func TestPack(t *testing.T) {
	tests := []struct {
		name    string
		family  bool
		change  func(*Input)
		title   string // which the PDF's own title says, for a reader's list of files
		want    []string
		notWant []string
	}{
		{name: "staff", title: "Review meeting pack, OSD-7K2Q", want: []string{
			"Review meeting pack", pupil, "Meeting M2: Thursday 10 December 2026 at 15:30, in person (Riverside Academy, room 4).",
			"Since the start on Mon 2 Nov: 92% (46 of 50 sessions).", "Since the last review on Thu 19 Nov: 90% (20 of 22 sessions).",
			familyWords, pupilWords, requestText, staffOnly, professional, laNote, parentCall, "recorded by Sam Jones",
			"Mornings are hard; bus timing", "The off-site direction will continue until Friday 29 January 2027",
			"Pat Ó'Brien", "coming (Mon 30 Nov 2026, 18:05)", "Also linked to the case: Amira Khan (receiving).",
			"illness", "reason not yet known", "nothing recorded on a school day",
			"attendance not confirmed for", "What they were told: A review meeting was held on 19 Nov",
		}, notWant: []string{"BEFORE-M1", "Before the review: fine"}},
		{name: "family", family: true, title: "Review meeting pack for the family, OSD-7K2Q", want: []string{
			"Dear Pat Ó'Brien,", "review meeting about Zoë's off-site direction on Thursday 10 December 2026 at 15:30",
			"92% (46 of 50 sessions)", "90% (20 of 22 sessions)", familyWords, pupilWords, requestText, parentCall,
			"(notes between the schools are for staff)", "Mornings are hard; bus timing", "Zoë's view", "Your view",
			"Thursday 10 December 2026", "A reply to the request for a review meeting of Wed 2 Dec.",
			"What you were told: A review meeting was held on 19 Nov",
		}, notWant: []string{staffOnly, professional, laNote, "recorded by", "BEFORE-M1", "Also linked", "attendance not confirmed"}},
		{name: "family-pupil-18", family: true, change: func(in *Input) { in.Case.DOB = "2008-05-20" },
			title: "Review meeting pack for the family, OSD-7K2Q", want: []string{
				"Dear Zoë,", "review meeting about your off-site direction",
			}, notWant: []string{"Dear Pat", staffOnly}},
		{name: "family-pupil-18-asked-by-parent", family: true, change: func(in *Input) { in.Case.DOB = "2008-05-20"; in.ForParent = true },
			title: "Review meeting pack for the family, OSD-7K2Q", want: []string{
				"Dear Pat Ó'Brien,", "review meeting about Zoë's off-site direction",
			}, notWant: []string{"Dear Zoë", staffOnly}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture()
			in.Family = tt.family
			if tt.change != nil {
				tt.change(&in)
			}
			data, err := Pack(in)
			if err != nil {
				t.Fatal(err)
			}
			writeDemo(t, "pack-"+tt.name+".pdf", data)
			if got := pdfTitle(t, data); got != tt.title {
				t.Errorf("the PDF's title is %q, want %q", got, tt.title)
			}
			text := flat(pdfText(t, data))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the pack does not say %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("the pack says %q, which it must not", w)
				}
			}
			again, err := Pack(in)
			if err != nil || !bytes.Equal(again, data) {
				t.Errorf("the same case made a different PDF the second time (err %v)", err)
			}
		})
	}
}

func TestPackNamedMeetingAndErrors(t *testing.T) {
	in := fixture()
	in.Meeting = "m1" // the pack as it was for M1: nothing before it was reviewed
	data, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	text := flat(pdfText(t, data))
	for _, w := range []string{"Meeting M1: Thursday 19 November 2026 at 15:30", "This is the first review.", "Contact since the start on Mon 2 Nov"} {
		if !strings.Contains(text, w) {
			t.Errorf("the M1 pack does not say %q", w)
		}
	}
	for name, make := range map[string]func(Input) ([]byte, error){"pack": Pack, "chart": AttendanceChart,
		"letter": func(in Input) ([]byte, error) { return Letter(Notice, in) }} {
		if _, err := make(Input{Now: now}); err == nil {
			t.Errorf("%s: made from no case", name)
		}
	}
	in.Meeting = "M9"
	if _, err := Pack(in); offsitebot.ErrorCode(err) != offsitebot.EInvalid || !strings.Contains(offsitebot.ErrorMessage(err), "OSD-7K2Q has no meeting M9. Its meetings are M1, M2.") {
		t.Errorf("an unknown meeting: got %v", err)
	}
}

func TestPackBadInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Input)
		want   []string
		pages  int // at least
	}{
		{name: "no attendance yet", change: func(in *Input) {
			in.Case.Start, in.Case.Attendance, in.Case.Meetings, in.Case.Contacts = "2026-12-14", nil, nil, nil
			in.Case.Feedback, in.Case.Requests = nil, nil
		}, want: []string{"No attendance yet: the direction starts on Monday 14 December 2026.", "No review meeting is scheduled yet; the next is due by Monday 28 December 2026.",
			"This is the first review.", "No open requests.", "No contact recorded since the start"}},
		{name: "a 60-character name", change: func(in *Input) {
			in.Case.Pupil = "Zoë Ó'Brien-Łukasz Wynne-Llewelyn ap Gruffydd Ŵyn Ŷsgol Jones"
		}, want: []string{"Zoë Ó'Brien-Łukasz Wynne-Llewelyn ap Gruffydd Ŵyn Ŷsgol Jones"}},
		{name: "200 contacts since the last review", change: func(in *Input) {
			for i := range 200 {
				in.Case.Contacts = append(in.Case.Contacts, offsitebot.Contact{At: at("2026-11-20", 8, 0).Add(time.Duration(i) * time.Hour),
					With: "parent", How: "message", Summary: fmt.Sprintf("contact number %03d", i), By: "slack:T1:UHOME"})
			}
		}, want: append([]string{"recorded, oldest first, all listed."}, numbered(200)...), pages: 6},
		{name: "right-to-left and emoji", change: func(in *Input) {
			in.Case.Feedback[1].Family = "Thank you 😀👍🏽 שלום לכולם مرحبا 123 — 😀 ok"
		}, want: []string{"Thank you [grinning face][thumbs up sign]", "םלוכל םולש", "[grinning face] ok",
			"Words in [square brackets] stand for characters this document's font cannot show."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture()
			tt.change(&in)
			for _, family := range []bool{false, true} {
				in.Family = family
				data, err := Pack(in)
				if err != nil {
					t.Fatal(err)
				}
				writeDemo(t, fmt.Sprintf("pack-%s-family-%v.pdf", strings.ReplaceAll(tt.name, " ", "-"), family), data)
				pages := pdfText(t, data)
				if len(pages) < tt.pages {
					t.Errorf("%d pages, want at least %d", len(pages), tt.pages)
				}
				text := flat(pages)
				for _, w := range tt.want {
					if !strings.Contains(text, w) {
						t.Errorf("family %v: the pack does not say %q", family, w)
					}
				}
			}
		})
	}
}

// TestFamilyDuties checks the family's version words what is owed to them,
// and leaves out the schools' own duties.
func TestFamilyDuties(t *testing.T) {
	in := fixture()
	in.Family = true
	in.Case.Start, in.Case.NoticeGiven, in.Case.Attendance, in.Case.Meetings = "2026-12-14", time.Time{}, nil, nil
	data, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	text := flat(pdfText(t, data))
	if !strings.Contains(text, "• The written notice of the direction, due by Thu 10 Dec.") {
		t.Errorf("the notice owed is not listed: %s", text)
	}
	if strings.Contains(text, in.Duties[0]) {
		t.Errorf("the family's version lists a staff duty")
	}
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("contact number %03d", i)
	}
	return out
}

// TestRightToLeftAndEmojiKeptWhole checks the Arabic is shaped and in display
// order, and the exact words, emoji and all, travel with the PDF.
func TestRightToLeftAndEmojiKeptWhole(t *testing.T) {
	in := fixture()
	words := "Thank you 😀 مرحبا بكم في المدرسة (٣ أيام) — and שלום 123 עולם"
	in.Case.Feedback[1].Family = words
	in.Family = true
	data, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	writeDemo(t, "pack-right-to-left.pdf", data)
	text := flat(pdfText(t, data))
	// Shaped letters are presentation forms; NFKC turns them back into
	// letters, and they read right to left, so the display order is reversed.
	if !strings.Contains(norm.NFKC.String(text), reverse("مرحبا بكم")) {
		t.Errorf("the Arabic words are not there in display order: %q", text)
	}
	if strings.Contains(text, "مرحبا") {
		t.Errorf("the Arabic is printed unshaped, in typing order")
	}
	if got := attachment(t, data, exactFile); !strings.Contains(got, words) {
		t.Errorf("the attached exact words are %q, want them to hold %q", got, words)
	}
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// attachment reads a file attached to the PDF by name.
func attachment(t *testing.T, data []byte, name string) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := r.Trailer().Key("Root").Key("Names").Key("EmbeddedFiles").Key("Names")
	for i := 0; i+1 < files.Len(); i += 2 {
		spec := files.Index(i + 1)
		if spec.Key("F").Text() != name && spec.Key("UF").Text() != name && files.Index(i).Text() != name {
			continue
		}
		rd := spec.Key("EF").Key("F").Reader()
		defer rd.Close()
		b, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatalf("no attachment %q", name)
	return ""
}

func TestLetters(t *testing.T) {
	adult := func(in *Input) { in.Case.DOB = "2008-05-20" }
	tests := []struct {
		name    string
		kind    string
		change  func(in *Input)
		want    []string
		notWant []string
	}{
		{name: "notice to parents", kind: Notice, want: []string{
			"Oakfield Primary", "Tuesday 8 December 2026", "To: Pat Ó'Brien, parent or carer of " + pupil, "Dear Pat Ó'Brien,",
			"Written notice of an off-site direction", "Persistent disruption in lessons", "Monday 2 November 2026",
			"until Friday 29 January 2027 at the latest", "Riverside Academy, 1 River Lane, Exeter EX1 1AA", "Ms Khan at reception",
			"8:45–12:00 and 13:00–15:15, break 10:30–10:45", "at least every two weeks", "Your right to ask for a review",
			"with /request in the offsitebot chat", "must hold one as soon as reasonably practicable",
		}, notWant: []string{"local authority"}},
		{name: "notice to a pupil aged 18, EHC plan", kind: Notice, change: func(in *Input) {
			adult(in)
			in.Case.EHCP = true
		}, want: []string{"To: " + pupil, "Dear Zoë,", "that you will attend Riverside Academy", "improve your behaviour",
			"A copy goes to Pat Ó'Brien, as Zoë's parent or carer, and to the local authority, as Zoë has an EHC plan.",
			"As you have an EHC plan, the local authority can ask for one too."},
			notWant: []string{"carer of"}},
		{name: "notice with facts missing", kind: Notice, change: func(in *Input) {
			in.Case.Arrival, in.ReceivingAddress, in.Case.People = "", "", nil
		}, want: []string{"Dear parent or carer,", "Riverside Academy (address to be confirmed by the school in writing)", "to be confirmed by the school in writing"},
			notWant: []string{"/request"}},
		{name: "invitation", kind: Invite, want: []string{
			"Invitation to a review meeting", "Thursday 10 December 2026 at 15:30", "In person: Riverside Academy, room 4",
			"ask for another one", "use the buttons on the invitation", "how you and Zoë feel it is going",
		}},
		{name: "notice to a pupil aged 18, a parent linked without a name", kind: Notice, change: func(in *Input) {
			adult(in)
			in.Case.People[0].Name = ""
		}, want: []string{"To: " + pupil, "Dear Zoë,", "A copy goes to Zoë's parent or carer."},
			notWant: []string{"carer of", "local authority"}},
		{name: "notice to a pupil aged 18, no parent linked", kind: Notice, change: func(in *Input) {
			adult(in)
			in.Case.People = nil
		}, want: []string{"To: " + pupil, "Dear Zoë,"},
			notWant: []string{"carer of", "A copy goes"}},
		{name: "invitation to a pupil aged 18", kind: Invite, change: adult, want: []string{"Dear Zoë,", "review your off-site direction", "how you feel it is going"}},
		{name: "decision", kind: Decision, want: []string{
			"What the review meeting on Thursday 19 November 2026 decided", "The off-site direction will continue until Friday 29 January 2027: Zoë keeps attending Riverside Academy as now.",
			"Settled into art and maths", "Mornings are hard; bus timing", "Morning check-in with a named adult",
			"The next review meeting is planned for Thursday 10 December 2026.",
		}},
		{name: "decision to reintegrate", kind: Decision, change: func(in *Input) {
			in.Case.Meetings[0].Outcome.Decision = offsitebot.DecisionReintegrate
		}, want: []string{"Zoë will return to Oakfield Primary.", "The school will be in touch about the next steps."}},
		{name: "a long record still fits one page", kind: Notice, change: func(in *Input) {
			in.Case.Reasons = strings.Repeat("Disruption in lessons and corridors. ", 20)
		}, want: []string{"Disruption in lessons and corridors."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture()
			if tt.change != nil {
				tt.change(&in)
			}
			data, err := Letter(tt.kind, in)
			if err != nil {
				t.Fatal(err)
			}
			writeDemo(t, "letter-"+strings.ReplaceAll(tt.name, " ", "-")+".pdf", data)
			pages := pdfText(t, data)
			if len(pages) != 1 {
				t.Errorf("%d pages, want one", len(pages))
			}
			text := flat(pages)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the letter does not say %q\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("the letter says %q, which it must not", w)
				}
			}
			if regexp.MustCompile(`\b(slack|telegram):`).MatchString(text) {
				t.Errorf("the letter shows an internal ID")
			}
		})
	}
}

func TestLetterErrors(t *testing.T) {
	tests := []struct {
		name, kind string
		change     func(in *Input)
		code, says string
	}{
		{"no such kind", "thanks", nil, offsitebot.EInvalid, "Please choose notice, invite or decision."},
		{"nothing to invite to", Invite, func(in *Input) { in.Case.Meetings = in.Case.Meetings[:1] }, offsitebot.EInvalid, "OSD-7K2Q has no review meeting scheduled, so there is nobody to invite yet."},
		{"no decision yet", Decision, func(in *Input) { in.Meeting = "M2" }, offsitebot.EInvalid, "No outcome is recorded yet for M2, so there is no decision to write."},
		{"no meeting held", Decision, func(in *Input) { in.Case.Meetings = nil }, offsitebot.EInvalid, "No outcome is recorded yet for a review meeting of OSD-7K2Q"},
		{"cancelled", Invite, func(in *Input) { in.Case.Meetings[1].Cancelled = true; in.Meeting = "M2" }, offsitebot.EInvalid, "was cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture()
			if tt.change != nil {
				tt.change(&in)
			}
			_, err := Letter(tt.kind, in)
			if offsitebot.ErrorCode(err) != tt.code || !strings.Contains(offsitebot.ErrorMessage(err), tt.says) {
				t.Errorf("got %v, want %s saying %q", err, tt.code, tt.says)
			}
			if tt.kind != "thanks" && offsitebot.ErrorNext(err) != offsitebot.NextShowCase {
				t.Errorf("the error does not point to the case: next is %q", offsitebot.ErrorNext(err))
			}
		})
	}
}

func TestNoticeGaps(t *testing.T) {
	in := fixture()
	if gaps := NoticeGaps(in); len(gaps) != 0 {
		t.Errorf("a complete case has gaps: %v", gaps)
	}
	in.Case.Reasons, in.Case.End, in.ReceivingAddress, in.Case.Sessions = "", "", "", " "
	got := strings.Join(NoticeGaps(in), "; ")
	for _, w := range []string{"reasons", "agreed end date", "receiving school's address", "session start, end and break times"} {
		if !strings.Contains(got, w) {
			t.Errorf("gaps %q do not name %q", got, w)
		}
	}
	if strings.Contains(got, "arrival") {
		t.Errorf("gaps %q name what is there", got)
	}
}

func TestAttendanceChart(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Input)
		seen   []int // states whose colour must show
		unseen []int
	}{
		{name: "a month", seen: []int{sPresent, sAuthorised, sUnauthorised, sNotRecorded}, unseen: []int{sNotCounted}},
		{name: "not started", change: func(in *Input) { in.Case.Start, in.Case.Attendance = "2026-12-14", nil },
			unseen: []int{sPresent, sAuthorised, sUnauthorised, sNotRecorded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture()
			if tt.change != nil {
				tt.change(&in)
			}
			data, err := AttendanceChart(in)
			if err != nil {
				t.Fatal(err)
			}
			writeDemo(t, "chart-"+strings.ReplaceAll(tt.name, " ", "-")+".png", data)
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 516 {
				t.Errorf("size %v", b)
			}
			count := map[[3]uint32]int{}
			for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
				for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
					r, g, b, _ := img.At(x, y).RGBA()
					count[[3]uint32{r >> 8, g >> 8, b >> 8}]++
				}
			}
			shown := func(s int) bool {
				c := stateColours[s]
				return count[[3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)}] > 400 // more than the legend's square (19 px a side)
			}
			for _, s := range tt.seen {
				if !shown(s) {
					t.Errorf("no %s in the picture", stateNames[s])
				}
			}
			for _, s := range tt.unseen {
				if shown(s) {
					t.Errorf("%s in the picture, with none to show", stateNames[s])
				}
			}
		})
	}
}

// pdfTitle is the title in the PDF's document information.
func pdfTitle(t *testing.T, data []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return r.Trailer().Key("Info").Key("Title").Text()
}
