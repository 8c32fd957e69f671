package conversations

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// familyTexts is every message in messages.go that someone of role to can
// receive about c, by name: for the family, a pupil of 18, a receiving
// contact and an LA officer linked by code.
func familyTexts(c *offsitebot.Case, to offsitebot.Role) map[string]string {
	at := time.Date(2026, 12, 2, 10, 14, 0, 0, offsitebot.London)
	d := offsitebot.DateOf(at)
	sc := schools{offsitebot.School{URN: "100001", Name: "Oakfield Primary", Phone: "01632 960123"}, offsitebot.School{URN: "100002", Name: "Riverside Academy"}}
	m := offsitebot.Meeting{ID: "M2", At: at.AddDate(0, 0, 7), Mode: offsitebot.Online, Place: "https://meet.example/abc"}
	noLink := offsitebot.Meeting{ID: "M3", At: at.AddDate(0, 0, 8), Mode: offsitebot.Online}
	out := map[string]string{}
	add := func(name string, r bot.Reply) { out[name] = r.Text }
	say := func(name, s string) { out[name] = s }

	child := firstName(c.Pupil) // as join names the child to each
	if to.Staff() {
		child = c.Initials()
	}
	say("welcome", msgWelcome("Pat", child, sc.receiving.Name, c.Ref, to))
	add("invitation", invitation(c, m, to, d))
	add("invitation, no link yet", invitation(c, noLink, to, d))
	say("cancelled", msgCancelled(c, m, to))
	say("moved", msgMoved(c, m, at.AddDate(0, 0, 6), to))
	say("place", msgPlace(c, m, to))
	say("coming", msgComing(m))
	say("suggestion passed", msgSuggestionPassed(sc.home.Name))
	add("reminder", MeetingReminder(c, m, to, d))
	add("reminder, no link yet", MeetingReminder(c, noLink, to, d))
	for _, dec := range []string{offsitebot.DecisionContinue, offsitebot.DecisionReintegrate, offsitebot.DecisionManagedMove, offsitebot.DecisionSEMH, offsitebot.DecisionOther} {
		held := m
		held.Outcome = &offsitebot.ReviewOutcome{Decision: dec, Successes: "Settled well", Interventions: "Daily check-in", Next: "2026-12-16", Until: "2027-01-29"}
		add("decision "+dec, decision(c, held, sc, to, d))
		say("corrected "+dec, msgCorrected(c, held, offsitebot.ReviewOutcome{Decision: offsitebot.DecisionContinue, Next: "2026-12-18"}, to))
	}
	ended := c.Clone()
	ended.Status, ended.EndedOn = offsitebot.Ended, d
	say("cancelled by the end", msgCancelled(ended, m, to))
	for _, o := range []string{offsitebot.OutcomeReintegrated, offsitebot.OutcomeManagedMove, offsitebot.OutcomeSEMH, offsitebot.OutcomeOther} {
		ended.Outcome = o
		say("ended "+o, msgEnded(ended, to, sc))
	}
	say("message after the end", msgEndedNoMessages(ended, to, sc.home))
	add("reply", msgReply(c, "Thank you, see you soon", sc.home, to))
	for _, media := range []string{"", offsitebot.MediaPhoto, offsitebot.MediaVoice} {
		say("passed on "+media, msgPassedOn(sc.home, "Jordan is ill", media, nil, true))
		say("kept "+media, msgPassedOn(sc.home, "", media, nil, false))
	}
	doc := &offsitebot.FileRef{Source: "telegram:document:BQAD", Name: "note.pdf", Type: "application/pdf", Size: 40 << 10}
	say("document passed on", msgPassedOn(sc.home, "Doctor's note", offsitebot.MediaDocument, doc, true))
	say("document too big", msgPassedOn(sc.home, "Doctor's note", offsitebot.MediaDocument, &offsitebot.FileRef{Name: "scan.pdf", Size: 30 << 20}, true))
	other := c.Clone()
	other.Ref, other.Pupil = "OSD-9M3P", "Mia Taylor"
	say("which child, one other", msgAbout(c, []offsitebot.Case{*other}, to))
	say("which child, several", msgAbout(c, []offsitebot.Case{*other, *other}, to))
	say("which child, switched", msgAboutNow(other, to))
	say("which child, nothing to switch", msgAboutWhich)
	for i, s := range []string{msgJoinHow, msgJoinTooMany, msgJoinWithdrawn, msgWhichChild, msgWhichChildAgain, msgWhichChilds,
		msgJoinWrongKind(offsitebot.RoleParent, offsitebot.RoleReceiving)} {
		say(fmt.Sprintf("joining %d", i), s)
	}
	if to == offsitebot.RoleReceiving {
		say("attendance prompt", MsgAttendancePrompt(c, d, offsitebot.Telegram))
		say("attendance chase", MsgAttendanceChase(c, d, offsitebot.Telegram))
	}
	// What the router and the adapters say themselves (bot/messages.go), and
	// the core's errors anyone linked by code can meet, as they read them.
	on := bot.Call{Request: bot.Request{Platform: offsitebot.Telegram}, Who: offsitebot.Identity{Role: to, Cases: []string{c.Ref}}}
	for i, s := range []string{bot.MsgNothingToCancel, bot.MsgNothingToGoBack, bot.MsgDone, bot.MsgPrivateOnly,
		bot.MsgButtonExpired, bot.MsgSomethingWrong, bot.MsgChoose, fmt.Sprintf(bot.MsgChosen, "I can come"),
		bot.NotUnderstood(on.Who), bot.NotUnderstood(offsitebot.Identity{}), bot.Stranger(offsitebot.Telegram)} {
		say(fmt.Sprintf("bot %d", i), s)
	}
	for i, err := range []error{errors.New("storage: timeout"), offsitebot.NotFound("OSD-ZZZZ"), offsitebot.BadRef("OSD-ZZ"),
		offsitebot.Can(on.Who, offsitebot.ActReply, nil), offsitebot.CheckMessage(" ", ""),
		offsitebot.CheckMessage(strings.Repeat("a", offsitebot.MaxMessage+1), "")} {
		say(fmt.Sprintf("error %d", i), errorText(on, err))
	}
	if to.Staff() {
		return out // a receiving contact or the LA: the rest are the family's
	}
	say("request received", msgRequestReceived(at, sc.home.Name, offsitebot.RequestCheck{Explanation: "A review meeting was held on Fri 20 Nov, so the school doesn't have to hold another one yet, but they will read your request and reply here."}))
	say("feedback invitation", MsgFeedbackInvitation(c, m, to))
	say("pack", msgPack(c, m, true, sc.home.Name, to))
	say("pack, nothing booked", msgPack(c, m, false, sc.home.Name, to))
	for _, kind := range []string{offsitebot.LetterNotice, offsitebot.LetterInvite, offsitebot.LetterDecision} {
		say("letter "+kind, msgLetter(kind, c, m, sc.home.Name, to))
	}
	say("chart", msgChart(c, to, sc.home.Name))
	say("meeting was cancelled", msgMeetingWasCancelled(m))
	say("meeting was held", msgMeetingWasHeld(m))
	for i, s := range []string{msgFeedbackThanks, msgSuggestTime, msgStopConfirm, msgStopEnded, msgStopKept, msgStopped,
		msgEmpty, msgEmojiOnly, msgSticker, msgNotPassed, msgNotConnected, msgNotConnectedJoin, msgNoMeetingYet,
		msgNoMeetingToAnswer, msgNothingToAnswer, msgNoSuchMeeting} {
		say(fmt.Sprintf("fixed %d", i), s)
	}
	if to == offsitebot.RolePupil {
		say("help", msgPupilHelp)
		say("feedback, own view", msgFeedbackSelf)
		say("feedback, more", msgFeedbackMore)
	} else {
		say("help", msgParentHelp)
		say("feedback, child's view", msgFeedbackPupil)
		say("feedback, family's view", msgFeedbackFamily)
	}
	return out
}

var (
	// internalID is what only the bot's own records use: meeting, request
	// and contact numbers, identities, URNs.
	internalID = regexp.MustCompile(`\b[MRC]\d+\b|\b(telegram|slack|shell):|\b\d{6}\b`)
	slashWord  = regexp.MustCompile(`(?:^|\s)/([a-z]+)`)
	// staffCommand is a command only staff can run, with a case reference.
	staffCommand = regexp.MustCompile(`\b(review|reply|link|contact|notice|attendance|show|due|export|end|edit|void|letter) OSD-`)
	// bareCommand is a command word offered without its slash ("type cases").
	bareCommand = regexp.MustCompile(`\b(?:[Tt]ype|[Ss]end) (cases|due|show|new|contact|attendance|review|request|link|end|edit|void|feedback|answer|stop|school|staff|notice|pack|letter|reply|dashboard|export|status|help|back|cancel)\b`)
)

// reader is someone linked by code, as the reader test reads what they get.
type reader struct {
	to    offsitebot.Role
	pupil string   // the pupil's name: never to staff, never "Sam's" to Sam
	may   []string // the commands they can run
}

// readerOf is a reader of role to, about a pupil of that name.
func readerOf(to offsitebot.Role, pupil string) reader {
	commands := func(menu []bot.MenuItem) []string {
		out := []string{"help", "start", "cancel", "back"}
		for _, m := range menu {
			out = append(out, m.Command)
		}
		return out
	}
	r := reader{to: to, pupil: pupil, may: commands(parentMenu)}
	switch to {
	case offsitebot.RolePupil:
		r.may = commands(pupilMenu)
	case offsitebot.RoleReceiving:
		// A receiving contact may also record contact and look at their cases.
		r.may = append(commands(receivingMenu), "contact", "show", "cases", "due")
	case offsitebot.RoleLA:
		r.may = []string{"help", "start", "cancel", "back", "status"}
	}
	return r
}

// read reports what in s the reader would not understand or should not be
// told: internal IDs (a case reference is theirs to use), a command they
// cannot run, "the parents" or "your child" to the pupil, the pupil's name
// to staff.
func (r reader) read(s string) []string {
	var bad []string
	if s == "" {
		return []string{"empty"}
	}
	plain := strings.NewReplacer("https://meet.example/abc", "", "01632 960123", "").Replace(s)
	if id := internalID.FindString(plain); id != "" {
		bad = append(bad, fmt.Sprintf("internal ID %q", id))
	}
	for _, m := range staffCommand.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(r.may, m[1]) {
			bad = append(bad, fmt.Sprintf("staff command %q", m[0]))
		}
	}
	for _, m := range slashWord.FindAllStringSubmatch(plain, -1) {
		if !slices.Contains(r.may, m[1]) {
			bad = append(bad, fmt.Sprintf("/%s, which they cannot run", m[1]))
		}
	}
	for _, m := range bareCommand.FindAllStringSubmatch(plain, -1) {
		if !slices.Contains(r.may, m[1]) {
			bad = append(bad, fmt.Sprintf("%q, which they cannot run", m[0]))
		}
	}
	if strings.Contains(s, "offsitebot admin") || strings.Contains(s, "config") {
		bad = append(bad, "someone or something they don't know of")
	}
	first := strings.Fields(r.pupil + " \x00")[0] // "\x00" where no pupil is named: it never matches
	lower := strings.ToLower(s)
	if r.to == offsitebot.RolePupil && (strings.Contains(lower, "the parents") || strings.Contains(lower, "your child") || strings.Contains(s, first+"'s")) {
		bad = append(bad, "speaks of the pupil, or to parents")
	}
	if r.to.Staff() && strings.Contains(s, first) {
		bad = append(bad, "names the pupil")
	}
	return bad
}

// Every message a family member, a pupil of 18, a receiving contact or an
// LA officer can receive, read as they would.
func TestFamilyMessagesReadAsTheRecipientWould(t *testing.T) {
	child := &offsitebot.Case{Ref: "OSD-7K2Q", Status: offsitebot.Active, Pupil: "Sam Taylor", DOB: "2012-03-04", HomeURN: "100001", ReceivingURN: "100002", Start: "2026-11-23"}
	adult := child.Clone()
	adult.DOB = "2008-01-01"
	for _, tc := range []struct {
		name string
		c    *offsitebot.Case
		to   offsitebot.Role
	}{
		{"a parent", child, offsitebot.RoleParent},
		{"a parent of a pupil of 18", adult, offsitebot.RoleParent},
		{"a pupil of 18", adult, offsitebot.RolePupil},
		{"a receiving contact", child, offsitebot.RoleReceiving},
		{"an LA officer", child, offsitebot.RoleLA},
	} {
		texts := familyTexts(tc.c, tc.to)
		if len(texts) < 40 {
			t.Fatalf("%s: only %d messages read", tc.name, len(texts))
		}
		r := readerOf(tc.to, tc.c.Pupil)
		for name, s := range texts {
			for _, bad := range r.read(s) {
				t.Errorf("%s, %s: %s in %q", tc.name, name, bad, s)
			}
		}
	}
}
