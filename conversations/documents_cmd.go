package conversations

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations/documents"
)

// The documents of a case: the review meeting pack, the letters and the
// attendance picture. Package documents draws them; here they are asked
// for, recorded and sent.

// Document kinds besides the letters (offsitebot.LetterNotice, …).
const (
	DocPack  = "pack"
	DocChart = "chart"
)

// Document names one document of a case.
type Document struct {
	Kind    string // DocPack, DocChart or a letter
	Meeting string // "M2"; empty: the next meeting (the last one held, for a decision)
	Family  bool   // the family's version of the pack
}

var meetingWord = regexp.MustCompile(`^[Mm][0-9]{1,3}$`)

// ParseDocument reads the words after `pack` or `letter` (the case reference
// among them is skipped): a meeting (M2), a letter (notice, invite,
// decision) and, for the pack, "family". It returns the words it does not
// know, for the caller to take or refuse.
func ParseDocument(command string, args []string) (Document, []string) {
	d := Document{Kind: DocPack}
	if command == "letter" {
		d.Kind = ""
	}
	var rest []string
	for _, a := range args {
		w := strings.ToLower(a)
		switch {
		case isRef(a):
		case meetingWord.MatchString(a):
			d.Meeting = strings.ToUpper(a)
		case command == "pack" && w == "family":
			d.Family = true
		case command == "letter" && d.Kind == "" && (w == documents.Notice || w == documents.Invite || w == documents.Decision):
			d.Kind = w
		default:
			rest = append(rest, a)
		}
	}
	return d, rest
}

// DocumentFile makes document d of case ref as it stands now, as an admin
// reads it: the command line's `offsitebot pack|letter`.
func (e *Engine) DocumentFile(ctx context.Context, ref string, d Document) (*bot.File, error) {
	k, err := e.Store.Case(ctx, ref)
	if err != nil {
		return nil, err
	}
	return e.document(ctx, k, d, offsitebot.Identity{Role: offsitebot.RoleAdmin}, e.Now())
}

// document makes d of k at now, its duties worded for who. Its file is
// named from the reference, never the pupil: names of files travel.
func (e *Engine) document(ctx context.Context, k *offsitebot.Case, d Document, who offsitebot.Identity, now time.Time) (*bot.File, error) {
	in, err := e.input(ctx, k, d, who, now)
	if err != nil {
		return nil, err
	}
	name, ext, contentType := k.Ref+"-"+d.Kind, ".pdf", "application/pdf"
	var data []byte
	switch d.Kind {
	case DocPack:
		data, err = documents.Pack(in)
	case DocChart:
		name, ext, contentType = k.Ref+"-attendance", ".png", "image/png"
		data, err = documents.AttendanceChart(in)
	default:
		data, err = documents.Letter(d.Kind, in)
	}
	if err != nil {
		return nil, fmt.Errorf("conversations: %s of %s: %w", d.Kind, k.Ref, err)
	}
	if m, ok := d.meeting(k, now); ok {
		name += "-" + m.ID
	}
	if d.Family {
		name += "-family"
	}
	return &bot.File{Name: name + ext, ContentType: contentType, Data: data}, nil
}

// input is what d of k is made from: the staff's pack also names who
// recorded what, and lists the duties as who reads them.
func (e *Engine) input(ctx context.Context, k *offsitebot.Case, d Document, who offsitebot.Identity, now time.Time) (documents.Input, error) {
	in := documents.Input{
		Case: k, Home: e.schoolOf(ctx, k.HomeURN), Receiving: e.schoolOf(ctx, k.ReceivingURN),
		Calendar: e.Calendar, Settings: e.Settings, Now: now, Meeting: d.Meeting, Family: d.Family,
		ForParent: d.Family && who.Role == offsitebot.RoleParent,
	}
	if d.Kind != DocPack {
		return in, nil
	}
	var err error
	if in.Names, err = e.names(ctx, k); err != nil {
		return in, err
	}
	if !d.Family {
		in.Duties = e.dutyLines(who, k, now)
		in.Breaches = breachLines(k, offsitebot.Breaches(k, now, e.Calendar, e.Settings))
	}
	return in, nil
}

// meeting is the meeting d is about, found as package documents finds it.
func (d Document) meeting(k *offsitebot.Case, now time.Time) (offsitebot.Meeting, bool) {
	switch {
	case d.Kind != DocPack && d.Kind != documents.Invite && d.Kind != documents.Decision:
		return offsitebot.Meeting{}, false
	case d.Meeting != "":
		return k.Meeting(strings.ToUpper(d.Meeting))
	case d.Kind == documents.Decision:
		return offsitebot.LastHeldMeeting(k, now)
	}
	return offsitebot.NextMeeting(k, now)
}

// names are the names of those who recorded things on k without being
// linked to it (staff), by identity ID, read in one query.
func (e *Engine) names(ctx context.Context, k *offsitebot.Case) (map[string]string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if _, linked := k.Person(id); id != "" && !linked && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	add(k.OpenedBy)
	for _, ct := range k.Contacts {
		add(ct.By)
	}
	for _, f := range k.Feedback {
		add(f.By)
	}
	for _, r := range k.Requests {
		add(r.By)
	}
	for _, m := range k.Meetings {
		add(m.By)
		for _, inv := range m.Invitations {
			add(inv.To)
		}
		if m.Outcome != nil {
			add(m.Outcome.By)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	people, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(people))
	for _, p := range people {
		if p.Name != "" {
			names[p.ID] = p.Name
		}
	}
	return names, nil
}

// dutyLines are what is due on k, worded as `due` words them for who; those
// who only read are told whose duty each is.
func (e *Engine) dutyLines(who offsitebot.Identity, k *offsitebot.Case, now time.Time) []string {
	items := e.dueFor(who, k, now)
	offsitebot.SortDue(items)
	lines := make([]string, 0, len(items))
	for _, it := range items {
		text, next, command := dueText(it, who.Role)
		if !command {
			text += " (" + next + ")"
		}
		lines = append(lines, text)
	}
	return lines
}

// caseFor is the case a document command is about: the one named, or a
// family's only active case. Without one, it returns the reply that asks
// which; command(ref) is the command for one case.
func (e *Engine) caseFor(ctx context.Context, c bot.Call, act offsitebot.Action, command func(ref string) string) (*offsitebot.Case, []bot.Reply, error) {
	if c.Case != nil {
		return c.Case, nil, nil
	}
	byCode := c.Who.Role == offsitebot.RoleReceiving && c.Who.URN == "" // a receiving contact: their cases only
	if c.Who.Role.Staff() && !byCode {
		return nil, text(fmt.Sprintf("Which case? Type %s (cases lists yours).", command("OSD-7K2Q"))), nil
	}
	cs, err := e.myCases(ctx, c.Who)
	if err != nil {
		return nil, nil, err
	}
	switch len(cs) {
	case 0:
		return nil, nil, offsitebot.Errorf(offsitebot.EInvalid, "%s", msgNotConnectedJoin)
	case 1:
		// The list leaves out the chronology: the document needs the whole case.
		k, err := e.Store.Case(ctx, cs[0].Ref)
		if err != nil {
			return nil, nil, err
		}
		return k, nil, offsitebot.Can(c.Who, act, k)
	}
	var bs []bot.Button
	for _, k := range cs {
		bs = append(bs, bot.Button{Label: childName(&k, c.Who.Role) + " (" + k.Ref + ")", Data: "/" + command(k.Ref)})
	}
	return nil, []bot.Reply{{Text: msgWhichChilds, Buttons: rows(bs), Sensitive: true}}, nil
}

// documentError points the person at what they can read about an error
// that is about the case: staff at the case, a family at /status.
func documentError(err error, k *offsitebot.Case, who offsitebot.Identity) error {
	if offsitebot.ErrorNext(err) != offsitebot.NextShowCase {
		return err
	}
	next := "Type show " + k.Ref + " to see it."
	if !who.Role.Staff() {
		next = "/status shows what's next."
	}
	return offsitebot.Errorf(offsitebot.ErrorCode(err), "%s %s", offsitebot.ErrorMessage(err), next)
}

// recordDocument keeps in the audit trail who made which document: it holds
// a child's data, as an export does.
func (e *Engine) recordDocument(ctx context.Context, c bot.Call, k *offsitebot.Case, f *bot.File) error {
	_, err := e.update(ctx, k, func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		return []offsitebot.AuditEvent{{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "document made", Case: k.Ref, Detail: f.Name}}, nil
	})
	return err
}

// pack is `pack OSD-… [M2] [family]`: the review meeting pack as a PDF.
// Staff get the staff version unless they ask for the family's; a parent or
// a pupil gets only the family's version of their own case.
func (e *Engine) pack(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	d, rest := ParseDocument("pack", c.Args)
	family := !c.Who.Role.Staff()
	if len(rest) > 0 {
		if family {
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "Sorry, I didn't understand %q. Send /pack on its own for the papers of the next review meeting.", strings.Join(rest, " "))
		}
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "I didn't understand %q. Type pack OSD-… for the next meeting's pack; add a meeting (M2) for another one, and family for the family's version.", strings.Join(rest, " "))
	}
	d.Family = d.Family || family
	k, ask, err := e.caseFor(ctx, c, offsitebot.ActPack, func(ref string) string { return "pack " + ref })
	if k == nil || err != nil {
		return ask, err
	}
	f, err := e.document(ctx, k, d, c.Who, c.Now)
	if err != nil {
		return nil, documentError(err, k, c.Who)
	}
	if err := e.recordDocument(ctx, c, k, f); err != nil {
		return nil, err
	}
	m, scheduled := d.meeting(k, c.Now)
	var text string
	switch {
	case family:
		text = msgPack(k, m, scheduled, e.schoolName(ctx, k.HomeURN), c.Who.Role)
	default:
		meeting := "no meeting scheduled yet"
		if scheduled {
			meeting = m.ID + ", " + when(m)
		}
		text = fmt.Sprintf("Review meeting pack for %s (%s), staff version. Confidential: share it only with those at the meeting.", k.Ref, meeting)
		if d.Family {
			text = fmt.Sprintf("Review meeting pack for %s (%s), the family's version: what the family gets with /pack.", k.Ref, meeting)
		}
	}
	return []bot.Reply{{Text: text, File: f, Sensitive: true, Case: k.Ref}}, nil
}

// chart is `attendance OSD-… chart`: the attendance picture, as an image.
func (e *Engine) chart(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	k, ask, err := e.caseFor(ctx, c, offsitebot.ActView, func(ref string) string { return "attendance " + ref + " chart" })
	if k == nil || err != nil {
		return ask, err
	}
	f, err := e.document(ctx, k, Document{Kind: DocChart}, c.Who, c.Now)
	if err != nil {
		return nil, err
	}
	if !c.Who.Role.Staff() {
		return []bot.Reply{{Text: msgChart(k, c.Who.Role, e.schoolName(ctx, k.HomeURN)), File: f, Sensitive: true, Case: k.Ref}}, nil
	}
	text := fmt.Sprintf("Attendance of %s (%s) since the start, one bar a week.", k.Initials(), k.Ref)
	if last, ok := offsitebot.LastHeldMeeting(k, c.Now); ok {
		text = strings.TrimSuffix(text, ".") + fmt.Sprintf("; the line marks the last review, %s.", last.Date().Short())
	}
	return []bot.Reply{{Text: text, File: f, Case: k.Ref}}, nil
}

// letter is `letter OSD-… notice|invite [M2]|decision [M1] [send]`: a letter
// to the family as a PDF, for staff to read, print or send. Sending the
// notice asks whether it now counts as given: a question of its own, which
// replaces a flow in progress; anything else leaves one waiting.
func (e *Engine) letter(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	replies, ask, err := e.writeLetter(ctx, c)
	if err != nil || ask == nil {
		return e.keepFlow(bot.HandlerFunc(func(context.Context, bot.Call) ([]bot.Reply, error) { return replies, err })).Handle(ctx, c)
	}
	q, err := e.start(ctx, *ask, e.flows["notice-given"])
	if err != nil {
		return nil, err
	}
	return append(replies, q...), nil
}

// writeLetter makes, and if asked sends, the letter; ask, when set, is the
// call to ask on whether the notice sent counts as given.
func (e *Engine) writeLetter(ctx context.Context, c bot.Call) ([]bot.Reply, *bot.Call, error) {
	k := c.Case
	if k == nil {
		return text("Which case? Type letter OSD-7K2Q notice, letter OSD-7K2Q invite M2 or letter OSD-7K2Q decision M1 (cases lists yours)."), nil, nil
	}
	d, rest := ParseDocument("letter", c.Args)
	send, anyway := false, false
	var unknown []string
	for _, w := range rest {
		switch strings.ToLower(w) {
		case "send":
			send = true
		case "anyway":
			anyway = true
		default:
			unknown = append(unknown, w)
		}
	}
	if d.Kind == "" || len(unknown) > 0 {
		return whichLetter(k, unknown), nil, nil
	}
	f, err := e.document(ctx, k, d, c.Who, c.Now)
	if err != nil {
		return nil, nil, documentError(err, k, c.Who)
	}
	m, _ := d.meeting(k, c.Now)
	what := letterName(d.Kind, m)
	var gaps []string
	if d.Kind == documents.Notice {
		gaps = documents.NoticeGaps(documents.Input{Case: k})
	}
	if send && (len(gaps) == 0 || anyway) {
		return e.sendLetter(ctx, c, k, d, m, f)
	}
	// Staff get the letter to read; it goes nowhere else yet.
	if err := e.recordDocument(ctx, c, k, f); err != nil {
		return nil, nil, err
	}
	r := bot.Reply{File: f, Sensitive: true, Case: k.Ref}
	if send {
		again := letterCommand(k, d.Kind, m) + " send anyway"
		r.Text = fmt.Sprintf("I haven't sent it yet.%s\nHere it is as it would go. Fill those in first, or send it as it is (type %s).", gapText(gaps), again)
		r.Buttons = [][]bot.Button{{{Label: "Send it as it is", Data: "/" + again}}}
	} else {
		r.Text = fmt.Sprintf("%s for %s, as a letter from %s (PDF).%s\nTo send it to the family through offsitebot: %s send",
			capital(what), k.Ref, e.schoolName(ctx, k.HomeURN), gapText(gaps), letterCommand(k, d.Kind, m))
	}
	return []bot.Reply{r}, nil, nil
}

// sendLetter sends letter f to the family linked to k and records it.
func (e *Engine) sendLetter(ctx context.Context, c bot.Call, k *offsitebot.Case, d Document, m offsitebot.Meeting, f *bot.File) ([]bot.Reply, *bot.Call, error) {
	home := e.schoolName(ctx, k.HomeURN)
	var to, names []string
	for _, p := range k.Parents() {
		if p.Unreachable {
			continue
		}
		r := bot.Reply{Text: msgLetter(d.Kind, k, m, home, p.Role), File: f, Sensitive: true, Case: k.Ref}
		if d.Kind == documents.Invite && !m.Held() && !m.Cancelled && m.At.After(c.Now) {
			r.Buttons = answerButtons(k, m)
		}
		if e.notify.deliver(ctx, k, p.ID, r) {
			to, names = append(to, p.ID), append(names, p.Name)
		}
	}
	what := letterName(d.Kind, m)
	if len(to) == 0 {
		if err := e.recordDocument(ctx, c, k, f); err != nil {
			return nil, nil, err
		}
		text := fmt.Sprintf("Nobody in the family of %s could get %s through offsitebot (nobody is linked, or nobody could be reached), so it wasn't sent. Here it is to give them another way (post, email, by hand)%s.",
			k.Ref, what, otherWay(d.Kind, k, m, c.Now))
		return []bot.Reply{{Text: text, File: f, Sensitive: true, Case: k.Ref}}, nil, nil
	}
	k, _, err := e.change(ctx, k, func(k *offsitebot.Case) (offsitebot.Change, error) {
		return k.LetterSent(actor(c), d.Kind, m.ID, to)
	})
	if err != nil {
		return nil, nil, err
	}
	replies := []bot.Reply{{Text: fmt.Sprintf("Sent %s for %s to %s, as a PDF in their chat with offsitebot. It is recorded in the chronology.",
		what, k.Ref, joinNames(names)), Sensitive: true, Case: k.Ref}}
	switch {
	case d.Kind != documents.Notice:
		return replies, nil, nil
	case !k.NoticeGiven.IsZero():
		replies[0].Text += fmt.Sprintf(" (The notice was already recorded as given on %s.)", offsitebot.DateOf(k.NoticeGiven).Short())
		return replies, nil, nil
	}
	ask := c
	ask.Case = k
	return replies, &ask, nil
}

// noticeGivenFlow asks, once the notice went through offsitebot, whether
// it now counts as given (rule 9): it may still have to reach someone who
// is not linked, such as another parent.
func noticeGivenFlow() *flow {
	confirm := choiceStep("given", "Given now?", "", yesNo...)
	confirm.ask = func(_ context.Context, s *session) (string, []bot.Button) {
		other := "someone who isn't on offsitebot, such as another parent"
		if s.c.Adult(offsitebot.DateOf(s.now())) {
			other = "the pupil, if they have not had it through offsitebot"
		}
		return fmt.Sprintf("Record the written notice for %s as given to %s now (%s)? Say no if it must still reach %s.",
				s.ref(), relevant(s.c, s.now()), offsitebot.DateOf(s.now()).Short(), other),
			[]bot.Button{{Label: "Yes, record it", Data: "yes"}, {Label: "No, not yet", Data: "no"}}
	}
	return &flow{
		name: "notice-given", title: "the written notice", doing: "recording whether the notice was given", action: offsitebot.ActReview,
		steps:      []step{refStep(), confirm},
		positional: func(words, answers) {}, // the letter's own words
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			if s.a["given"] != "yes" {
				return text(fmt.Sprintf("OK, not recorded yet. When the notice has reached them, type: notice %s given letter|email|meeting", s.c.Ref)), nil
			}
			k, _, err := s.e.change(ctx, s.c, func(k *offsitebot.Case) (offsitebot.Change, error) {
				return k.RecordNotice(s.actor(), "", "message")
			})
			if err != nil {
				return nil, err
			}
			return text(noticeGivenText(k, "message", s.now())), nil
		},
	}
}

func noticeGivenText(k *offsitebot.Case, how string, at time.Time) string {
	return fmt.Sprintf("Recorded: the written notice for %s reached %s (%s, %s).", k.Ref, relevant(k, at), how, at.In(offsitebot.London).Format("Mon 2 Jan"))
}

// whichLetter asks which letter, with a button for each.
func whichLetter(k *offsitebot.Case, unknown []string) []bot.Reply {
	s := ""
	if len(unknown) > 0 {
		s = fmt.Sprintf("I didn't understand %q. ", strings.Join(unknown, " "))
	}
	s += fmt.Sprintf("Which letter for %s?\nletter %s notice — the written notice of the direction\nletter %s invite M2 — the invitation to a review meeting\nletter %s decision M1 — what a review meeting decided\nAdd send to send it to the family through offsitebot.",
		k.Ref, k.Ref, k.Ref, k.Ref)
	return []bot.Reply{{Text: s, Case: k.Ref, Buttons: [][]bot.Button{{
		{Label: "Written notice", Data: "/letter " + k.Ref + " notice"},
		{Label: "Invitation", Data: "/letter " + k.Ref + " invite"},
		{Label: "Decision", Data: "/letter " + k.Ref + " decision"},
	}}}}
}

// letterName says which letter it is, for staff.
func letterName(kind string, m offsitebot.Meeting) string {
	switch kind {
	case documents.Invite:
		return fmt.Sprintf("the invitation to %s (%s)", m.ID, when(m))
	case documents.Decision:
		return fmt.Sprintf("the decision letter of %s (%s)", m.ID, m.Date().Short())
	}
	return "the written notice"
}

func gapText(gaps []string) string {
	if len(gaps) == 0 {
		return ""
	}
	return "\nThe notice must state these, which the case doesn't hold yet (the letter says the school will confirm them):\n• " + strings.Join(gaps, "\n• ")
}

// letterCommand is the command that makes the letter.
func letterCommand(k *offsitebot.Case, kind string, m offsitebot.Meeting) string {
	return strings.TrimSpace("letter " + k.Ref + " " + kind + " " + m.ID)
}

// otherWay is how to record a letter given outside offsitebot, if it needs recording.
func otherWay(kind string, k *offsitebot.Case, m offsitebot.Meeting, now time.Time) string {
	switch {
	case kind == documents.Notice:
		return "; then record it: notice " + k.Ref + " given letter"
	case kind == documents.Invite && m.At.After(now) && !m.Held() && !m.Cancelled:
		return "; then record it: review " + k.Ref + " invited " + m.ID + " letter"
	case kind == documents.Decision && m.AwaitsTelling():
		return "; then record it: review " + k.Ref + " told " + m.ID
	}
	return ""
}

func joinNames(names []string) string {
	for i, n := range names {
		if n == "" {
			names[i] = "a linked parent"
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
