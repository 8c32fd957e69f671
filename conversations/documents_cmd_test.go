package conversations_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations"
)

// replies is what who gets for text, files and all.
func (w *world) replies(who, text string) []bot.Reply {
	w.t.Helper()
	p, _, _ := strings.Cut(who, ":")
	return w.router.Handle(context.Background(), bot.Request{Platform: offsitebot.Platform(p), UserID: who, Name: "Pat", Text: text})
}

// files are the attachments among replies.
func files(rs []bot.Reply) []*bot.File {
	var out []*bot.File
	for _, r := range rs {
		if r.File != nil {
			out = append(out, r.File)
		}
	}
	return out
}

func joined(rs []bot.Reply) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// Who may have which document is the router's to say, with the actions of
// perm.go: staff and the LA the pack, a family only its own version, home
// staff the letters, and everyone who sees the case its attendance picture.
func TestDocumentsByRole(t *testing.T) {
	w := newWorld(t)
	ref := w.ref
	tests := []struct {
		who, line string
		file      string // the one file expected, or ""
		want      string
	}{
		{who: home, line: "pack " + ref, file: ref + "-pack.pdf", want: "staff version"},
		{who: home, line: "pack " + ref + " family", file: ref + "-pack-family.pdf", want: "the family's version"},
		{who: la, line: "pack " + ref, file: ref + "-pack.pdf", want: "staff version"},
		{who: parent, line: "/pack", file: ref + "-pack-family.pdf", want: "Here are the papers for the next review meeting about Sam's off-site direction"},
		{who: parent, line: "/pack " + ref, file: ref + "-pack-family.pdf"}, // never the staff version
		{who: recv, line: "pack " + ref, want: "can't do that"},
		{who: otherHome, line: "pack " + ref, want: "can't find a case " + ref},
		{who: stranger, line: "/pack", want: "don't know you yet"},
		{who: home, line: "letter " + ref + " notice", file: ref + "-notice.pdf", want: "letter " + ref + " notice send"},
		{who: la, line: "letter " + ref + " notice", want: "can't do that"},
		{who: recv, line: "letter " + ref + " notice", want: "can't do that"},
		{who: parent, line: "/letter " + ref + " notice", want: "can't do that"},
		{who: home, line: "attendance " + ref + " chart", file: ref + "-attendance.png", want: "Attendance of S.T. (" + ref + ")"},
		{who: recv, line: "attendance " + ref + " chart", file: ref + "-attendance.png"},
		{who: la, line: "attendance " + ref + " chart", file: ref + "-attendance.png"},
		{who: parent, line: "/attendance chart", file: ref + "-attendance.png", want: "Sam's attendance (" + ref + ")"},
		{who: parent, line: "/attendance " + ref + " / /", want: "can't do that"}, // recording stays the schools'
		// Bad input: a clear answer, nothing made.
		{who: home, line: "pack", want: "Which case? Type pack OSD-7K2Q"},
		{who: home, line: "pack " + ref + " M9", want: ref + " has no meeting M9. It has no review meetings yet. Type show " + ref + " to see it."},
		{who: parent, line: "/pack M9", want: "/status shows what's next"},
		{who: home, line: "pack " + ref + " everything", want: `didn't understand "everything"`},
		{who: home, line: "letter " + ref, want: "Which letter for " + ref},
		{who: home, line: "letter " + ref + " memo", want: `didn't understand "memo"`},
		{who: home, line: "letter " + ref + " invite", want: "has no review meeting scheduled"},
		{who: home, line: "letter " + ref + " decision", want: "No outcome is recorded yet"},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.line, func(t *testing.T) {
			w.t = t
			rs := w.replies(tt.who, tt.line)
			fs := files(rs)
			switch {
			case tt.file == "" && len(fs) > 0:
				t.Errorf("got %s, want no file", fs[0].Name)
			case tt.file != "" && (len(fs) != 1 || fs[0].Name != tt.file):
				t.Errorf("got files %v, want %s", fs, tt.file)
			case tt.file != "" && !bytes.HasPrefix(fs[0].Data, []byte("%PDF-")) && !bytes.HasPrefix(fs[0].Data, []byte("\x89PNG")):
				t.Errorf("%s is neither a PDF nor a PNG", tt.file)
			}
			if got := joined(rs); !strings.Contains(got, tt.want) {
				t.Errorf("%q answered %q, want %q in it", tt.line, got, tt.want)
			}
		})
	}
	// Each document made is in the audit trail, by whom: it holds a child's data.
	log, err := w.db.AuditLog(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, a := range log {
		if a.Action == "document made" {
			made[a.By+" "+a.Detail] = true
		}
	}
	for _, want := range []string{home + " " + ref + "-pack.pdf", la + " " + ref + "-pack.pdf", parent + " " + ref + "-pack-family.pdf", home + " " + ref + "-notice.pdf"} {
		if !made[want] {
			t.Errorf("the audit trail lacks %q: %v", want, made)
		}
	}
}

// letter … send: warned of what the notice lacks, sent to the family as a
// document and recorded; staff are asked whether the notice counts as given.
func TestLetterSend(t *testing.T) {
	w := newWorld(t)
	ref := w.ref

	got := joined(w.replies(home, "letter "+ref+" notice send"))
	for _, want := range []string{"I haven't sent it yet", "the reasons for the direction", "the receiving school's address", "letter " + ref + " notice send anyway"} {
		if !strings.Contains(got, want) {
			t.Errorf("a notice with gaps: %q, want %q in it", got, want)
		}
	}
	if n := len(w.out.Files(parent)); n != 0 {
		t.Fatalf("the notice went before staff confirmed: %d files", n)
	}

	got = joined(w.replies(home, "letter "+ref+" notice send anyway"))
	for _, want := range []string{"Sent the written notice for " + ref + " to Pat", "recorded in the chronology", "Record the written notice for " + ref + " as given to the parents now (Wed 2 Dec)?"} {
		if !strings.Contains(got, want) {
			t.Errorf("sending: %q, want %q in it", got, want)
		}
	}
	if fs := w.out.Files(parent); len(fs) != 1 || fs[0].Name != ref+"-notice.pdf" {
		t.Fatalf("the parent got %v", fs)
	}
	if msgs := w.out.Texts(parent); !strings.Contains(msgs[len(msgs)-1], "A letter from Oakfield Primary: the written notice of Sam's off-site direction") {
		t.Errorf("the parent read %q", msgs[len(msgs)-1])
	}
	if got := w.say(home, "yes"); !strings.Contains(got, "Recorded: the written notice for "+ref+" reached the parents (message, Wed 2 Dec)") {
		t.Errorf("yes: %q", got)
	}
	k, err := w.db.Case(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if k.NoticeGiven.IsZero() {
		t.Error("the notice is not recorded as given")
	}
	chronology := conversations.Chronology(k, nil)
	found := false
	for _, en := range chronology {
		found = found || en.Kind == "contact" && en.Summary == "message with parent: Letter sent: written notice of the direction" && en.By == home
	}
	if !found {
		t.Errorf("the letter is not in the chronology: %+v", chronology)
	}
	// Sent again, it no longer asks: the notice is already given.
	if got := joined(w.replies(home, "letter "+ref+" notice send anyway")); !strings.Contains(got, "already recorded as given on Wed 2 Dec") || strings.Contains(got, "Record the written notice") {
		t.Errorf("the second notice: %q", got)
	}

	// An invitation comes with the buttons that answer it.
	w.say(home, "review "+ref+" schedule 2026-12-14 10:00 in-person")
	got = joined(w.replies(home, "letter "+ref+" invite send"))
	if !strings.Contains(got, "Sent the invitation to M1 (Mon 14 Dec 10:00) for "+ref+" to Pat") || strings.Contains(got, "Record the written notice") {
		t.Errorf("the invitation: %q", got)
	}
	if fs := w.out.Files(parent); len(fs) != 3 || fs[2].Name != ref+"-invite-M1.pdf" {
		t.Errorf("the parent got %v", fs)
	}

	// Nobody reachable: nothing recorded, the letter handed back with the way to record it.
	w.out.Block(parent, true)
	k, err = w.db.Case(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	before := len(k.Contacts)
	rs := w.replies(home, "letter "+ref+" invite M1 send")
	if got := joined(rs); !strings.Contains(got, "so it wasn't sent") || !strings.Contains(got, "review "+ref+" invited M1 letter") || len(files(rs)) != 1 {
		t.Errorf("nobody reachable: %q", got)
	}
	if k, _ := w.db.Case(context.Background(), ref); len(k.Contacts) != before {
		t.Errorf("%d contacts, want %d: a letter nobody got is not recorded as sent", len(k.Contacts), before)
	}
}

// A letter made in the middle of a guided question leaves it waiting.
func TestLetterKeepsAFlowWaiting(t *testing.T) {
	w := newWorld(t)
	w.say(home, "contact "+w.ref)
	got := joined(w.replies(home, "/letter "+w.ref+" notice"))
	if !strings.Contains(got, "The written notice for "+w.ref) || !strings.Contains(got, "We're still in the middle of logging contact") {
		t.Errorf("mid-flow: %q", got)
	}
	if got := w.say(home, "receiving"); !strings.Contains(got, "How") {
		t.Errorf("the flow did not carry on: %q", got)
	}
}
