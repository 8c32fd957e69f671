package conversations

import (
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
)

// Every message a family member, a pupil of 18, a receiving contact or an
// LA officer can receive, read as they would: no internal IDs (a case
// reference is theirs to use), no command they cannot run, and never "the
// parents" or "your child" to the pupil; the pupil's name never to staff.
func TestFamilyMessagesReadAsTheRecipientWould(t *testing.T) {
	child := &offsitebot.Case{Ref: "OSD-7K2Q", Status: offsitebot.Active, Pupil: "Sam Taylor", DOB: "2012-03-04", HomeURN: "100001", ReceivingURN: "100002", Start: "2026-11-23"}
	adult := child.Clone()
	adult.DOB = "2008-01-01"
	commands := func(menu []bot.MenuItem) []string {
		out := []string{"help", "start", "cancel"}
		for _, m := range menu {
			out = append(out, m.Command)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		c    *offsitebot.Case
		to   offsitebot.Role
		may  []string
	}{
		{"a parent", child, offsitebot.RoleParent, commands(parentMenu)},
		{"a parent of a pupil of 18", adult, offsitebot.RoleParent, commands(parentMenu)},
		{"a pupil of 18", adult, offsitebot.RolePupil, commands(pupilMenu)},
		{"a receiving contact", child, offsitebot.RoleReceiving, commands(receivingMenu)},
		{"an LA officer", child, offsitebot.RoleLA, []string{"help", "start", "cancel", "status"}},
	} {
		texts := familyTexts(tc.c, tc.to)
		if len(texts) < 30 {
			t.Fatalf("%s: only %d messages read", tc.name, len(texts))
		}
		for name, s := range texts {
			if s == "" {
				t.Errorf("%s, %s: empty", tc.name, name)
			}
			plain := strings.NewReplacer("https://meet.example/abc", "", "01632 960123", "").Replace(s)
			if id := internalID.FindString(plain); id != "" {
				t.Errorf("%s, %s: internal ID %q in %q", tc.name, name, id, s)
			}
			if cmd := staffCommand.FindString(s); cmd != "" {
				t.Errorf("%s, %s: staff command %q in %q", tc.name, name, cmd, s)
			}
			for _, m := range slashWord.FindAllStringSubmatch(plain, -1) {
				if !slices.Contains(tc.may, m[1]) {
					t.Errorf("%s, %s: /%s, which they cannot run, in %q", tc.name, name, m[1], s)
				}
			}
			lower := strings.ToLower(s)
			if tc.to == offsitebot.RolePupil && (strings.Contains(lower, "the parents") || strings.Contains(lower, "your child") || strings.Contains(lower, "sam's")) {
				t.Errorf("%s, %s: speaks of the pupil, or to parents, in %q", tc.name, name, s)
			}
			if tc.to.Staff() && strings.Contains(s, "Sam") {
				t.Errorf("%s, %s: names the pupil in %q", tc.name, name, s)
			}
		}
	}
}
