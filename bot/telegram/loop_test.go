package telegram

import (
	"regexp"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
)

// joinedParent opens a case as home staff, links Pat as its parent and
// returns the case's reference and Pat.
func joinedParent(t *testing.T, e *env) (string, *models.User) {
	t.Helper()
	opened := texts(e.staff(`new pupil="Jordan Lee" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-23 startok=yes`))
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

	// A photo with its caption, and a voice message, go the same way.
	photo := textUpdate(pat, "")
	photo.Message.Photo, photo.Message.Caption = []models.PhotoSize{{FileID: "p"}}, "His sick note"
	e.deliver(photo)
	voice := textUpdate(pat, "")
	voice.Message.Voice = &models.Voice{FileID: "v", Duration: 9}
	e.deliver(voice)
	staffGot = strings.Join(slack.Texts(homeStaff), "\n")
	wantIn(t, "photo passed on", staffGot, "sent a photo about J.L.", "“His sick note”")
	wantIn(t, "voice passed on", staffGot, "sent a voice message about J.L.", "please phone them")
	sent := msgTexts(e.api.sent(pat.ID))
	wantIn(t, "photo and voice answered", sent, "passed your words to Oakfield Primary and told them you sent a photo", "asked them to phone you")

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
