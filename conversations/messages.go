package conversations

import (
	"fmt"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// What parents, pupils and receiving-school contacts read, in one place so a
// school can review the wording. Warm, plain English; only ever about their own
// child (or, for a receiving contact, the pupils they teach).

const (
	msgFeedbackPupil  = "Thank you for helping us hear your child's view. How does your child feel the new school is going? Write it in their words if you can."
	msgFeedbackFamily = "And how do you, the family, feel it is going? Anything worrying you, or anything you'd like the school to know?"
	msgFeedbackThanks = "Thank you. Your answers will be read at the next review meeting, alongside everything else."
	msgSuggestTime    = "Sorry that time doesn't suit. Which days and times would be better for you? I'll pass it straight to the school."
	msgStopConfirm    = "Do you want to stop getting messages about this off-site direction here? (yes/no)"
	msgStopEnded      = "It has ended, so nothing more will come about it here. Do you want to disconnect from it anyway? (yes/no)"
	msgStopKept       = "OK, you stay connected. Nothing has changed."
	msgStopped        = "Done: you won't get messages about it here any more. If you change your mind, ask the school for a new link."
	msgFeedbackSelf   = "How do you feel the new school is going? Say it in your own words."
	msgFeedbackMore   = "Is there anything worrying you, or anything you'd like the school to know or help with?"

	msgNotConnected      = "You're not connected to any active off-site direction at the moment. If the school sends you a new link, open it to connect."
	msgNotConnectedJoin  = "You're not connected to an active off-site direction. If the school sends you a new link, open it to connect (or type /start and the code in it)."
	msgNoMeetingYet      = "No review meeting is booked yet; the school will invite you."
	msgNoMeetingToAnswer = "There's no meeting planned at the moment, so there's nothing to answer yet. /status shows what's next."
	msgNothingToAnswer   = "There's no meeting planned to answer for at the moment. Type /cancel, and /status to see what's next."
	msgNoSuchMeeting     = "I can't find that meeting. Type /status to see what's next."
)

// Joining, and which child: what someone linked by code is asked or told.
const (
	msgJoinHow         = "Hello! Please use the link your school sent you, or type /start followed by the code in it."
	msgJoinTooMany     = "That's too many codes that didn't work, so I'll wait a while before trying another. Please check the link from your school, or ask them for a new one, and try again in an hour."
	msgJoinWithdrawn   = "That link was for a case the school has since withdrawn, so it doesn't connect you to anything. If you were expecting to hear from the school, please contact them."
	msgWhichChild      = "Which child's case is this about? Choose one, or type its reference (it looks like OSD-7K2Q)."
	msgWhichChildAgain = "Sorry, I didn't catch which child you mean. Choose one of the buttons, or type the reference in the school's message (it looks like OSD-7K2Q)."
	msgWhichChilds     = "Which child's? Choose one."
)

func msgJoinWrongKind(is, link offsitebot.Role) string {
	return fmt.Sprintf("This account is already connected as %s, and that link was for %s, so I haven't used it. Please ask the school for a link of the right kind.", personName(is), personName(link))
}

func msgMeetingWasCancelled(m offsitebot.Meeting) string {
	return fmt.Sprintf("That meeting (%s) was cancelled, so there's nothing to answer. The school will send a new invitation.", when(m))
}

func msgMeetingWasHeld(m offsitebot.Meeting) string {
	return fmt.Sprintf("That meeting (%s) has already taken place. Type /status to see what's next.", when(m))
}

// The commands families and receiving contacts use, as their help lists
// them and as Telegram's command menu offers them.
var (
	parentMenu = []bot.MenuItem{
		{Command: "status", Description: "what's happening next"},
		{Command: "request", Description: "ask the school for a review meeting, in writing"},
		{Command: "feedback", Description: "tell us how it's going, for you and your child"},
		{Command: "pack", Description: "the papers for the next review meeting (PDF)"},
		{Command: "stop", Description: "stop getting messages here"},
		{Command: "cancel", Description: "stop what we're in the middle of"},
	}
	pupilMenu = slices.Concat(parentMenu[:2],
		[]bot.MenuItem{{Command: "feedback", Description: "tell us how it's going"}}, parentMenu[3:])
	receivingMenu = []bot.MenuItem{
		{Command: "attendance", Description: "record today's attendance (I also ask each school morning)"},
		{Command: "status", Description: "the pupils you're connected to"},
		{Command: "cancel", Description: "stop what we're in the middle of"},
	}
	helpItem = bot.MenuItem{Command: "help", Description: "what I can do"}

	msgParentHelp      = helpText(parentMenu, "If something is urgent, please phone the school.")
	msgPupilHelp       = helpText(pupilMenu, "If something is urgent, please phone the school.")
	msgReceivingTGHelp = helpText(receivingMenu, "")
)

// helpText lists menu's commands, then the footer.
func helpText(menu []bot.MenuItem, footer string) string {
	lines := []string{"Here's what I can do for you:"}
	for _, m := range menu {
		lines = append(lines, "/"+m.Command+" — "+m.Description)
	}
	if footer != "" {
		lines = append(lines, footer)
	}
	return strings.Join(lines, "\n")
}

// TelegramMenus are the command menus of people on Telegram, by role: the
// default ("") is a family's, offered to everyone; the others where a role's
// commands differ. Each is what that role's help lists, and help.
func TelegramMenus() map[offsitebot.Role][]bot.MenuItem {
	return map[offsitebot.Role][]bot.MenuItem{
		"":                       append(slices.Clone(parentMenu), helpItem),
		offsitebot.RolePupil:     append(slices.Clone(pupilMenu), helpItem),
		offsitebot.RoleReceiving: append(slices.Clone(receivingMenu), helpItem),
	}
}

func msgWelcome(name, child, school, ref string, role offsitebot.Role) string {
	if name == "" {
		name = "there"
	}
	switch role {
	case offsitebot.RoleReceiving:
		return fmt.Sprintf("Hello %s. You're now connected to %s (%s) at %s. Each school morning I'll ask for their attendance; you can also type /attendance.", name, child, ref, school)
	case offsitebot.RoleLA:
		return fmt.Sprintf("Hello %s. You're now connected to %s (%s) for the local authority.", name, ref, school)
	case offsitebot.RolePupil:
		return fmt.Sprintf("Hello %s. You're now connected to your off-site direction at %s (%s). I'll send meeting invitations here, and you can /request a review meeting or give /feedback any time.", name, school, ref)
	}
	return fmt.Sprintf("Hello %s. You're now connected to %s's off-site direction at %s (%s). I'll send meeting invitations here, and you can /request a review meeting or give /feedback any time.", name, child, school, ref)
}

func msgRequestReceived(at time.Time, home string, rc offsitebot.RequestCheck) string {
	return fmt.Sprintf("Thank you — your request was received at %s and passed to %s. %s",
		at.In(offsitebot.London).Format("15:04 on Mon 2 Jan"), home, rc.Explanation)
}

// schools are the two schools of a case, as a message names them.
type schools struct{ home, receiving offsitebot.School }

// invitation invites a parent, the pupil, a receiving contact or an LA
// officer to meeting m, with buttons to answer; d is today.
func invitation(c *offsitebot.Case, m offsitebot.Meeting, to offsitebot.Role, d offsitebot.Date) bot.Reply {
	ask := "It's a chance to say how things are going and what would help. Can you come?"
	if to.Staff() {
		ask = "Can you come?"
	}
	if w := asWell(c, to, d); w != "" {
		ask = w + " " + ask
	}
	return bot.Reply{
		Text: fmt.Sprintf("You're invited to a review meeting about %s (%s): %s, %s. %s",
			whose(c, to), c.Ref, when(m), meetingPlace(m), ask),
		Title: "You're invited to a review meeting",
		Facts: []bot.Fact{{Label: "About", Value: fmt.Sprintf("%s (%s)", capital(whose(c, to)), c.Ref)},
			{Label: "When", Value: when(m)}, {Label: "Where", Value: capital(meetingPlace(m))}},
		Note: ask, Case: c.Ref, Sensitive: true, Buttons: answerButtons(c, m),
	}
}

// asWell tells a parent of a pupil aged 18 or over on day d why they get
// what the law now says goes to the pupil; "" to anyone else.
func asWell(c *offsitebot.Case, to offsitebot.Role, d offsitebot.Date) string {
	if to != offsitebot.RoleParent || !c.Adult(d) {
		return ""
	}
	name := firstName(c.Pupil)
	return fmt.Sprintf("%s is 18 or over, so this goes to %s; as a parent or carer you're sent it as well.", name, name)
}

// whose names the direction for its reader: "Sam's off-site direction", "your
// off-site direction" to the pupil, and by initials to a receiving contact
// or the LA.
func whose(c *offsitebot.Case, to offsitebot.Role) string {
	switch {
	case to == offsitebot.RolePupil:
		return "your off-site direction"
	case to.Staff():
		return "the off-site direction of " + c.Initials()
	}
	return firstName(c.Pupil) + "'s off-site direction"
}

func msgComing(m offsitebot.Meeting) string {
	return fmt.Sprintf("Thank you — see you on %s, %s. If anything changes, just let the school know.", when(m), where(m))
}

func msgCancelled(c *offsitebot.Case, m offsitebot.Meeting, to offsitebot.Role) string {
	if c.Status == offsitebot.Ended {
		return fmt.Sprintf("The review meeting about %s (%s) on %s won't take place: the off-site direction has ended.", whose(c, to), c.Ref, when(m))
	}
	return fmt.Sprintf("The review meeting about %s (%s) on %s is cancelled. The school will be in touch with a new time.", whose(c, to), c.Ref, when(m))
}

func msgMoved(c *offsitebot.Case, m offsitebot.Meeting, was time.Time, to offsitebot.Role) string {
	return fmt.Sprintf("The review meeting about %s (%s) on %s has moved to %s, %s. Can you come?",
		whose(c, to), c.Ref, was.In(offsitebot.London).Format("Mon 2 Jan 15:04"), when(m), meetingPlace(m))
}

// msgPlace gives the place, or the online link, of a meeting already planned.
func msgPlace(c *offsitebot.Case, m offsitebot.Meeting, to offsitebot.Role) string {
	return fmt.Sprintf("The review meeting about %s (%s) on %s is %s.", whose(c, to), c.Ref, when(m), meetingPlace(m))
}

// msgEnded tells everyone the direction concerns that it has ended, and
// what happens now, in words for each.
func msgEnded(c *offsitebot.Case, to offsitebot.Role, sc schools) string {
	home := sc.home.Name
	head := fmt.Sprintf("%s (%s) ended on %s.", capital(whose(c, to)), c.Ref, c.EndedOn.Short())
	if to.Staff() {
		s := fmt.Sprintf("%s %s", head, capital(endedWhat(c, "the pupil", home)))
		if to == offsitebot.RoleReceiving {
			s += fmt.Sprintf(" No more attendance is needed from %s, and I won't ask for it again. Thank you.", sc.receiving.Name)
		}
		return s
	}
	child := firstName(c.Pupil)
	if to == offsitebot.RolePupil {
		child = "you"
	}
	return fmt.Sprintf("%s %s %s Thank you for staying in touch here.", head, capital(endedWhat(c, child, home)), urgentQuestion(sc.home))
}

// endedWhat says what comes after the end, of child (a name, "you" or "the pupil").
func endedWhat(c *offsitebot.Case, child, home string) string {
	switch c.Outcome {
	case offsitebot.OutcomeReintegrated:
		return fmt.Sprintf("%s %s back to %s full time; the school will confirm the first day back.", child, goes(child), home)
	case offsitebot.OutcomeManagedMove:
		return fmt.Sprintf("%s %s to another school by a managed move; %s will be in touch about the next steps.", child, goes(child), home)
	case offsitebot.OutcomeSEMH:
		return fmt.Sprintf("%s %s on to an SEMH base or centre (support for social, emotional and mental health); %s will be in touch about it.", child, goes(child), home)
	}
	return fmt.Sprintf("%s will be in touch about what happens next.", home)
}

func goes(child string) string {
	if child == "you" {
		return "go"
	}
	return "goes"
}

// urgentQuestion says whom to ask, with the school's number if it has one.
func urgentQuestion(home offsitebot.School) string {
	if home.Phone == "" {
		return "If you have a question, please contact " + home.Name + "."
	}
	return fmt.Sprintf("If you have a question, please contact %s on %s.", home.Name, home.Phone)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func msgSuggestionPassed(home string) string {
	return fmt.Sprintf("Thank you — I've passed that to %s. They'll get back to you with a new time.", home)
}

// decision tells the family (or the LA) what review meeting m decided, what
// was agreed, and what happens next and when; d is today.
func decision(c *offsitebot.Case, m offsitebot.Meeting, sc schools, to offsitebot.Role, d offsitebot.Date) bot.Reply {
	o := m.Outcome
	decided, next := decisionWords(c, *o, sc, to)
	r := bot.Reply{Title: "What the review meeting on " + m.Date().Short() + " decided", Case: c.Ref, Sensitive: true,
		Facts: []bot.Fact{{Label: "Decided", Value: capital(decided)}}}
	lines := []string{fmt.Sprintf("After the review meeting on %s about %s (%s): %s.", m.Date().Short(), whose(c, to), c.Ref, decided)}
	if w := asWell(c, to, d); w != "" {
		lines = append([]string{w}, lines...)
	}
	if o.Successes != "" {
		r.Facts = append(r.Facts, bot.Fact{Label: "Going well", Value: o.Successes})
		lines = append(lines, "Going well: "+o.Successes)
	}
	if o.Interventions != "" {
		r.Facts = append(r.Facts, bot.Fact{Label: "Support agreed", Value: o.Interventions})
		lines = append(lines, "Support agreed: "+o.Interventions)
	}
	if next != "" {
		if to.Staff() {
			next = strings.ReplaceAll(strings.ReplaceAll(next, " with you", ""), "; you'll be invited here", "")
		}
		r.Facts = append(r.Facts, bot.Fact{Label: "Next", Value: next})
		lines = append(lines, next)
	}
	r.Note = "If you'd like to talk about it, /request a review meeting or contact the school."
	if to.Staff() {
		r.Note = "For the local authority's information, as the pupil has an EHC plan."
	}
	r.Text = strings.Join(append(lines, r.Note), "\n")
	return r
}

// decisionWords say what a review decided and what happens next and when,
// to a reader of role to.
func decisionWords(c *offsitebot.Case, o offsitebot.ReviewOutcome, sc schools, to offsitebot.Role) (decided, next string) {
	home := sc.home.Name
	child := firstName(c.Pupil)
	switch {
	case to == offsitebot.RolePupil:
		child = "you"
	case to.Staff():
		child = c.Initials()
	}
	switch o.Decision {
	case offsitebot.DecisionContinue:
		decided = fmt.Sprintf("the off-site direction at %s continues", sc.receiving.Name)
		if o.Until != "" {
			decided += " until " + o.Until.Short()
		}
		if o.Next != "" {
			next = fmt.Sprintf("The next review meeting is planned for %s; you'll be invited here.", o.Next.Short())
		}
	case offsitebot.DecisionReintegrate:
		decided = fmt.Sprintf("%s %s back to %s full time", capital(child), goes(child), home)
		next = fmt.Sprintf("%s will confirm the first day back.", home)
	case offsitebot.DecisionManagedMove:
		decided = fmt.Sprintf("%s %s to another school by a managed move", capital(child), goes(child))
		next = fmt.Sprintf("%s will be in touch to arrange it with you.", home)
	case offsitebot.DecisionSEMH:
		decided = fmt.Sprintf("%s %s on to an SEMH base or centre (support for social, emotional and mental health)", capital(child), goes(child))
		next = fmt.Sprintf("%s will be in touch about it with you.", home)
	default:
		decided = fmt.Sprintf("%s will end, and the school will agree another next step with you", whose(c, to))
		next = fmt.Sprintf("%s will be in touch to explain.", home)
	}
	return decided, next
}

// msgCorrected tells the family what changed of a decision they were told.
func msgCorrected(c *offsitebot.Case, m offsitebot.Meeting, was offsitebot.ReviewOutcome, to offsitebot.Role) string {
	o := m.Outcome
	var parts []string
	if o.Decision != was.Decision {
		parts = append(parts, fmt.Sprintf("the decision is now: %s (not %s)", decisionName(o.Decision), decisionName(was.Decision)))
	}
	if o.Until != was.Until && o.Until != "" {
		parts = append(parts, fmt.Sprintf("it continues until %s", o.Until.Short()))
	}
	if o.Next != was.Next && o.Next != "" {
		parts = append(parts, fmt.Sprintf("the next review meeting is planned for %s (not %s); you'll be invited here", o.Next.Short(), was.Next.Short()))
	}
	return fmt.Sprintf("A correction from the school about the review meeting on %s for %s (%s): %s. If you'd like to talk about it, please contact the school.",
		m.Date().Short(), whose(c, to), c.Ref, strings.Join(parts, "; "))
}

func firstName(full string) string {
	for i, r := range full {
		if r == ' ' {
			return full[:i]
		}
	}
	return full
}

// MsgAttendancePrompt asks a receiving contact on platform on for the day's
// codes, each school morning.
func MsgAttendancePrompt(c *offsitebot.Case, d offsitebot.Date, on offsitebot.Platform) string {
	return fmt.Sprintf("Attendance for %s (%s), %s.\n%s", c.Initials(), c.Ref, d.Short(), howToAnswer(c.Ref, d, on))
}

// MsgAttendanceChase asks again after lunch, the home school told.
func MsgAttendanceChase(c *offsitebot.Case, d offsitebot.Date, on offsitebot.Platform) string {
	return fmt.Sprintf("Still needed: attendance for %s (%s), %s. The home school has been told it isn't confirmed yet.\n%s",
		c.Initials(), c.Ref, d.Short(), howToAnswer(c.Ref, d, on))
}

// howToAnswer says how to answer the attendance prompt: on Telegram with
// its /attendance command, elsewhere with the whole command typed.
func howToAnswer(ref string, d offsitebot.Date, on offsitebot.Platform) string {
	if on == offsitebot.Telegram {
		return "Choose a button, or send /attendance to answer step by step."
	}
	return "Choose a button, or type: " + attendanceCommand(ref, d)
}

func attendanceCommand(ref string, d offsitebot.Date) string {
	return "attendance " + ref + " " + string(d) + " AM PM"
}

// AttendanceButtons answer the attendance prompt for case ref on day d.
func AttendanceButtons(ref string, d offsitebot.Date) [][]bot.Button {
	cmd := "/attendance " + ref + " " + string(d)
	return [][]bot.Button{{
		{Label: "Present all day", Data: cmd + ` / \`},
		{Label: "Absent…", Data: cmd + " absent"},
		{Label: "Other…", Data: cmd},
	}}
}

// MsgFeedbackInvitation asks a parent, or the pupil, for their view before meeting m.
func MsgFeedbackInvitation(c *offsitebot.Case, m offsitebot.Meeting, to offsitebot.Role) string {
	when := m.At.In(offsitebot.London).Format("15:04")
	if to == offsitebot.RolePupil {
		return fmt.Sprintf("There is a review meeting about your off-site direction (%s) on %s at %s. Before it, we'd like to hear how things are going for you: choose Give feedback, or send /feedback (it takes a few minutes).",
			c.Ref, m.Date().Short(), when)
	}
	first := strings.Fields(c.Pupil + " your child")[0]
	return fmt.Sprintf("There is a review meeting about %s's off-site direction (%s) on %s at %s. Before it, we'd like to hear how things are going, from you and from %s: choose Give feedback, or send /feedback (it takes a few minutes).",
		first, c.Ref, m.Date().Short(), when, first)
}

// FeedbackButtons start /feedback from the feedback invitation.
func FeedbackButtons() [][]bot.Button {
	return [][]bot.Button{{{Label: "Give feedback", Data: "/feedback"}}}
}

// msgPack goes with the family's version of the review meeting pack.
func msgPack(c *offsitebot.Case, m offsitebot.Meeting, scheduled bool, home string, to offsitebot.Role) string {
	if !scheduled {
		return fmt.Sprintf("Here are the papers for the next review meeting about %s (%s): what the school will look at. No meeting is booked yet; you'll be invited here. If anything in them is wrong, please tell %s.",
			whose(c, to), c.Ref, home)
	}
	return fmt.Sprintf("Here are the papers for the review meeting about %s (%s) on %s: what the school will look at. If anything in them is wrong, or you'd like to add something, please tell %s before the meeting.",
		whose(c, to), c.Ref, when(m), home)
}

// msgLetter goes with a letter the school sends through offsitebot.
func msgLetter(kind string, c *offsitebot.Case, m offsitebot.Meeting, home string, to offsitebot.Role) string {
	switch kind {
	case offsitebot.LetterInvite:
		return fmt.Sprintf("A letter from %s: your invitation to the review meeting about %s (%s) on %s, %s. Can you come?",
			home, whose(c, to), c.Ref, when(m), where(m))
	case offsitebot.LetterDecision:
		return fmt.Sprintf("A letter from %s: what the review meeting about %s (%s) on %s decided. If you'd like to talk about it, /request a review meeting or contact the school.",
			home, whose(c, to), c.Ref, m.Date().Short())
	}
	return fmt.Sprintf("A letter from %s: the written notice of %s (%s). It says why, from when and where, the times, how it will be reviewed, and how you can ask for a review meeting. Please keep it. If anything is unclear, contact the school.",
		home, whose(c, to), c.Ref)
}

// msgChart goes with the attendance picture.
func msgChart(c *offsitebot.Case, to offsitebot.Role, home string) string {
	whose := firstName(c.Pupil) + "'s"
	if to == offsitebot.RolePupil {
		whose = "Your"
	}
	return fmt.Sprintf("%s attendance (%s), week by week since the start. If you have a question about it, please contact %s.", whose, c.Ref, home)
}

// What someone who writes to the bot is told when it is not passed on.
const (
	msgEmpty     = "That message was empty, so nothing was passed on. Type what you'd like the school to know, and I'll pass it on word for word."
	msgEmojiOnly = "I can only pass on words to the school, and that message had none, so it wasn't sent. Type what you'd like them to know, and I'll pass it on word for word."
	msgSticker   = "Thanks for the sticker! I can't pass stickers on to the school. Type what you'd like them to know, and I'll pass it on word for word."
	msgNotPassed = "Sorry, I can't pass that kind of message on to the school. Please type what you'd like them to know, or send a photo or a document."
)

// urgent says to phone the school for anything urgent or about safety,
// with its number if the school gave one.
func urgent(home offsitebot.School) string {
	if home.Phone == "" {
		return "If it's urgent or about anyone's safety, please phone " + home.Name + " now."
	}
	return fmt.Sprintf("If it's urgent or about anyone's safety, please phone %s now on %s.", home.Name, home.Phone)
}

// msgPassedOn tells the sender that what they wrote (words, and media
// such as a photo) went to the home school (delivered), or is kept for it
// but reached nobody yet.
func msgPassedOn(home offsitebot.School, words, media string, f *offsitebot.FileRef, delivered bool) string {
	if !delivered {
		return fmt.Sprintf("Thank you — I've kept your message for %s, but I couldn't reach anyone there just now. %s", home.Name, urgent(home))
	}
	switch {
	case media == offsitebot.MediaVoice:
		return fmt.Sprintf("Thank you — I can't play voice messages to the school, so I've told %s you sent one and asked them to phone you. %s", home.Name, urgent(home))
	case f != nil && f.Source == "":
		return fmt.Sprintf("Thank you — I've told %s you sent a %s, with your words if you wrote any, but it's too big for me to pass on (the most I can is %s). Please email it to the school, or send a smaller copy here. %s", home.Name, media, megabytes(bot.MaxFetch), urgent(home))
	case f != nil:
		return fmt.Sprintf("Thank you — I've passed your %s to %s, with your words if you wrote any, and they'll reply here. %s", media, home.Name, urgent(home))
	case media != "" && words != "":
		return fmt.Sprintf("Thank you — I've passed your words to %s and told them you sent a %s; they can't see the %s itself here, so they may ask you to email it. They'll reply here. %s", home.Name, media, media, urgent(home))
	case media != "":
		return fmt.Sprintf("Thank you — I've told %s you sent a %s; they can't see it here, so they may ask you to email it, or you can type what it's about. %s", home.Name, media, urgent(home))
	}
	return fmt.Sprintf("Thank you — I've passed your message to %s, word for word, and they'll reply here. %s", home.Name, urgent(home))
}

// childName names a child's case to someone linked to it: by first name
// to the family, by initials to a receiving contact.
func childName(c *offsitebot.Case, to offsitebot.Role) string {
	if to.Staff() {
		return c.Initials()
	}
	return firstName(c.Pupil)
}

// msgAbout, after a message from someone linked to several children, says
// which child it went about and how to switch.
func msgAbout(c *offsitebot.Case, others []offsitebot.Case, to offsitebot.Role) string {
	name := childName(c, to)
	s := fmt.Sprintf("That was about %s (%s). Your next messages today go about %s too, without my asking.", name, c.Ref, name)
	if len(others) == 1 {
		return s + fmt.Sprintf(" To write about %s instead, choose %s.", childName(&others[0], to), msgWriteAbout(&others[0], to))
	}
	return s + " To write about another child, choose them below."
}

// msgWriteAbout is the button that switches to child c.
func msgWriteAbout(c *offsitebot.Case, to offsitebot.Role) string {
	return "Write about " + childName(c, to)
}

// msgAboutNow answers the choice of another child for the day's messages.
func msgAboutNow(c *offsitebot.Case, to offsitebot.Role) string {
	name := childName(c, to)
	return fmt.Sprintf("OK: your messages go about %s (%s) until the end of today. What would you like the school to know?", name, c.Ref)
}

// msgAboutWhich answers the switch without a child to switch to.
const msgAboutWhich = "Just type your message: if you're connected to more than one child, I'll ask which one it's about."

// msgEndedNoMessages answers someone who writes after the direction ended.
func msgEndedNoMessages(c *offsitebot.Case, to offsitebot.Role, home offsitebot.School) string {
	about := capital(whose(c, to))
	if to.Staff() {
		about = fmt.Sprintf("The off-site direction of %s (%s)", c.Initials(), c.Ref)
	}
	contact := "please contact " + home.Name + " directly"
	if home.Phone != "" {
		contact += " on " + home.Phone
	}
	return fmt.Sprintf("%s ended on %s, so I don't pass messages on about it any more: %s.", about, c.EndedOn.Short(), contact)
}

// msgReply brings a school's reply to a family member or a contact.
func msgReply(c *offsitebot.Case, words string, home offsitebot.School, to offsitebot.Role) bot.Reply {
	about := whose(c, to)
	if to.Staff() {
		about = fmt.Sprintf("%s (%s)", c.Initials(), c.Ref)
	}
	r := bot.Reply{Case: c.Ref, Sensitive: true, Title: "A reply from " + home.Name,
		Facts: []bot.Fact{{Label: "About", Value: capital(about)}, {Value: words}}}
	r.Note = "You can answer here. " + urgent(home)
	if to.Staff() {
		r.Note = "You can answer here."
	}
	r.Text = fmt.Sprintf("A reply from %s about %s:\n“%s”\n%s", home.Name, about, words, r.Note)
	return r
}

// MeetingReminder reminds someone invited of meeting m, the school day
// before, with the time and the place or the online link, and the buttons
// to change their answer; d is today.
func MeetingReminder(c *offsitebot.Case, m offsitebot.Meeting, to offsitebot.Role, d offsitebot.Date) bot.Reply {
	day := "on " + m.Date().Short()
	if m.Date() == d.AddDays(1) {
		day = "tomorrow, " + m.Date().Short()
	}
	s := fmt.Sprintf("A reminder: the review meeting about %s (%s) is %s at %s, %s.",
		whose(c, to), c.Ref, day, m.At.In(offsitebot.London).Format("15:04"), meetingPlace(m))
	if m.Mode == offsitebot.Online && m.Place == "" {
		s += " The school will send the link; if it hasn't come by the morning, please ask them."
	}
	return bot.Reply{Text: s + " If you can no longer come, choose Please suggest another time.", Case: c.Ref, Sensitive: true, Buttons: answerButtons(c, m)}
}

// meetingPlace is where m is, as people need it: the room, or the link.
func meetingPlace(m offsitebot.Meeting) string {
	switch {
	case m.Mode == offsitebot.Online && m.Place != "":
		return "online: " + m.Place
	case m.Mode == offsitebot.Online:
		return "online (the link will follow)"
	case m.Place != "":
		return "in person, " + m.Place
	}
	return "in person"
}
