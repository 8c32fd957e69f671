package telegram

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// joinedParent opens a case as home staff, links Pat as its parent and
// returns the case's reference and Pat.
func joinedParent(t *testing.T, e *env) (string, *models.User) {
	t.Helper()
	opened := texts(e.staff(`new pupil="Jordan Lee" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`))
	ref := regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(opened)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(texts(e.staff("link " + ref + " parent")))
	if ref == "" || code == nil {
		t.Fatalf("no case or link: %s", opened)
	}
	pat := user(501, "Pat")
	wantIn(t, "join", msgTexts(e.say(pat, "/start "+code[1])), "Hello Pat")
	return ref, pat
}

// A family's own words reach the home school at once and stay in the
// chronology; staff answer with reply, which reaches the parent on Telegram;
// until then the message shows as awaiting a reply.
func TestFamilyMessageAndReply(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	if err := e.db.PutSchool(e.ctx, offsitebot.School{URN: "100001", Name: "Oakfield Primary", Phone: "01632 960123"}); err != nil {
		t.Fatal(err)
	}
	ref, pat := joinedParent(t, e)

	words := "Jordan is ill today, he won't be in"
	wantIn(t, "free text", msgTexts(e.say(pat, words)), "passed your message to Oakfield Primary", "phone Oakfield Primary now on 01632 960123")
	staffGot := strings.Join(slack.Texts(homeStaff), "\n")
	wantIn(t, "home staff told", staffGot, "Message from Pat (parent) about J.L. ("+ref+")", "“"+words+"”", "reply "+ref+" parent")
	wantIn(t, "due", texts(e.staff("due")), "message from the parent awaiting a reply since")
	wantIn(t, "show", texts(e.staff("show "+ref)), "awaiting a reply since")

	// A photo with its caption goes the same way, and the photo itself
	// reaches staff on Slack (fetched from Telegram); a voice message is
	// passed on as one, to phone about.
	picture := []byte("\xff\xd8\xff\xe0 a sick note, photographed")
	e.deliver(e.api.sendsFile(pat, "photo", "", "", "His sick note", picture))
	voice := textUpdate(pat, "")
	voice.Message.Voice = &models.Voice{FileID: "v", Duration: 9}
	e.deliver(voice)
	staffGot = strings.Join(slack.Texts(homeStaff), "\n")
	wantIn(t, "photo passed on", staffGot, "sent a photo about J.L.", "“His sick note”", "The photo is attached.")
	wantIn(t, "voice passed on", staffGot, "sent a voice message about J.L.", "please phone them")
	if got := slack.To(homeStaff, "sent a photo"); len(got) != 1 || got[0].Reply.File == nil || !bytes.Equal(got[0].Reply.File.Data, picture) {
		t.Errorf("the photo did not reach home staff whole: %+v", got)
	}
	sent := msgTexts(e.api.sent(pat.ID))
	wantIn(t, "photo and voice answered", sent, "passed your photo to Oakfield Primary", "asked them to phone you")

	// What cannot be passed on gets a clear answer, and nothing is stored.
	sticker := textUpdate(pat, "")
	sticker.Message.Sticker = &models.Sticker{FileID: "s"}
	e.deliver(sticker)
	wantIn(t, "sticker", msgTexts(e.api.sent(pat.ID)[len(e.api.sent(pat.ID))-1:]), "can't pass stickers on")
	wantIn(t, "emoji", msgTexts(e.say(pat, "👍🙂")), "had none, so it wasn't sent")
	wantIn(t, "too long", msgTexts(e.say(pat, strings.Repeat("a", 4001))), "4001 characters", "up to 4000", "nothing was sent yet")

	k, err := e.db.Case(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range k.Contacts {
		if ct.Incoming {
			got = append(got, ct.Media+":"+ct.Summary)
		}
	}
	if want := []string{":" + words, "photo:His sick note", "voice:"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("chronology holds %q, want %q", got, want)
	}

	// The reply reaches Pat on Telegram, is recorded, and answers what waited.
	wantIn(t, "reply", texts(e.staff("reply "+ref+" parent Thank you, get well soon Jordan!")), "Sent to 1 parent", ref)
	wantIn(t, "reply received", msgTexts(e.api.sent(pat.ID)), "A reply from Oakfield Primary", "About: Jordan's off-site direction", "Thank you, get well soon Jordan!")
	if due := texts(e.staff("due")); strings.Contains(due, "awaiting a reply") {
		t.Errorf("still awaiting a reply after it: %s", due)
	}
}

// A parent of two is asked which child once: the buttons choose, the choice
// holds for the day's next messages, and the acknowledgement's button
// switches to the other child.
func TestParentOfTwoAskedOnce(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	ref, pat := joinedParent(t, e)
	opened := texts(e.staff(`new pupil="Mia Lee" dob=2014-05-06 ehcp=no home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`))
	second := regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(opened)
	e.joins(pat, second, offsitebot.RoleParent)
	// about is whom home staff's last message was about.
	about := func() string {
		got := slack.Texts(homeStaff)
		return regexp.MustCompile(`[A-Z]\.[A-Z]\. \(OSD-\w+\)`).FindString(got[len(got)-1])
	}

	asked := e.say(pat, "Jordan has a dentist appointment at 2pm")
	if len(asked) != 1 || !strings.Contains(asked[0].Text, "Which child") || !strings.Contains(fmt.Sprint(asked[0].Buttons), "Jordan ("+ref+")") || !strings.Contains(fmt.Sprint(asked[0].Buttons), "Mia ("+second+")") {
		t.Fatalf("asked: %+v", asked)
	}
	e.tap(pat, asked[0].ID, ref) // the button "Jordan (OSD-…)"
	ack := e.api.sent(pat.ID)[len(e.api.sent(pat.ID))-1]
	wantIn(t, "acknowledged", ack.Text, "passed your message to Oakfield Primary", "That was about Jordan ("+ref+")", "To write about Mia instead, choose Write about Mia.")
	if about() != "J.L. ("+ref+")" || len(ack.Buttons) != 1 || ack.Buttons[0][0].Text != "Write about Mia" {
		t.Fatalf("home staff got one about %s; buttons %+v", about(), ack.Buttons)
	}

	for _, words := range []string{"He'll be back by 3", "Thank you"} {
		got := e.say(pat, words)
		if len(got) != 1 || strings.Contains(got[0].Text, "Which child") || about() != "J.L. ("+ref+")" {
			t.Fatalf("%q: %+v; home staff got one about %s", words, got, about())
		}
	}

	e.tap(pat, ack.ID, ack.Buttons[0][0].CallbackData)
	wantIn(t, "switched", msgTexts(e.api.sent(pat.ID)), "your messages go about Mia ("+second+") until the end of today")
	wantIn(t, "after switching", msgTexts(e.say(pat, "Mia is fine")), "That was about Mia")
	if about() != "M.L. ("+second+")" {
		t.Errorf("home staff got one about %s", about())
	}
	if n := len(slack.Texts(homeStaff)); n != 4 {
		t.Errorf("home staff got %d messages, want 4", n)
	}
}

// Bad input through the Telegram API: each gets a clear answer from the one
// list of what families are told, and nothing is stored or passed on.
func TestFamilyBadInput(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	ref, pat := joinedParent(t, e)
	nobody := user(999, "Sol")
	tests := []struct {
		name string
		from *models.User
		msg  func(u *models.Update)
		want string
	}{
		{"only spaces", pat, func(u *models.Update) { u.Message.Text = "   " }, "That message was empty"},
		{"only emoji", pat, func(u *models.Update) { u.Message.Text = "🙏🙏" }, "that message had none"},
		{"a location", pat, func(u *models.Update) { u.Message.Location = &models.Location{Latitude: 51.5} }, "can't pass that kind of message on"},
		{"a sticker", pat, func(u *models.Update) { u.Message.Sticker = &models.Sticker{FileID: "s"} }, "can't pass stickers on"},
		{"over the limit", pat, func(u *models.Update) { u.Message.Text = strings.Repeat("a", offsitebot.MaxMessage+1) }, "up to 4000 at a time, so nothing was sent yet"},
		{"cancel with nothing to cancel", pat, func(u *models.Update) { u.Message.Text = "/cancel" }, bot.MsgNothingToCancel},
		{"a command that isn't one", pat, func(u *models.Update) { u.Message.Text = "/hello" }, bot.NotUnderstood(offsitebot.Identity{Role: offsitebot.RoleParent})},
		{"someone linked to no case", nobody, func(u *models.Update) { u.Message.Text = "Is this the school?" }, "type /start followed by the code"},
		{"a stranger's command", nobody, func(u *models.Update) { u.Message.Text = "/status" }, bot.Stranger(offsitebot.Telegram)},
	}
	for _, tt := range tests {
		before := len(e.api.sent(tt.from.ID))
		u := textUpdate(tt.from, "")
		tt.msg(u)
		e.deliver(u)
		wantIn(t, tt.name, msgTexts(e.api.sent(tt.from.ID)[before:]), tt.want)
	}
	k, err := e.db.Case(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Contacts) != 0 || len(slack.Texts(homeStaff)) != 0 {
		t.Errorf("stored %+v, passed on %q", k.Contacts, slack.Texts(homeStaff))
	}
}

// joins opens the join link staff make for role on ref as u.
func (e *env) joins(u *models.User, ref string, role offsitebot.Role) {
	e.t.Helper()
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(texts(e.staff("link " + ref + " " + string(role))))
	if code == nil {
		e.t.Fatalf("no link for %s", role)
	}
	wantIn(e.t, "join as "+string(role), msgTexts(e.say(u, "/start "+code[1])), "connected")
}

// lastTo is the text of the last message sent to u.
func (e *env) lastTo(u *models.User) string {
	sent := e.api.sent(u.ID)
	if len(sent) == 0 {
		return ""
	}
	return sent[len(sent)-1].Text
}

// Everyone the direction concerns hears of it: a pupil of 18 (the person
// the law names) and the parent as well, the receiving school's contact and,
// with an EHC plan, the LA are invited; the decision to reintegrate reaches
// the family and the LA in plain words; the end reaches them all, and
// /status and /stop say plainly that it has ended.
func TestEveryoneConcernedIsTold(t *testing.T) {
	t.Parallel()
	e, _ := newJourneyEnv(t)
	opened := texts(e.staff(`new pupil="Jo Green" dob=2008-01-01 ehcp=yes home=100001 receiving=100002 start=2026-11-23 end=2027-01-04 startok=yes`))
	ref := regexp.MustCompile(`OSD-[0-9A-Z]{4,6}`).FindString(opened)
	if ref == "" {
		t.Fatalf("no case: %s", opened)
	}
	jo, pat, kim, lee := user(504, "Jo"), user(501, "Pat"), user(502, "Kim"), user(503, "Lee")
	e.joins(jo, ref, offsitebot.RolePupil)
	e.joins(pat, ref, offsitebot.RoleParent)
	e.joins(kim, ref, offsitebot.RoleReceiving)
	e.joins(lee, ref, offsitebot.RoleLA)

	wantIn(t, "schedule", texts(e.staff("review "+ref+" schedule 2026-12-14 10:00 in-person Room 4")), "Invitation sent now to the pupil, 1 linked parent, 1 receiving-school contact and 1 LA officer.")
	wantIn(t, "pupil invited", e.lastTo(jo), "You're invited to a review meeting", "About: Your off-site direction")
	wantIn(t, "parent invited as well", e.lastTo(pat), "Jo is 18 or over, so this goes to Jo; as a parent or carer you're sent it as well.")
	wantIn(t, "receiving contact invited", e.lastTo(kim), "You're invited to a review meeting", "About: The off-site direction of J.G. ("+ref+")")
	wantIn(t, "LA invited", e.lastTo(lee), "You're invited to a review meeting", "About: The off-site direction of J.G.")
	if got := e.lastTo(kim) + e.lastTo(lee); strings.Contains(got, "Jo ") || strings.Contains(got, "Green") {
		t.Errorf("staff invitations name the pupil: %s", got)
	}

	e.clk.Set(time.Date(2026, 12, 14, 12, 0, 0, 0, offsitebot.London)) // after the meeting
	kimBefore := len(e.api.sent(kim.ID))
	got := texts(e.staff("review " + ref + ` outcome met=yes successes="Settled, good friends" voice="Ready" concerns=none interventions="Daily check-in" decision=reintegrate plan="Back at Oakfield from Monday, mentor check-ins" attended="Jo, Pat"`))
	wantIn(t, "outcome", got, "recorded")
	for _, u := range []*models.User{jo, pat} {
		wantIn(t, "decision to the family", e.lastTo(u), "What the review meeting on Mon 14 Dec decided", "back to Oakfield Primary full time", "Oakfield Primary will confirm the first day back", "Going well: Settled, good friends", "Support agreed: Daily check-in")
	}
	wantIn(t, "decision to the LA", e.lastTo(lee), "J.G. goes back to Oakfield Primary full time")
	if len(e.api.sent(kim.ID)) != kimBefore {
		t.Errorf("the receiving contact was sent the decision: %s", e.lastTo(kim))
	}
	// /status does not contradict the decision.
	if st := msgTexts(e.say(pat, "/status")); strings.Contains(st, "will invite you") {
		t.Errorf("status after a decision to reintegrate: %s", st)
	}

	wantIn(t, "end", texts(e.staff("end "+ref+" reintegrated")), "End the off-site direction")
	wantIn(t, "ended", texts(e.staff("yes")), "ended today")
	wantIn(t, "family told of the end", e.lastTo(pat), "ended on Mon 14 Dec", "Jo goes back to Oakfield Primary full time; the school will confirm the first day back")
	wantIn(t, "pupil told of the end", e.lastTo(jo), "Your off-site direction ("+ref+") ended on Mon 14 Dec", "You go back to Oakfield Primary")
	wantIn(t, "receiving contact told", e.lastTo(kim), "The off-site direction of J.G. ("+ref+") ended on Mon 14 Dec", "No more attendance is needed from Riverside Academy")
	wantIn(t, "LA told", e.lastTo(lee), "The off-site direction of J.G. ("+ref+") ended")
	wantIn(t, "status after the end", msgTexts(e.say(pat, "/status")), "ended on Mon 14 Dec")
	wantIn(t, "stop after the end", msgTexts(e.say(jo, "/stop")), "Your off-site direction ("+ref+") ended on Mon 14 Dec. It has ended")
	wantIn(t, "a message after the end", msgTexts(e.say(pat, "Thanks for everything")), "ended on Mon 14 Dec, so I don't pass messages on about it any more")
}

// Meetings: an online meeting scheduled without its link says the link will
// follow and nudges staff; the link, then a move, reach each person invited
// once; "Please suggest another time" takes their words to staff at once,
// and show lists who can come, who cannot and who has not said.
func TestMeetingLinkMoveAndSuggestion(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	ref, pat := joinedParent(t, e)
	kim := user(502, "Kim")
	e.joins(kim, ref, offsitebot.RoleReceiving)

	got := texts(e.staff("review " + ref + " schedule 2026-12-14 10:00 online"))
	wantIn(t, "schedule", got, "No link given", "review "+ref+" place M1 https://…")
	wantIn(t, "invitation without a link", e.lastTo(pat), "Where: Online (the link will follow)")

	before := map[int64]int{pat.ID: len(e.api.sent(pat.ID)), kim.ID: len(e.api.sent(kim.ID))}
	wantIn(t, "place", texts(e.staff("review "+ref+" place M1 https://meet.example/xyz")), "2 people invited told")
	wantIn(t, "link moved", texts(e.staff("review "+ref+" move M1 2026-12-15 14:00")), "moved to Tue 15 Dec 14:00", "2 people invited told")
	for _, u := range []*models.User{pat, kim} {
		sent := e.api.sent(u.ID)[before[u.ID]:]
		if len(sent) != 2 {
			t.Fatalf("%s got %d messages, want the link and the move: %s", u.FirstName, len(sent), msgTexts(sent))
		}
		wantIn(t, "link", sent[0].Text, "is online: https://meet.example/xyz")
		wantIn(t, "move", sent[1].Text, "has moved to Tue 15 Dec 14:00, online: https://meet.example/xyz", "Can you come?")
	}

	// Kim can come; Pat asks for another time, in her own words.
	e.tap(kim, e.api.sent(kim.ID)[len(e.api.sent(kim.ID))-1].ID, e.api.sent(kim.ID)[len(e.api.sent(kim.ID))-1].Buttons[0][0].CallbackData)
	moved := e.api.sent(pat.ID)[len(e.api.sent(pat.ID))-1]
	e.tap(pat, moved.ID, moved.Buttons[0][1].CallbackData) // the question comes in the edited message
	wantIn(t, "asked for a time", msgTexts(e.api.sent(pat.ID)), "Which days and times would be better for you?")
	wantIn(t, "suggestion passed", msgTexts(e.say(pat, "Any morning on Thursday or Friday")), "passed that to Oakfield Primary")
	wantIn(t, "staff told", strings.Join(slack.Texts(homeStaff), "\n"), "Pat (parent) can't make review meeting M1", "“Any morning on Thursday or Friday”", "review "+ref+" move M1")
	wantIn(t, "show", texts(e.staff("show "+ref)), "can come: Kim (receiving)", "cannot come, asked for another time: Pat (parent)")
}

// A document reaches home staff on Telegram by its file_id (nothing
// downloaded for them) and on Slack fetched whole; the chronology keeps a
// reference to it, not its bytes. One over Telegram's 20 MB download limit
// is passed on as words and the news that it came, and its sender is told.
func TestFamilyFilesReachHomeStaff(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	onTelegram := user(601, "Alex")
	if err := e.db.PutIdentity(e.ctx, offsitebot.Identity{ID: "telegram:601", Role: offsitebot.RoleHome, URN: "100001", Name: "Sam", Created: t0}); err != nil {
		t.Fatal(err)
	}
	ref, pat := joinedParent(t, e)

	note := []byte("%PDF-1.4 a doctor's note")
	e.deliver(e.api.sendsFile(pat, "document", "note.pdf", "application/pdf", "Doctor's note", note))
	wantIn(t, "sender told", e.lastTo(pat), "passed your document to Oakfield Primary")
	got := e.api.sent(onTelegram.ID)
	if len(got) != 2 || got[1].Document != "note.pdf" || !bytes.Equal(got[1].Data, note) {
		t.Fatalf("Telegram staff got %+v", got)
	}
	wantIn(t, "Telegram staff told", got[0].Text, "Pat (parent) sent a document about J.L. ("+ref+")", "“Doctor's note”", "The document is attached.", "reply "+ref+" parent")
	if d := slack.To(homeStaff, "sent a document"); len(d) != 1 || d[0].Reply.File == nil || !bytes.Equal(d[0].Reply.File.Data, note) || d[0].Reply.File.Name != "note.pdf" {
		t.Errorf("Slack staff got %+v", d)
	}
	if n := e.api.callsOf("download"); n != 1 {
		t.Errorf("downloaded %d times, want once (for Slack only)", n)
	}

	big := e.api.sendsFile(pat, "document", "scan.pdf", "application/pdf", "All the letters", nil)
	big.Message.Document.FileSize = 25 << 20
	e.deliver(big)
	wantIn(t, "sender told it is too big", e.lastTo(pat), "too big for me to pass on (the most I can is 20 MB)", "Please email it to the school")
	wantIn(t, "staff told it is too big", e.api.sent(onTelegram.ID)[2].Text, "“All the letters”", "too big for offsitebot to pass on (25 MB; the most it can fetch is 20 MB)")
	if n := len(e.api.sent(onTelegram.ID)); n != 3 {
		t.Errorf("Telegram staff got %d messages, want 3 (no file for the big one)", n)
	}

	k, err := e.db.Case(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, ct := range k.Contacts {
		if ct.File != nil {
			files = append(files, fmt.Sprintf("%s %s %q %d", ct.Media, ct.File.Name, ct.File.Source, ct.File.Size))
		}
	}
	want := []string{`document note.pdf "telegram:document:document-from-501-0" 24`, `document scan.pdf "" 26214400`}
	if strings.Join(files, "|") != strings.Join(want, "|") {
		t.Errorf("chronology keeps %q, want %q", files, want)
	}
}

// When Telegram cannot give the file just now, the message still reaches
// home staff, with the command that fetches the file later; the chronology
// keeps where it is, so file brings it once Telegram answers again.
func TestFamilyFileFetchedLater(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	ref, pat := joinedParent(t, e)
	e.api.mu.Lock()
	e.api.down["getFile"] = 1
	e.api.mu.Unlock()
	photo := []byte("\xff\xd8\xff\xe0 the hospital letter")
	e.deliver(e.api.sendsFile(pat, "photo", "", "", "From the hospital", photo))
	k, err := e.db.Case(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	id := k.Contacts[len(k.Contacts)-1].ID
	got := slack.To(homeStaff, "sent a photo")
	if len(got) != 1 || got[0].Reply.File != nil {
		t.Fatalf("home staff got %+v", got)
	}
	wantIn(t, "staff told how to get it", got[0].Reply.Text, "“From the hospital”", "The photo couldn't be fetched from Telegram just now; to get it later: file "+ref+" "+id)

	rs := e.staff("file " + ref + " " + id)
	if len(rs) != 1 || rs[0].File == nil || !bytes.Equal(rs[0].File.Data, photo) || rs[0].File.Name != "photo.jpg" {
		t.Fatalf("file answered %+v", rs)
	}
	wantIn(t, "file", rs[0].Text, "The photo the parent sent about J.L. ("+ref+")")
	wantIn(t, "no such file", texts(e.staff("file "+ref+" C99")), "I can't find a message with a file on "+ref)
}

// Words are never lost at a choice question: a parent who writes while
// /stop asks to confirm has them passed on and is asked again (a mistyped
// answer is still taken as one); once the direction has ended, the question
// ends too. An LA officer linked by code has their words passed on as the
// LA's.
func TestWordsAtAQuestionAndFromTheLA(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	ref, pat := joinedParent(t, e)
	lee := user(503, "Lee")
	e.joins(lee, ref, offsitebot.RoleLA)
	tests := []struct {
		name  string
		from  *models.User
		say   []string
		want  []string
		staff string // what home staff are sent, "" for nothing
	}{
		{"words at the stop question", pat, []string{"/stop", "Jordan is ill today, is that OK?"},
			[]string{"passed your message to Oakfield Primary", "still in the middle of disconnecting"}, "“Jordan is ill today, is that OK?”"},
		{"the question still waits", pat, []string{"no"}, []string{"you stay connected"}, ""},
		{"a mistyped answer", pat, []string{"/stop", "yse"}, []string{"isn't one of the choices"}, ""},
		{"an answer with more words is not passed on", pat, []string{"No, I want to stay"}, []string{"isn't one of the choices"}, ""},
		{"the LA's words", lee, []string{"Can we talk about the plan before the meeting?"}, []string{"passed your message to Oakfield Primary"},
			"Message from Lee (local authority) about J.L. (" + ref + ")"},
	}
	for _, tt := range tests {
		before, staffBefore := len(e.api.sent(tt.from.ID)), len(slack.Texts(homeStaff))
		for _, s := range tt.say {
			e.say(tt.from, s)
		}
		wantIn(t, tt.name, msgTexts(e.api.sent(tt.from.ID)[before:]), tt.want...)
		toStaff := strings.Join(slack.Texts(homeStaff)[staffBefore:], "\n")
		if tt.staff == "" && toStaff != "" || !strings.Contains(toStaff, tt.staff) {
			t.Errorf("%s: staff were sent %q, want %q", tt.name, toStaff, tt.staff)
		}
	}

	wantIn(t, "end", texts(e.staff("end "+ref+" reintegrated")), "End the off-site direction")
	wantIn(t, "ended", texts(e.staff("yes")), "ended today")
	e.say(pat, "/stop")
	got := msgTexts(e.say(pat, "Thanks for everything"))
	wantIn(t, "thanks after the end", got, "so I don't pass messages on about it any more")
	if strings.Contains(got, "choices") || strings.Contains(msgTexts(e.say(pat, "Really, thank you all")), "choices") {
		t.Errorf("the question outlived the direction: %s", got)
	}
}

// With Slack down, a family's message and photo reach no home staff: the
// parent is told so, and show lists what awaits a reply, with the command
// that brings the photo.
func TestFamilyFileKeptWhileSlackIsDown(t *testing.T) {
	t.Parallel()
	e, slack := newJourneyEnv(t)
	ref, pat := joinedParent(t, e)
	slack.Fail = map[string]error{homeStaff: errors.New("slack: 503 Service Unavailable")}
	photo := []byte("\xff\xd8\xff\xe0 the hospital letter")
	e.deliver(e.api.sendsFile(pat, "photo", "", "", "From the hospital", photo))
	wantIn(t, "parent told", e.lastTo(pat), "I've kept your message for Oakfield Primary, but I couldn't reach anyone there just now")
	if got := slack.To(homeStaff, ""); len(got) != 0 {
		t.Fatalf("home staff got %+v", got)
	}
	k, err := e.db.Case(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	id := k.Contacts[len(k.Contacts)-1].ID
	wantIn(t, "show", texts(e.staff("show "+ref)), "Awaiting a reply:", "("+id+"), from the parent/carer: “From the hospital” with a photo (file "+ref+" "+id+" brings it)")
	if rs := e.staff("file " + ref + " " + id); len(rs) != 1 || rs[0].File == nil || !bytes.Equal(rs[0].File.Data, photo) {
		t.Fatalf("file answered %+v", rs)
	}
}
