package telegram

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	offsitebot "github.com/offsitebot/offsitebot"
)

// pdfTitle is the title a PDF gives itself (the documents name the case and
// the version there).
func pdfTitle(t *testing.T, data []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a PDF: %v", err)
	}
	return r.Trailer().Key("Info").Key("Title").Text()
}

// A parent's /pack, the attendance picture offered by /status, and a letter
// staff send: each arrives as a file, of the parent's own case only.
func TestFamilyDocuments(t *testing.T) {
	t.Parallel()
	e, _ := newJourneyEnv(t)
	e.clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London))
	refOf := func(s string) string { return regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(s) }
	refA := refOf(texts(e.staff(`new pupil="Alice Archer" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 reasons="Disruption" arrival="Ms Khan" sessions="8:45-15:15" startok=yes`)))
	refB := refOf(texts(e.staff(`new pupil="Bobby Brown" dob=2012-05-06 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`)))
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(texts(e.staff("link " + refA + " parent")))[1]
	pat := user(521, "Pat")
	e.say(pat, "/start "+code)
	e.staff("review " + refA + " schedule 2026-12-14 10:00 in-person")
	e.staff("review " + refB + " schedule 2026-12-15 10:00 in-person")

	got := e.say(pat, "/pack")
	var docs []fakeMsg
	for _, m := range got {
		if m.Document != "" || m.Photo {
			docs = append(docs, m)
		}
	}
	if len(docs) != 1 {
		t.Fatalf("/pack sent %d files, want one: %+v", len(docs), got)
	}
	if docs[0].Document != refA+"-pack-M1-family.pdf" {
		t.Errorf("/pack sent %q, want the family's pack of %s", docs[0].Document, refA)
	}
	if title := pdfTitle(t, docs[0].Data); title != "Review meeting pack for the family, "+refA {
		t.Errorf("the PDF is %q", title)
	}
	wantIn(t, "/pack caption", docs[0].Text, "Alice's off-site direction", "Mon 14 Dec 10:00", "Oakfield Primary")
	// Another case's pack, named outright: nothing of it.
	wantIn(t, "/pack of B", msgTexts(e.say(pat, "/pack "+refB)), "can't find a case "+refB)

	// /status offers the attendance picture; pressing it brings a photo.
	status := e.say(pat, "/status")
	if len(status) != 1 || len(status[0].Buttons) != 1 || status[0].Buttons[0][0].Text != "Attendance picture" {
		t.Fatalf("/status: %+v", status)
	}
	pic := e.tap(pat, status[0].ID, status[0].Buttons[0][0].CallbackData)
	if len(pic) != 1 || !pic[0].Photo || !bytes.HasPrefix(pic[0].Data, []byte("\x89PNG")) {
		t.Fatalf("the attendance picture: %+v", pic)
	}
	wantIn(t, "picture caption", pic[0].Text, "Alice's attendance ("+refA+")")

	// Staff send the notice; the parent gets it as a document, and staff are
	// asked whether it now counts as given.
	sent := texts(e.staff("letter " + refA + " notice send anyway"))
	wantIn(t, "letter sent", sent, "Sent the written notice for "+refA+" to Pat", "Record the written notice for "+refA+" as given")
	last := e.api.sent(pat.ID)[len(e.api.sent(pat.ID))-1]
	if last.Document != refA+"-notice.pdf" || pdfTitle(t, last.Data) != "Written notice of an off-site direction, "+refA {
		t.Errorf("the parent got %q (%q)", last.Document, last.Text)
	}
	wantIn(t, "letter caption", last.Text, "written notice of Alice's off-site direction")
	wantIn(t, "given", texts(e.staff("yes")), "Recorded: the written notice for "+refA+" reached the parents")
	if k, err := e.db.Case(e.ctx, refA); err != nil || k.NoticeGiven.IsZero() {
		t.Errorf("the notice is not recorded as given: %v", err)
	}

	for _, m := range e.api.sent(pat.ID) {
		if strings.Contains(m.Text, "can't find a case "+refB) {
			continue // the answer to asking for B's pack: nothing of B
		}
		if strings.Contains(m.Text, refB) || strings.Contains(m.Text, "Bobby") || strings.Contains(m.Document, refB) {
			t.Errorf("the parent of %s got something of %s: %+v", refA, refB, m)
		}
	}
}
