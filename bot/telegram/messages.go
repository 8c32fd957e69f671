package telegram

// What the adapter itself says, in one place so a school can review it. The
// commands' own wording (joining, /stop and its confirmation, /status,
// /request, /feedback…) is in the conversations package. Warm, plain English;
// never a pupil's name.
const (
	// msgPrivateOnly answers a command in a group chat.
	msgPrivateOnly = "I only talk about pupils in a private chat. Please open a chat with me " +
		"directly (choose my name, then Message) and try again there."

	// msgButtonExpired answers a button that is no longer on offer.
	msgButtonExpired = "Sorry, that button has expired. Send /status to see what's next, " +
		"or /help for what I can do."

	// msgSomethingWrong answers when the adapter itself failed.
	msgSomethingWrong = "Sorry, something went wrong on my side and I couldn't finish that. " +
		"Please try again in a minute; if it keeps happening, please contact the school."

	// msgChoose is the text of a reply that is only buttons.
	msgChoose = "Please choose:"

	// msgChosen is added to an answered prompt, with the label of the button pressed.
	msgChosen = "✓ %s"
)
