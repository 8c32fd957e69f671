package offsitebot

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// What can come with a message besides its words.
const (
	MediaPhoto    = "photo"
	MediaDocument = "document"
	MediaVoice    = "voice"
	MediaVideo    = "video"
)

// FileRef is a file someone sent with a message, as the platform that has
// it names it: the chronology keeps this reference, not the bytes, since
// the platform keeps the file (a Telegram file_id stays valid for the bot)
// and a child's documents are better not copied into one more place. The
// file is fetched again whenever it is to be passed on.
type FileRef struct {
	// Source is "PLATFORM:KIND:ID" ("telegram:photo:AgAD…"), or "" when the
	// file is too big for offsitebot to fetch (Size says how big).
	Source string `bson:"source,omitempty" json:"source,omitempty"`
	Name   string `bson:"name,omitempty" json:"name,omitempty"`
	Type   string `bson:"type,omitempty" json:"type,omitempty"` // MIME type
	Size   int64  `bson:"size,omitempty" json:"size,omitempty"`
}

// MaxMessage is the longest message passed on in one piece; a longer one is
// refused with the limit said, never cut.
const MaxMessage = 4000

// partyOf is who a person of role is in the chronology's Contact.With.
func partyOf(r Role) string {
	switch r {
	case RolePupil:
		return "pupil"
	case RoleReceiving:
		return "receiving"
	case RoleLA:
		return "la"
	}
	return "parent"
}

// Received records, word for word, a message a person linked to the case
// sent the bot (with what came with it: a photo and its caption, a voice
// message), in the chronology (rule 1), with a reference to the file that
// came (f, if any). The home school is owed it at once, and a reply is owed
// until someone answers (see AwaitingReply).
func (c *Case) Received(a Actor, text, media string, f *FileRef) (Contact, Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return Contact{}, ch, err
	}
	text = strings.TrimSpace(text)
	if err := CheckMessage(text, media); err != nil {
		return Contact{}, ch, err
	}
	ct := Contact{At: a.At, With: partyOf(a.Role), How: "message", Summary: text, By: a.ID, Via: a.Via, Incoming: true, Media: media, File: f}
	c.addContact(ct)
	ct = c.Contacts[len(c.Contacts)-1]
	detail := ct.ID
	if media != "" {
		detail += " with a " + media
	}
	ch.audit(a.event(c, "message received", detail))
	ch.owe(Notice{Kind: NoticeMessage, To: ToHome, Person: a.ID, Role: a.Role, Text: text, Media: media, File: f, Contact: ct.ID, At: a.At})
	return ct, ch, nil
}

// CheckMessage refuses, before anything is stored or asked, a message that
// cannot be passed on whole: one with nothing in it, or one over MaxMessage
// (never cut: the sender is told the limit).
func CheckMessage(text, media string) error {
	text = strings.TrimSpace(text)
	if text == "" && media == "" {
		return Errorf(EInvalid, "That message was empty, so nothing was passed on. Please type what you'd like the school to know.")
	}
	if n := utf8.RuneCountInString(text); n > MaxMessage {
		return Errorf(EInvalid, "That message is %d characters long; I can pass on up to %d at a time, so nothing was sent yet. Please send it in two or more parts.", n, MaxMessage)
	}
	return nil
}

// Reply records staff's words to the people of role linked to the case (a
// family's or a contact's answer), and owes them the words. It can follow
// up what happened before the end too, but not on a withdrawn case.
func (c *Case) Reply(a Actor, to Role, text string) (Change, error) {
	var ch Change
	if c.Status == Void {
		return ch, c.CheckActive()
	}
	text = strings.TrimSpace(text)
	switch {
	case to != RoleParent && to != RolePupil && to != RoleReceiving && to != RoleLA:
		return ch, Errorf(EInvalid, "%q isn't someone to reply to: parent, pupil, receiving or la?", to)
	case text == "":
		return ch, Errorf(EInvalid, "What would you like to say? Type the words after reply %s %s.", c.Ref, to)
	case utf8.RuneCountInString(text) > MaxMessage:
		return ch, Errorf(EInvalid, "That reply is %d characters long; the most I send at once is %d. Please send it in parts.", utf8.RuneCountInString(text), MaxMessage)
	}
	c.addContact(Contact{At: a.At, With: partyOf(to), How: "message", Summary: text, By: a.ID, Via: a.Via})
	ch.audit(a.event(c, "reply written", string(to)))
	ch.owe(Notice{Kind: NoticeReply, To: ToRole, Role: to, Person: a.ID, Text: text, At: a.At})
	return ch, nil
}

// Awaiting is a message or review request still waiting for the school's
// reply: the earliest one since the school last answered that party.
type Awaiting struct {
	From    string    `bson:"from" json:"from"` // parent, pupil, receiving or la: who wrote first
	Since   time.Time `bson:"since" json:"since"`
	Request bool      `bson:"request,omitempty" json:"request,omitempty"` // it is a review request
}

// replyParty groups who a reply answers: a reply to the pupil or a parent
// answers the family.
func replyParty(with string) string {
	if with == "pupil" {
		return "parent"
	}
	return with
}

// AwaitingReply works out, from the chronology, for the family, the receiving school and the LA, the
// message or review request of theirs that has waited longest for a reply:
// one sent after the school last replied to them or recorded contact with
// them (a review request the school need not meet still gets a reply).
func AwaitingReply(c *Case) []Awaiting {
	answered := map[string]time.Time{}
	for _, ct := range c.Contacts {
		if !ct.Incoming && !ct.Auto && ct.At.After(answered[replyParty(ct.With)]) {
			answered[replyParty(ct.With)] = ct.At
		}
	}
	first := map[string]Awaiting{}
	wait := func(from string, at time.Time, request bool) {
		p := replyParty(from)
		if !at.After(answered[p]) {
			return
		}
		if w, ok := first[p]; !ok || at.Before(w.Since) {
			first[p] = Awaiting{From: from, Since: at, Request: request}
		}
	}
	for _, ct := range c.Contacts {
		if ct.Incoming {
			wait(ct.With, ct.At, false)
		}
	}
	for _, r := range c.Requests {
		wait(r.From, r.At, true)
	}
	var out []Awaiting
	for _, p := range []string{"parent", "receiving", "la"} {
		if w, ok := first[p]; ok {
			out = append(out, w)
		}
	}
	return out
}

// dueReplies lists what is awaiting the home school's reply.
func dueReplies(at dueAt) []DueItem {
	var items []DueItem
	for _, w := range at.c.Awaiting {
		it := at.item(DueReply, replyParty(w.From), HomeSchool)
		it.On, it.By, it.From, it.Since, it.IsRequest = DateOf(w.Since), DateOf(w.Since), w.From, w.Since, w.Request
		it.CanReply = at.c.Reachable(w.From)
		it.Overdue = it.By < at.today
		items = append(items, it)
	}
	return items
}

// Unanswered lists the messages still awaiting the school's reply (see
// AwaitingReply), oldest first: what was said, and what came with it.
func (c *Case) Unanswered() []Contact {
	var out []Contact
	for _, ct := range c.Contacts {
		if ct.Incoming && slices.ContainsFunc(c.Awaiting, func(w Awaiting) bool {
			return replyParty(w.From) == replyParty(ct.With) && !ct.At.Before(w.Since)
		}) {
			out = append(out, ct)
		}
	}
	return out
}

// Reachable reports whether a reply to the party of from (parent, pupil,
// receiving or la) can go through offsitebot: someone of theirs is linked
// and not found unreachable. The receiving school's staff are taken to be
// there.
func (c *Case) Reachable(from string) bool {
	if from == "receiving" {
		return true
	}
	return slices.ContainsFunc(c.People, func(p Person) bool {
		return !p.Unreachable && replyParty(partyOf(p.Role)) == replyParty(from)
	})
}

// MediaName is what came with a message, in words: "a photo".
func MediaName(media string) string {
	switch media {
	case "":
		return ""
	case MediaVoice:
		return "a voice message"
	}
	return fmt.Sprintf("a %s", media)
}
