package bot

import offsitebot "github.com/offsitebot/offsitebot"

// What the router and the adapters say themselves, to anyone, a family
// included. Most of a family's wording is in conversations/messages.go; these
// are here because the router and the adapters (bot/telegram, bot/slack)
// cannot import conversations, which imports bot. One test there reads
// both, with the core's errors a family can meet, as each recipient would.
// Warm, plain English; never a pupil's name.
const (
	// MsgNothingToCancel answers cancel with no flow in progress.
	MsgNothingToCancel = "There's nothing to cancel. Type help to see what I can do."
	// MsgNothingToGoBack answers back with no flow in progress.
	MsgNothingToGoBack = "There's nothing to go back to. Type help to see what I can do."
	// MsgDone answers a command whose handler had nothing to say.
	MsgDone = "Done."

	// MsgPrivateOnly answers a command in a group chat.
	MsgPrivateOnly = "I only talk about pupils in a private chat. Please open a chat with me " +
		"directly (choose my name, then Message) and try again there."
	// MsgButtonExpired answers a button that is no longer on offer.
	MsgButtonExpired = "Sorry, that button has expired. Send /status to see what's next, " +
		"or /help for what I can do."
	// MsgSomethingWrong answers when an adapter itself failed.
	MsgSomethingWrong = "Sorry, something went wrong on my side and I couldn't finish that. " +
		"Please try again in a minute; if it keeps happening, please contact the school."
	// MsgChoose is the text of a reply that is only buttons.
	MsgChoose = "Please choose:"
	// MsgChosen is added to an answered prompt, with the label of the button pressed.
	MsgChosen = "✓ %s"
)

// NotUnderstood answers text that is no command, no answer and nothing the
// fallback takes (for a family, the fallback passes everything on).
func NotUnderstood(who offsitebot.Identity) string {
	switch {
	case who.Role == offsitebot.RoleParent || who.Role == offsitebot.RolePupil:
		return "Sorry, I didn't understand that. You can use /status to see what's next, /request to ask for a review meeting, /feedback to tell us how it's going, or /help."
	case who.Role == "":
		return "Hello! I'm offsitebot. If your school sent you a link or a code, type /start followed by the code. Type help to see more."
	case who.Role == offsitebot.RoleReceiving && who.URN == "":
		// A receiving contact linked by code has no case list of a school.
		return "Sorry, I didn't understand that. Type /status to see the pupils you're connected to, or /help for what I can do."
	}
	return "Sorry, I didn't understand that. Type help to see what I can do, or cases to list your cases."
}

// Stranger answers a command from someone the bot does not know: on
// Telegram a family member or contact without a join code, elsewhere staff
// not added yet.
func Stranger(p offsitebot.Platform) string {
	if p == offsitebot.Telegram {
		return "Hello! I don't know you yet. Please use the link your school sent you, or type /start followed by the code from it. If you have no code, ask the school for one."
	}
	return "Sorry, I don't know you yet. Please ask your school's offsitebot admin to add you (they type: staff add @you home|receiving|la URN)."
}
