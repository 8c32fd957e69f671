package slack

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
)

// pack, typed as a slash command, uploads the review meeting pack into the
// person's DM with the bot through Slack's upload calls
// (files.getUploadURLExternal, the upload, files.completeUploadExternal).
func TestPackUploadsIntoTheDM(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	if w := serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, "pack "+e.ref, "trig-pack"), time.Now())); w.Code != http.StatusOK {
		t.Fatalf("ack %d", w.Code)
	}
	files := e.fake.Files()
	if len(files) != 1 {
		t.Fatalf("pack uploaded %d files, want one", len(files))
	}
	f := files[0]
	if f.Channel != "D"+homeUser || f.Name != e.ref+"-pack.pdf" {
		t.Errorf("uploaded %q into %q, want %s-pack.pdf in the DM", f.Name, f.Channel, e.ref)
	}
	r, err := pdf.NewReader(bytes.NewReader(f.Data), int64(len(f.Data)))
	if err != nil {
		t.Fatalf("the upload is not a PDF: %v", err)
	}
	if title := r.Trailer().Key("Info").Key("Title").Text(); title != "Review meeting pack, "+e.ref {
		t.Errorf("the PDF is %q", title)
	}
	if dms := e.dmsTo(homeUser); len(dms) != 1 || !strings.Contains(dms[0], "Review meeting pack for "+e.ref) || !strings.Contains(dms[0], "staff version") {
		t.Errorf("DMs = %q, want the pack's one line", dms)
	}
	if e.fake.Attempts("files.getUploadURLExternal") != 1 || e.fake.Attempts("files.completeUploadExternal") != 1 {
		t.Errorf("upload calls: %d getUploadURLExternal, %d completeUploadExternal", e.fake.Attempts("files.getUploadURLExternal"), e.fake.Attempts("files.completeUploadExternal"))
	}
}
