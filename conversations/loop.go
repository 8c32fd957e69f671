package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// The conversation between the school and the people a direction concerns:
// whatever a family member (or a receiving contact) writes that is not a
// command reaches the home school at once, word for word, and staff answer
// with reply.

// hidden is a step never asked: its answer comes with the call (a message's
// words, what came with them), possibly empty.
func hidden(key string) step {
	return step{key: key, label: key, kind: bot.FieldText, free: true,
		prefill: func(context.Context, *session) (string, bool) { return "", true }}
}

// messageFlow passes on what someone wrote; it asks only which child it is
// about, where they are linked to more than one, once a day (remembers).
func messageFlow() *flow {
	return &flow{
		name: "message", title: "your message", doing: "passing on your message", action: offsitebot.ActView,
		steps:     []step{refStep(), hidden("text"), hidden("media"), hidden("file")},
		done:      doneMessage,
		remembers: true,
	}
}

func doneMessage(ctx context.Context, s *session) ([]bot.Reply, error) {
	f := fileOf(s.a["file"])
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		_, ch, err = c.Received(s.actor(), s.a["text"], s.a["media"], f)
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	told := s.e.notify.tell(ctx, c, ch.Notices)
	home := s.e.schoolOf(ctx, c.HomeURN)
	r := bot.Reply{Text: msgPassedOn(home, s.a["text"], s.a["media"], f, told > 0), Case: c.Ref}
	others, err := s.remember(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	if len(others) > 0 {
		r.Text += "\n" + msgAbout(c, others, s.call.Who.Role)
		for _, k := range others {
			r.Buttons = append(r.Buttons, []bot.Button{{Label: msgWriteAbout(&k, s.call.Who.Role), Data: "/" + cmdAbout + " " + k.Ref}})
		}
	}
	return []bot.Reply{r}, nil
}

// remember keeps, for someone linked to several active cases, that their
// messages today are about ref, so they are asked once a day, not at every
// message; it returns their other active cases (none for one case).
func (s *session) remember(ctx context.Context, ref string) ([]offsitebot.Case, error) {
	cs, err := s.linkedCases(ctx)
	if err != nil || len(cs) < 2 {
		return nil, err
	}
	who, until := s.call.Who, offsitebot.AboutEnds(s.now())
	if who.About != ref || !who.AboutUntil.Equal(until) {
		if err := s.e.Store.SetAbout(ctx, who.ID, ref, until); err != nil {
			return nil, err
		}
	}
	return slices.DeleteFunc(slices.Clone(cs), func(k offsitebot.Case) bool { return k.Ref == ref }), nil
}

// cmdAbout is the button that switches which child someone's messages are
// about; named so no message begins with it.
const cmdAbout = "about-child"

// aboutChild makes the case pressed the one the person's messages are about
// for the rest of the day.
func (e *Engine) aboutChild(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Case == nil || len(c.Who.Cases) == 0 {
		return text(msgAboutWhich), nil
	}
	if err := c.Case.CheckActive(); err != nil {
		return nil, err
	}
	if err := e.Store.SetAbout(ctx, c.Who.ID, c.Case.Ref, offsitebot.AboutEnds(c.Now)); err != nil {
		return nil, err
	}
	return []bot.Reply{{Text: msgAboutNow(c.Case, c.Who.Role), Case: c.Case.Ref}}, nil
}

// fileArg and fileOf carry the file that came with a message through the
// flow's answers (which are strings, kept while it asks which child).
func fileArg(f *offsitebot.FileRef) string {
	if f == nil {
		return ""
	}
	b, _ := json.Marshal(f) // a struct of strings and a number: no error
	return string(b)
}

func fileOf(s string) *offsitebot.FileRef {
	var f offsitebot.FileRef
	if s == "" || json.Unmarshal([]byte(s), &f) != nil {
		return nil
	}
	return &f
}

// schoolOf is the school with that URN, or one named by its URN if unknown.
func (e *Engine) schoolOf(ctx context.Context, urn string) offsitebot.School {
	return e.notify.schoolOf(ctx, urn)
}

// passOn starts passing on what a family member or contact wrote.
func (e *Engine) passOn(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	words := strings.TrimSpace(c.Text)
	switch {
	case c.Media == bot.MediaSticker:
		return text(msgSticker), nil
	case c.Media == "" && words == "":
		return text(msgEmpty), nil
	case c.Media == "" && !hasWords(words):
		return text(msgEmojiOnly), nil
	case c.Media == bot.MediaOther && words == "":
		return text(msgNotPassed), nil
	case c.Media == "" && bot.IsSlashCommand(words):
		// A command mistyped or from an old menu, not words for the school.
		return text(bot.NotUnderstood(c.Who)), nil
	}
	if err := offsitebot.CheckMessage(words, c.Media); err != nil {
		return nil, err // before asking which child, not after
	}
	if k, err := e.endedOnly(ctx, c.Who); err != nil || k != nil {
		if err != nil {
			return nil, err
		}
		return text(msgEndedNoMessages(k, c.Who.Role, e.schoolOf(ctx, k.HomeURN))), nil
	}
	media := c.Media
	if media == bot.MediaOther {
		media = ""
	}
	c.Word, c.Args, c.Text, c.Forms = "message", nil, "message", false
	c.Request.Args = map[string]string{"text": words, "media": media, "file": fileArg(c.File)}
	return e.start(ctx, c, e.flows["message"])
}

// hasWords reports whether s has a letter or a digit: emoji alone say nothing
// the school could act on.
func hasWords(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// endedOnly is the case of someone linked by code whose every case has
// ended (the last to end), or nil if one is still running or none ended.
func (e *Engine) endedOnly(ctx context.Context, who offsitebot.Identity) (*offsitebot.Case, error) {
	if len(who.Cases) == 0 {
		return nil, nil
	}
	cs, err := e.Store.Cases(ctx, offsitebot.CaseFilter{Refs: who.Cases, Any: true})
	if err != nil {
		return nil, err
	}
	var last *offsitebot.Case
	for i := range cs {
		switch {
		case cs[i].Status == offsitebot.Active:
			return nil, nil
		case cs[i].Status == offsitebot.Ended && (last == nil || cs[i].EndedOn > last.EndedOn):
			last = &cs[i]
		}
	}
	return last, nil
}

var replyTo = []choice{
	{value: string(offsitebot.RoleParent), label: "parent", also: []string{"parents", "carer", "family"}},
	{value: string(offsitebot.RolePupil), label: "pupil"},
	{value: string(offsitebot.RoleReceiving), label: "receiving", also: []string{"receiving school"}},
	{value: string(offsitebot.RoleLA), label: "la", also: []string{"local authority"}},
}

// replyFlow is staff answering a message: the words go to those people on
// their platform and are recorded.
func replyFlow() *flow {
	to := choiceStep("to", "To", "Who is the reply for? (parent, pupil, receiving or la)", replyTo...)
	reply := textStep("text", "Your reply", "What would you like to say? I'll send it exactly as you write it.", false)
	return &flow{
		name: "reply", title: "Reply", doing: "writing a reply", submit: "Send", action: offsitebot.ActReply, form: true,
		steps:      []step{refStep(), to, reply},
		positional: refChoiceText("to", replyTo),
		done:       doneReply,
	}
}

func doneReply(ctx context.Context, s *session) ([]bot.Reply, error) {
	role := offsitebot.Role(s.a["to"])
	rs, err := s.e.notify.withRole(ctx, s.c, role)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "Nobody is connected to %s as %s, so the reply can't go through offsitebot. Contact them another way and record it (contact %s %s phone …), or send them a join link: link %s %s.",
			s.c.Ref, personName(role), s.c.Ref, replyParty(role), s.c.Ref, role)
	}
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
		return c.Reply(s.actor(), role, s.a["text"])
	})
	if err != nil {
		return nil, err
	}
	n := s.e.notify.tell(ctx, c, ch.Notices)
	if n == 0 {
		return text(fmt.Sprintf("Your reply is recorded on %s, but it couldn't be delivered to anyone just now. Please contact them another way.", c.Ref)), nil
	}
	return []bot.Reply{{Text: fmt.Sprintf("Sent to %s and recorded on %s.", plural(n, string(role), string(role)+"s"), c.Ref), Case: c.Ref}}, nil
}

// replyParty is whom contact with role is recorded with.
func replyParty(r offsitebot.Role) string {
	if r == offsitebot.RoleReceiving {
		return "receiving"
	}
	return string(r)
}

// msgToHome passes a message on to the home school's staff, with the
// command that answers it, and the file that came with it (or, when it
// could not be fetched just now, the command that fetches it later).
func msgToHome(c *offsitebot.Case, n offsitebot.Notice, fetched bool) bot.Reply {
	who := personName(n.Role)
	if p, ok := c.Person(n.Person); ok && p.Name != "" {
		role := string(n.Role)
		if n.Role == offsitebot.RoleLA {
			role = "local authority"
		}
		who = fmt.Sprintf("%s (%s)", p.Name, role)
	}
	about := fmt.Sprintf("%s (%s), %s", c.Initials(), c.Ref, n.At.In(offsitebot.London).Format("Mon 2 Jan 15:04"))
	to := replyParty(n.Role)
	if n.Role == offsitebot.RolePupil {
		to = "pupil"
	}
	var s string
	var file *bot.File
	switch {
	case n.Media == offsitebot.MediaVoice:
		s = fmt.Sprintf("%s sent a voice message about %s. offsitebot can't play it: please phone them.", capital(who), about)
	case n.Media != "":
		s = fmt.Sprintf("%s sent %s about %s", capital(who), offsitebot.MediaName(n.Media), about)
		if n.Text != "" {
			s += fmt.Sprintf(", with the words:\n“%s”", n.Text)
		}
		switch f := n.File; {
		case f != nil && f.Source != "" && fetched:
			file = &bot.File{Name: f.Name, ContentType: f.Type, Source: f.Source}
			s += fmt.Sprintf("\nThe %s is attached.", n.Media)
		case f != nil && f.Source != "":
			s += fmt.Sprintf("\nThe %s couldn't be fetched from Telegram just now; to get it later: file %s %s", n.Media, c.Ref, n.Contact)
		case f != nil:
			s += fmt.Sprintf("\nThe %s is too big for offsitebot to pass on (%s; the most it can fetch is %s): ask them to email it if you need it.", n.Media, megabytes(f.Size), megabytes(bot.MaxFetch))
		default:
			s += fmt.Sprintf("\nThe %s itself stays in their Telegram chat: ask them to email it if you need it.", n.Media)
		}
	default:
		s = fmt.Sprintf("Message from %s about %s:\n“%s”", who, about, n.Text)
	}
	cmd := fmt.Sprintf("reply %s %s", c.Ref, to)
	return bot.Reply{Case: c.Ref, Sensitive: true, Text: s + "\nTo answer: " + cmd + " YOUR WORDS",
		Buttons: [][]bot.Button{{{Label: "Reply", Data: "/" + cmd}}}, File: file}
}

// megabytes says a file's size for people: "23 MB".
func megabytes(n int64) string {
	return fmt.Sprintf("%d MB", (n+(1<<20)-1)>>20)
}

func replyWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	what := "message"
	if it.IsRequest {
		what = "review request"
	}
	from := whoName(it.From)
	if it.From == "receiving" {
		from = "receiving school"
	}
	w := dueWords{what: fmt.Sprintf("%s from the %s awaiting a reply since %s", what, from, it.Since.In(offsitebot.London).Format("Mon 2 Jan 15:04"))}
	if !it.CanReply {
		// Nobody of theirs is on offsitebot (a letter recorded by staff):
		// the reply goes another way, and recording it ends the wait.
		cmd := "contact " + it.Ref + " " + it.From
		w.todo = " — nobody of theirs is on offsitebot, so answer them another way and record it"
		w.command, w.act, w.press, w.label = cmd+" email|phone|meeting WHAT YOU SAID", offsitebot.ActContact, cmd, "Record the reply"
		return w
	}
	cmd := "reply " + it.Ref + " " + it.From
	w.command, w.act, w.press, w.label = cmd+" …", offsitebot.ActReply, cmd, "Reply"
	return w
}

// MsgMeetingLinkMissing nudges home staff, the school day before an online
// meeting, to send those invited its link.
func MsgMeetingLinkMissing(c *offsitebot.Case, m offsitebot.Meeting) string {
	return fmt.Sprintf("Review meeting %s for %s (%s) is online on %s, and those invited have no link yet. Send it with: review %s place %s https://…",
		m.ID, c.Initials(), c.Ref, when(m), c.Ref, m.ID)
}

// file is `file OSD-… C12`: the file a family member sent with message C12,
// fetched again from the platform that keeps it (the chronology keeps where
// it is, not its bytes), for staff whose copy went missing.
func (e *Engine) file(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	k := c.Case
	if k == nil {
		return text("Which case and message? Type file followed by the reference and the message's number, e.g. file OSD-7K2Q C12."), nil
	}
	var ct offsitebot.Contact
	for _, a := range c.Args {
		for _, x := range k.Contacts {
			if strings.EqualFold(a, x.ID) && x.File != nil {
				ct = x
			}
		}
	}
	f := ct.File
	switch {
	case f == nil:
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "I can't find a message with a file on %s by that number. It is in the message passed on to you (file %s C12), and in export %s.", k.Ref, k.Ref, k.Ref)
	case f.Source == "":
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "That %s (%s) was too big for offsitebot to fetch from Telegram: please ask them to email it.", ct.Media, megabytes(f.Size))
	}
	out := &bot.File{Name: f.Name, ContentType: f.Type, Source: f.Source}
	if platform, _, _ := strings.Cut(f.Source, ":"); platform != string(c.Platform) {
		fetch, ok := e.Send.(bot.Fetcher)
		if !ok {
			return nil, offsitebot.Errorf(offsitebot.EConflict, "offsitebot can't fetch files from %s here. Please try again from there.", platform)
		}
		data, err := fetch.Fetch(ctx, f.Source)
		if err != nil {
			e.Log.WarnContext(ctx, "fetch a file", "case", k.Ref, "contact", ct.ID, "err", err)
			return nil, offsitebot.Errorf(offsitebot.EConflict, "The %s couldn't be fetched from Telegram just now. Please try again in a few minutes.", ct.Media)
		}
		out.Data = data
	}
	from := whoName(ct.With)
	if ct.With == "receiving" {
		from = "receiving school's contact"
	}
	about := fmt.Sprintf("The %s the %s sent about %s (%s), %s.", ct.Media, from, k.Initials(), k.Ref, ct.At.In(offsitebot.London).Format("Mon 2 Jan 15:04"))
	return []bot.Reply{{Text: about, Case: k.Ref, Sensitive: true, File: out}}, nil
}
