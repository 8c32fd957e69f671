// Package bot is the platform-neutral router: adapters turn what a person said
// into a Request, the router resolves who they are and checks what they may do
// before any handler runs, and the Reply goes back through the same adapter.
package bot

import (
	offsitebot "github.com/offsitebot/offsitebot"
)

// Request is one thing a person said or pressed, on any platform.
type Request struct {
	Platform offsitebot.Platform
	UserID   string // namespaced identity, e.g. "slack:T1:U1", "telegram:42"
	Name     string // display name the platform gave, for first contact
	Chat     string // where to answer on that platform (DM channel, chat id)
	Text     string // what they typed (with Media, its caption)
	// Media is what came besides words (one of the Media… values), if anything.
	Media string
	// File is the file that came (a photo, a document), as its platform
	// keeps it; nil if none, or the platform cannot pass it on.
	File *offsitebot.FileRef
	Data string            // payload of a pressed button, if any
	Args map[string]string // structured answers (a submitted form), same keys as key=value
	// Command marks an explicit command (a slash command, a button): it runs even
	// in the middle of a guided flow, where plain text is taken as an answer.
	Command bool
	// Forms marks an adapter that can show a whole Form at once (a Slack modal):
	// a guided command then answers with its Form instead of the first question.
	Forms bool
}

// What can come with a message besides words.
const (
	MediaPhoto    = offsitebot.MediaPhoto
	MediaDocument = offsitebot.MediaDocument
	MediaVoice    = offsitebot.MediaVoice
	MediaVideo    = offsitebot.MediaVideo
	MediaSticker  = "sticker"
	MediaOther    = "other" // a location, a contact card, a poll: nothing to pass on
)

// Button is a choice offered with a reply. Pressing it sends Data back as Request.Data;
// an adapter without buttons shows Label and accepts Data typed as text.
type Button struct {
	Label string
	Data  string
	// Confirm marks a choice that cannot be undone (ending a direction,
	// voiding a case, cancelling a meeting): it is the question a platform
	// that can asks before sending Data, and the choice is shown as dangerous.
	Confirm string
}

// Reply is what the bot says back, or sends to someone unprompted.
//
// Text is the whole reply as plain words: what the shell prints, what a
// notification shows, and what any platform falls back to. A reply may also
// carry the same words with structure (Title, Facts, Items, Note), made by
// the same code as its Text, for platforms that can lay them out. Whatever
// people typed is in them as they typed it: adapters escape it for their
// platform, never the code that makes a reply.
type Reply struct {
	Text    string
	Title   string
	Facts   []Fact
	Items   []Item
	Note    string // a footnote: what the reply does not show, the next step
	Buttons [][]Button
	// Sensitive marks text that names a pupil: adapters show it only in a direct
	// message or a modal to the person, never in a channel.
	Sensitive bool
	// Form, when set, is the whole guided flow as one form (a Slack modal); the
	// text-only adapters ignore it and ask question by question.
	Form *Form
	// FieldErrors answers a submitted form: key -> what is wrong with that field.
	FieldErrors map[string]string
	// File is an attachment such as an export.
	File *File
	// Case is the reference the reply is about, if any (for threading and records).
	Case string
}

// Fact is one label and value of a reply, such as "Last contact" and when.
// The label is the bot's own words, never what someone typed (a platform may
// set it in bold markup); the value may be anything.
type Fact struct {
	Label, Value string
}

// Item is one entry of a reply's list, such as a duty that is due.
type Item struct {
	// Group heads this item and those after it that share it ("Overdue",
	// a school's name); "" for a list without groups.
	Group string
	Text  string
	// Next is the step after it, in words, for a platform that shows no
	// button for it: a command to type, or whose duty it is.
	Next string
	// Action, if set, takes that step at a press.
	Action *Button
}

// Structured reports whether r has structure beyond its Text.
func (r Reply) Structured() bool {
	return r.Title != "" || len(r.Facts) > 0 || len(r.Items) > 0 || r.Note != ""
}

// MenuItem is a command offered in a platform's command menu, without its "/".
type MenuItem struct {
	Command, Description string
}

// Form describes a guided flow's questions so a platform can show them at once.
type Form struct {
	Flow   string // submitted back as Request.Text "FLOW" with Args
	Title  string
	Submit string
	Fields []Field
}

// Field kinds.
const (
	FieldText   = "text"
	FieldLong   = "long" // multi-line text
	FieldDate   = "date"
	FieldTime   = "time"
	FieldSelect = "select"
)

// Field is one question of a Form.
type Field struct {
	Key      string
	Label    string
	Kind     string
	Choices  []Button // for FieldSelect: Label shown, Data submitted
	Optional bool
	Value    string // pre-filled answer
	Hint     string
}

// File is an attachment: its bytes, or where a platform keeps it.
type File struct {
	Name        string
	ContentType string
	Data        []byte
	// Source, when Data is nil, is a file a platform keeps
	// ("telegram:photo:ID", see offsitebot.FileRef): that platform sends it
	// as it is, and the Dispatcher fetches it for any other.
	Source string
}
