package conversations

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// dueWords is a due item as people read it. The case core says what is due
// as facts; the words and the command that does it are said here, once.
type dueWords struct {
	what    string            // the facts, one line, never the pupil's name
	todo    string            // what staff should do, joined to what; "" where what says it
	command string            // the one command that does it
	act     offsitebot.Action // what the command needs the person to be allowed
	// press is the command a button runs: command without the words still
	// to choose, which the command then asks for; label is the button's.
	press, label string
}

// dueRenderers word each kind of item; reader is who will read it.
var dueRenderers = map[string]func(it offsitebot.DueItem, reader offsitebot.Role) dueWords{
	offsitebot.DueNotice:       noticeWords,
	offsitebot.DueFamily:       familyWords,
	offsitebot.DueEndPlan:      endPlanWords,
	offsitebot.DueEnd:          endWords,
	offsitebot.DueContact:      contactWords,
	offsitebot.DueAttendance:   attendanceWords,
	offsitebot.DueReview:       reviewWords,
	offsitebot.DueContinuation: continuationWords,
	offsitebot.DueOutcome:      outcomeWords,
	offsitebot.DueInvitation:   invitationWords,
	offsitebot.DueRequest:      requestWords,
	offsitebot.DueFaceToFace:   faceToFaceWords,
	offsitebot.DueReply:        replyWords,
}

func noticeWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	w := dueWords{command: "notice " + it.Ref + " given", act: offsitebot.ActReview,
		press: "notice " + it.Ref + " given", label: "Record notice given"}
	when := fmt.Sprintf("%s (2 school days before the start on %s)", it.By.Short(), it.On.Short())
	switch {
	case it.Stage == offsitebot.StageStarted:
		w.what, w.todo = "written notice to "+Named(it.Adult)+" was due by "+when+" and is not recorded as given", " — give it now"
	case it.Overdue:
		w.what, w.todo = "written notice to "+Named(it.Adult)+" was due by "+when, " — send it now"
	default:
		w.what = "written notice to " + Named(it.Adult) + " must reach them by " + when
	}
	if it.EHCP {
		w.what += "; the local authority must get it too (the pupil has an EHC plan)"
	}
	return w
}

func endWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	if it.Decision != "" {
		return dueWords{what: fmt.Sprintf("the %s review decided: %s", it.On.Short(), it.Decision),
			todo:    " — end the direction when the pupil leaves",
			command: "end " + it.Ref + " " + endFor(it.Decision), act: offsitebot.ActEnd,
			press: "end " + it.Ref + " " + endFor(it.Decision), label: "End the direction"}
	}
	return dueWords{what: fmt.Sprintf("the agreed end date (%s) has passed", it.On.Short()),
		todo:    " — end the direction, or record the decision to continue",
		command: "end " + it.Ref + " reintegrated|managed-move|semh|other", act: offsitebot.ActEnd,
		press: "end " + it.Ref, label: "End the direction"}
}

// contactWords says the contact missing from where the reader stands.
func contactWords(it offsitebot.DueItem, reader offsitebot.Role) dueWords {
	with, other := "with the receiving school", "receiving"
	switch reader {
	case offsitebot.RoleReceiving:
		with, other = "with the home school", "home"
	case offsitebot.RoleLA:
		with = "between the schools"
	}
	w := dueWords{command: "contact " + it.Ref + " " + other + " phone …", act: offsitebot.ActContact,
		press: "contact " + it.Ref + " " + other, label: "Log contact"}
	if it.Overdue {
		w.what = fmt.Sprintf("no contact %s for %d days — overdue, was due by %s (weekly)", with, it.Days, it.By.Short())
	} else {
		w.what = fmt.Sprintf("no contact %s for %d days — due by %s (weekly)", with, it.Days, it.By.Short())
	}
	return w
}

func attendanceWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	w := dueWords{command: "attendance " + it.Ref + " " + string(it.On) + " AM PM", act: offsitebot.ActAttendance,
		press: "attendance " + it.Ref + " " + string(it.On), label: "Record attendance"}
	if it.Days == 1 {
		w.what = "attendance not confirmed for " + it.On.Short()
	} else {
		w.what = fmt.Sprintf("attendance not confirmed for %d school days, the earliest %s", it.Days, it.On.Short())
	}
	return w
}

// scheduleCommand is the command that books the next review.
func scheduleCommand(it offsitebot.DueItem) string {
	mode := offsitebot.InPerson + "|" + offsitebot.Online
	if it.InPerson {
		mode = offsitebot.InPerson
	}
	return "review " + it.Ref + " schedule DATE TIME " + mode
}

// scheduleWords are the command and button of an item a meeting meets.
func scheduleWords(it offsitebot.DueItem) dueWords {
	return dueWords{command: scheduleCommand(it), act: offsitebot.ActReview,
		press: "review " + it.Ref + " schedule", label: "Schedule a review"}
}

func reviewWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	w := scheduleWords(it)
	none := "none is scheduled"
	if it.Booked != "" {
		none = "the meeting booked for " + it.Booked.Short() + " is later than that"
	}
	switch {
	case it.Overdue:
		w.what = fmt.Sprintf("review meeting was due by %s and %s — overdue", it.By.Short(), none)
	case it.Stage == offsitebot.StageTooLate:
		not := "not yet scheduled"
		if it.Booked != "" {
			not = none
		}
		w.what = fmt.Sprintf("next review meeting due by %s — %s, and %s can no longer have 6 days' notice for it", it.By.Short(), not, Named(it.Adult))
	case it.Booked != "":
		w.what = fmt.Sprintf("next review meeting due by %s — %s", it.By.Short(), none)
		w.todo = fmt.Sprintf("; schedule one by %s so %s can have 6 days' notice", offsitebot.InvitationDeadline(it.By).Short(), Named(it.Adult))
	default:
		w.what = "next review meeting due by " + it.By.Short()
		w.todo = fmt.Sprintf(" — schedule it by %s so %s can have 6 days' notice", offsitebot.InvitationDeadline(it.By).Short(), Named(it.Adult))
	}
	return w
}

func continuationWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	w := dueWords{command: "review " + it.Ref + " told " + it.Subject, act: offsitebot.ActReview,
		press: "review " + it.Ref + " told " + it.Subject, label: "Record " + Named(it.Adult) + " told"}
	if it.Overdue {
		w.what = fmt.Sprintf("decision to continue from the %s meeting was due to %s by %s (6 days after)", it.On.Short(), Named(it.Adult), it.By.Short())
		w.todo = " — tell them now"
	} else {
		w.what = fmt.Sprintf("decision to continue from the %s meeting must reach %s by %s (6 days after)", it.On.Short(), Named(it.Adult), it.By.Short())
	}
	return w
}

func outcomeWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	return dueWords{what: fmt.Sprintf("outcome of the %s meeting not recorded yet", it.On.Short()),
		command: "review " + it.Ref + " outcome", act: offsitebot.ActReview,
		press: "review " + it.Ref + " outcome", label: "Record the outcome"}
}

func invitationWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	who, link := Named(it.Adult), "parent"
	if it.Adult {
		link = "pupil"
	}
	w := dueWords{command: "link " + it.Ref + " " + link, act: offsitebot.ActLink,
		press: "link " + it.Ref + " " + link, label: "Make a " + link + "'s link"}
	why := unreachedWhy(it.Adult, it.Linked, it.Unreachable)
	if it.Linked {
		// A link would not help: they are on offsitebot but it cannot reach them.
		why += ": invite them another way (phone, letter), then record it"
		w = dueWords{command: "review " + it.Ref + " invited " + it.Subject + " letter", act: offsitebot.ActReview,
			press: "review " + it.Ref + " invited " + it.Subject, label: "Record invited another way"}
	}
	switch {
	case it.Overdue:
		w.what = fmt.Sprintf("invitation for the %s meeting should have gone to %s by %s (6 days before) — %s", it.On.Short(), who, it.By.Short(), why)
		if !it.Linked {
			w.todo = ", invite them now"
		}
	case it.Stage == offsitebot.StageLastDay:
		w.what = fmt.Sprintf("invitation for the %s meeting must go to %s today (6 days before) — %s", it.On.Short(), who, why)
	default:
		w.what = fmt.Sprintf("invitation for the %s meeting must go to %s by %s (6 days before) — %s", it.On.Short(), who, it.By.Short(), why)
	}
	return w
}

func requestWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	duty := "duty applies: hold one as soon as reasonably practicable, by " + it.By.Short()
	if !it.DutyApplies {
		duty = "duty does not apply"
		if it.LastMet.Valid() {
			duty += ": met " + it.LastMet.Short()
		}
	}
	from := whoName(it.From)
	if it.From == offsitebot.FromLA {
		from = "the " + from
	}
	w := scheduleWords(it)
	switch {
	case it.Far:
		w.what = fmt.Sprintf("review request from %s, %s — meeting booked for %s, later than %s: not as soon as reasonably practicable", from, it.On.Short(), it.Booked.Short(), it.By.Short())
		w.todo = " — hold one sooner"
	case it.Booked != "":
		// In time: nothing to run, only the meeting to hold.
		w.what = fmt.Sprintf("review request from %s, %s — meeting booked for %s (open until it is held; due by %s)", from, it.On.Short(), it.Booked.Short(), it.By.Short())
		w.command, w.press = "", ""
	default:
		w.what = fmt.Sprintf("review request from %s, %s — not yet scheduled (%s)", from, it.On.Short(), duty)
	}
	return w
}

func faceToFaceWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	w := scheduleWords(it)
	w.what, w.todo = "no face-to-face review meeting yet", " — make the next one in person"
	return w
}

// dueText words it for a reader of role: the line, and the next step, which
// is the command where they may run it (command is true), and otherwise
// whose duty it is.
func dueText(it offsitebot.DueItem, role offsitebot.Role) (text, next string, command bool) {
	render, ok := dueRenderers[it.Kind]
	if !ok { // a kind the core added before its words were written here
		return fmt.Sprintf("%s due by %s", it.Kind, it.By.Short()), "for " + partyName(it.Party), false
	}
	w := render(it, role)
	if offsitebot.Allowed(role, w.act) {
		return w.what + w.todo, w.command, true
	}
	return w.what, "for " + partyName(it.Party), false
}

func familyWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	who := "parent"
	if it.Adult {
		who = "pupil"
	}
	return dueWords{what: fmt.Sprintf("no contact with the family or the professionals around them for %d days (since %s)", it.Days, it.On.Short()),
		todo:    " — get in touch",
		command: "contact " + it.Ref + " " + who + " phone …", act: offsitebot.ActContact,
		press: "contact " + it.Ref + " " + who, label: "Log contact"}
}

func endPlanWords(it offsitebot.DueItem, _ offsitebot.Role) dueWords {
	w := scheduleWords(it)
	w.what = fmt.Sprintf("the agreed end is %s — plan reintegration or the onward pathway with the receiving school and the family", it.On.Short())
	w.todo = " (a review meeting can agree it)"
	return w
}

func partyName(p offsitebot.Party) string {
	switch p {
	case offsitebot.ReceivingSchool:
		return "the receiving school"
	case offsitebot.BothSchools:
		return "both schools"
	}
	return "the home school"
}

// dueAction is the button that takes it's next step, for a reader of role
// who may; nil for one who only reads.
func dueAction(it offsitebot.DueItem, role offsitebot.Role) *bot.Button {
	render, ok := dueRenderers[it.Kind]
	if !ok {
		return nil
	}
	w := render(it, role)
	if w.press == "" || !offsitebot.Allowed(role, w.act) {
		return nil
	}
	return &bot.Button{Label: w.label, Data: "/" + w.press}
}

// addDue adds items, worded for a reader of role, to c: in show (inShow)
// as bullets of one case, in due with each case's reference. An LA
// officer, who reads but does not act, gets them under the headings Overdue
// and Coming up.
func addDue(c *card, items []offsitebot.DueItem, role offsitebot.Role, inShow bool) {
	heading := ""
	for _, it := range items {
		if role == offsitebot.RoleLA {
			h := "Coming up"
			if it.Overdue {
				h = "Overdue"
			}
			if h != heading {
				heading = h
				c.heading(h+":", h)
			}
		}
		text, next, _ := dueText(it, role)
		item := bot.Item{Text: it.Ref + ": " + text, Next: next, Action: dueAction(it, role)}
		line, bullet := it.Ref+"  "+text, "  • "+text
		if next != "" { // none for a duty only waiting for its day
			line, bullet = line+"  → "+next, bullet+" → "+next
		}
		if inShow {
			item.Text, line = text, bullet
		}
		c.item(line, item)
	}
}

// dueFor is what is due on k that who answers for: the receiving school
// answers for its own duties and those of both schools; the rest is the home
// school's. Admins and the LA see everything.
func (e *Engine) dueFor(who offsitebot.Identity, k *offsitebot.Case, now time.Time) []offsitebot.DueItem {
	items := offsitebot.Due(k, now, e.Calendar, e.Settings)
	if who.Role == offsitebot.RoleReceiving {
		items = slices.DeleteFunc(items, func(it offsitebot.DueItem) bool {
			return it.Party != offsitebot.ReceivingSchool && it.Party != offsitebot.BothSchools
		})
	}
	return items
}

func (e *Engine) due(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if !c.Who.Role.Staff() {
		return e.status(ctx, c)
	}
	var cs []offsitebot.Case
	if c.Case != nil {
		cs = []offsitebot.Case{*c.Case}
	} else {
		var err error
		if cs, err = e.myCases(ctx, c.Who); err != nil {
			return nil, err
		}
	}
	var items []offsitebot.DueItem
	for i := range cs {
		items = append(items, e.dueFor(c.Who, &cs[i], c.Now)...)
	}
	if len(items) == 0 {
		if c.Who.Role == offsitebot.RoleLA {
			return text(fmt.Sprintf("Nothing is due or overdue on the %s.", plural(len(cs), "active case", "active cases"))), nil
		}
		return text(fmt.Sprintf("Nothing is due or overdue from you on your %s.", plural(len(cs), "active case", "active cases"))), nil
	}
	offsitebot.SortDue(items)
	var b card
	addDue(&b, items, c.Who.Role, false)
	return []bot.Reply{b.reply()}, nil
}

func (e *Engine) cases(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if !c.Who.Role.Staff() {
		return e.status(ctx, c)
	}
	cs, err := e.myCases(ctx, c.Who)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return text("You have no active cases. Home-school staff open one with: new"), nil
	}
	if c.Who.Role == offsitebot.RoleLA {
		return e.casesBySchool(ctx, c, cs)
	}
	b := card{r: bot.Reply{Sensitive: true}}
	b.head(fmt.Sprintf("Your active cases (%d):", len(cs)), fmt.Sprintf("Your active cases (%d)", len(cs)))
	for i := range cs {
		line, _ := e.caseLine(c, &cs[i])
		b.item(line, caseItem(&cs[i], line))
	}
	return []bot.Reply{b.reply()}, nil
}

// caseItem is a case in a list, with a button that shows it.
func caseItem(k *offsitebot.Case, line string) bot.Item {
	return bot.Item{Text: line, Next: "show " + k.Ref, Action: &bot.Button{Label: "Show", Data: "/show " + k.Ref}}
}

// caseLine is one case in a list of cases, with what is due on it, and how
// many of those are overdue.
func (e *Engine) caseLine(c bot.Call, k *offsitebot.Case) (string, int) {
	since := "since"
	if k.Start > offsitebot.DateOf(c.Now) {
		since = "starts"
	}
	line := fmt.Sprintf("%s  %s  %s %s", k.Ref, k.Pupil, since, k.Start.Short())
	if m, ok := offsitebot.NextMeeting(k, c.Now); ok {
		line += " · next review " + m.Date().Short()
	}
	due := e.dueFor(c.Who, k, c.Now)
	if len(due) == 0 {
		return line, 0
	}
	what, next, command := dueText(due[0], c.Who.Role)
	if !command {
		what += " → " + next // whose duty, for those who only read
	}
	if len(due) == 1 {
		line += " · due: " + what
	} else {
		line += fmt.Sprintf(" · %d things due, most urgent: %s", len(due), what)
	}
	return line, len(slices.DeleteFunc(due, func(it offsitebot.DueItem) bool { return !it.Overdue }))
}

// casesBySchool is the LA's list: every active case under its home school,
// each school with how many duties on its cases are overdue.
func (e *Engine) casesBySchool(ctx context.Context, c bot.Call, cs []offsitebot.Case) ([]bot.Reply, error) {
	schools, err := e.Store.Schools(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, s := range schools {
		names[s.URN] = s.Name
	}
	school := func(urn string) string {
		if n := names[urn]; n != "" {
			return n + " (" + urn + ")"
		}
		return "school " + urn
	}
	byHome := map[string][]offsitebot.Case{}
	for _, k := range cs {
		byHome[k.HomeURN] = append(byHome[k.HomeURN], k)
	}
	urns := slices.SortedFunc(maps.Keys(byHome), func(a, b string) int { return cmp.Or(cmp.Compare(school(a), school(b)), cmp.Compare(a, b)) })
	b := card{r: bot.Reply{Sensitive: true}}
	b.head(fmt.Sprintf("Active cases (%d), by home school:", len(cs)), fmt.Sprintf("Active cases (%d), by home school", len(cs)))
	for _, urn := range urns {
		lines := make([]string, len(byHome[urn]))
		overdue := 0
		for i := range byHome[urn] {
			var n int
			lines[i], n = e.caseLine(c, &byHome[urn][i])
			overdue += n
		}
		count := "nothing overdue"
		if overdue > 0 {
			count = plural(overdue, "duty overdue", "duties overdue")
		}
		h := fmt.Sprintf("%s — %s, %s", school(urn), plural(len(byHome[urn]), "case", "cases"), count)
		b.heading(h, h)
		for i, line := range lines {
			b.item("  "+line, caseItem(&byHome[urn][i], line))
		}
	}
	return []bot.Reply{b.reply()}, nil
}

// errorText words err for the person c is from: the core's facts, then the
// command that helps, where there is one: a family member or a contact
// linked by code (everyone on Telegram) is pointed to their own commands.
func errorText(c bot.Call, err error) string {
	msg := offsitebot.ErrorMessage(err)
	byCode := c.Platform == offsitebot.Telegram || !c.Who.Role.Staff()
	switch offsitebot.ErrorNext(err) {
	case offsitebot.NextSeeRole:
		if byCode {
			return msg + " Type /help to see what you can do."
		}
		return msg + " Type help to see what you can do, or ask your school's offsitebot admin."
	case offsitebot.NextListCases:
		if byCode {
			return msg + " Type /status to see yours."
		}
		return msg + " Type cases to list yours."
	}
	return msg
}
