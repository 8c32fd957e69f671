package conversations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Register adds every command to r.
func (e *Engine) Register(r *bot.Router) {
	flowCmd := func(name string) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, c bot.Call) ([]bot.Reply, error) { return e.start(ctx, c, e.flows[name]) })
	}
	// Commands that start a flow are marked Flow; the others keep a flow in progress.
	cmds := []bot.Command{
		{Name: "help", Public: true, Run: bot.HandlerFunc(e.help)},
		{Name: "start", Public: true, Run: bot.HandlerFunc(e.join)},
		{Name: "cases", Action: offsitebot.ActView, Run: bot.HandlerFunc(e.cases)},
		{Name: "status", Action: offsitebot.ActView, Run: bot.HandlerFunc(e.status)},
		{Name: "show", Action: offsitebot.ActView, Run: bot.HandlerFunc(e.show)},
		{Name: "due", Action: offsitebot.ActView, Run: bot.HandlerFunc(e.due)},
		{Name: "export", Action: offsitebot.ActExport, Run: bot.HandlerFunc(e.export)},
		{Name: "file", Action: offsitebot.ActExport, Run: bot.HandlerFunc(e.file)},
		{Name: "new", Action: offsitebot.ActOpen, Flow: true, Run: flowCmd("new")},
		{Name: "contact", Action: offsitebot.ActContact, Flow: true, Run: flowCmd("contact")},
		{Name: "attendance", Action: offsitebot.ActAttendance, Flow: true, Run: flowCmd("attendance"), Sub: map[string]bot.Command{
			DocChart: {Name: "attendance chart", Action: offsitebot.ActView, Run: e.keepFlow(bot.HandlerFunc(e.chart))},
		}},
		{Name: "review", Action: offsitebot.ActReview, Flow: true, Run: bot.HandlerFunc(e.review)},
		{Name: "review-schedule", Action: offsitebot.ActReview, Flow: true, Run: flowCmd("review-schedule")},
		{Name: "review-outcome", Action: offsitebot.ActReview, Flow: true, Run: flowCmd("review-outcome")},
		{Name: "review-move", Action: offsitebot.ActReview, Flow: true, Run: flowCmd("review-move")},
		{Name: "request", Action: offsitebot.ActRequest, Flow: true, Run: bot.HandlerFunc(func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
			if c.Who.Role.Staff() {
				return e.start(ctx, c, e.flows["request"])
			}
			return e.start(ctx, c, e.flows["family-request"])
		})},
		{Name: "link", Action: offsitebot.ActLink, Flow: true, Run: flowCmd("link")},
		{Name: "end", Action: offsitebot.ActEnd, Flow: true, Run: flowCmd("end")},
		{Name: "edit", Action: offsitebot.ActEdit, Flow: true, Run: flowCmd("edit")},
		{Name: "void", Action: offsitebot.ActEdit, Flow: true, Run: bot.HandlerFunc(e.void)},
		{Name: "feedback", Action: offsitebot.ActFeedback, Flow: true, Run: flowCmd("feedback")},
		{Name: "answer", Action: offsitebot.ActAnswer, Flow: true, Run: flowCmd("answer")},
		{Name: "stop", Action: offsitebot.ActView, Flow: true, Run: flowCmd("stop")},
		{Name: cmdAbout, Action: offsitebot.ActView, Run: bot.HandlerFunc(e.aboutChild)},
		{Name: "school", Action: offsitebot.ActAdmin, Run: bot.HandlerFunc(e.school)},
		{Name: "staff", Action: offsitebot.ActAdmin, Run: bot.HandlerFunc(e.staff)},
		{Name: "notice", Action: offsitebot.ActReview, Run: bot.HandlerFunc(e.notice)},
		{Name: "pack", Action: offsitebot.ActPack, Run: bot.HandlerFunc(e.pack)},
		// Sending the notice asks a question (a flow); otherwise letter keeps a flow itself.
		{Name: "letter", Action: offsitebot.ActLetter, Flow: true, Run: bot.HandlerFunc(e.letter)},
		{Name: "reply", Action: offsitebot.ActReply, Flow: true, Run: flowCmd("reply")},
		{Name: "dashboard", Action: offsitebot.ActDashboard, Run: bot.HandlerFunc(e.dashboard)},
	}
	for i, c := range cmds {
		if !c.Flow {
			cmds[i].Run = e.keepFlow(c.Run)
		}
		cmds[i].Run = e.learnName(cmds[i].Run)
	}
	r.Register(cmds...)
	r.Fallback(bot.HandlerFunc(e.fallback))
	r.Explain(errorText)
}

// fallback understands a family's typed button labels; anything else a
// family member, or a contact linked by code, writes is passed on to the
// school. Staff get the router's "didn't understand".
func (e *Engine) fallback(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if !passedOn(c) {
		return nil, nil
	}
	if c.Who.Role != offsitebot.RoleParent && c.Who.Role != offsitebot.RolePupil {
		return e.passOn(ctx, c)
	}
	t := strings.ToLower(strings.Trim(strings.TrimSpace(c.Text), ".!?"))
	answer := map[string]string{"i can come": offsitebot.AnswerYes, "yes i can come": offsitebot.AnswerYes,
		"please suggest another time": offsitebot.AnswerOtherTime, "suggest another time": offsitebot.AnswerOtherTime}[t]
	if answer != "" {
		cs, err := e.myCases(ctx, c.Who)
		if err != nil {
			return nil, err
		}
		for i := range cs {
			if m, ok := offsitebot.NextMeeting(&cs[i], c.Now); ok {
				c.Word, c.Args, c.Text = "answer", []string{cs[i].Ref, m.ID, answer}, "answer "+cs[i].Ref+" "+m.ID+" "+answer
				k, err := e.Store.Case(ctx, cs[i].Ref)
				if err != nil {
					return nil, err
				}
				if err := offsitebot.Can(c.Who, offsitebot.ActAnswer, k); err != nil {
					return nil, err
				}
				c.Case = k
				return e.start(ctx, c, e.flows["answer"])
			}
		}
		return text(msgNoMeetingToAnswer), nil
	}
	replies, err := e.passOn(ctx, c)
	if err == nil && (strings.Contains(t, "meeting") || strings.HasPrefix(t, "when") || strings.HasPrefix(t, "what")) {
		// A question the bot can answer now, while the school reads it.
		status, err := e.status(ctx, c)
		return append(replies, status...), err
	}
	return replies, err
}

// passedOn says whether what c's sender writes, not being a command, goes to
// the home school: a family member's words, and a receiving contact's or an
// LA officer's where they were linked to a case by code (on Telegram, the
// only way a contact talks to the bot).
func passedOn(c bot.Call) bool {
	switch c.Who.Role {
	case offsitebot.RoleParent, offsitebot.RolePupil:
		return true
	case offsitebot.RoleReceiving:
		return c.Platform == offsitebot.Telegram || c.Who.URN == ""
	case offsitebot.RoleLA:
		return len(c.Who.Cases) > 0
	}
	return false
}

// keepFlow wraps a command that is not a flow: run in the middle of one, it
// leaves the flow as it was and repeats its question, so nothing is lost.
func (e *Engine) keepFlow(run bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
		replies, err := run.Handle(ctx, c)
		if err != nil || c.Pending == nil {
			return replies, err
		}
		s := e.resume(c, c.Pending)
		if ref := s.a["ref"]; ref != "" {
			if k, err := e.Store.Case(ctx, ref); err == nil && offsitebot.Can(c.Who, s.f.action, k) == nil {
				s.c = k
			}
		}
		if q, buttons := s.question(ctx); q != "" {
			replies = append(replies, bot.Reply{Text: msgStillAsking(s.f, q), Buttons: rows(buttons)})
		}
		return replies, nil
	})
}

// learnName keeps the name the platform gives for staff added without one
// (an admin mentions them on Slack), so staff list and replies can name them.
func (e *Engine) learnName(run bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
		if who := c.Who; who.Role.Staff() && (who.Name == "" || strings.Contains(who.Name, ":")) && c.Name != "" {
			who.Name = c.Name
			if err := e.Store.PutIdentity(ctx, who); err != nil {
				e.Log.WarnContext(ctx, "learn staff name", "user", who.ID, "err", err)
			}
			c.Who = who
		}
		return run.Handle(ctx, c)
	})
}

func text(s string) []bot.Reply { return []bot.Reply{{Text: s}} }

func (e *Engine) help(_ context.Context, c bot.Call) ([]bot.Reply, error) {
	switch c.Who.Role {
	case offsitebot.RoleParent:
		return text(msgParentHelp), nil
	case offsitebot.RolePupil:
		return text(msgPupilHelp), nil
	case offsitebot.RoleReceiving:
		if c.Platform == offsitebot.Telegram {
			return text(msgReceivingTGHelp), nil
		}
		return text("As receiving-school staff you can:\n" +
			"attendance OSD-… [date] AM PM — record a day's codes (e.g. attendance OSD-7K2Q / /)\n" +
			"contact OSD-… home phone what was said — log contact with the home school\n" +
			"attendance OSD-… chart — the attendance picture\n" +
			"cases · show OSD-… · due · dashboard — the overview in a browser\n" + helpGuided), nil
	case offsitebot.RoleLA:
		return text("As a local-authority officer you can read every case:\ncases · show OSD-… · due · export OSD-…\n" +
			"dashboard — a link to the overview of every case in a browser\n" +
			"pack OSD-… [M2] [family] — the review meeting pack (PDF) · attendance OSD-… chart — the attendance picture\n" +
			"request OSD-… la what you asked for — record the LA's written request for a review meeting (EHC plan cases only)\n" + helpGuided), nil
	case "":
		if c.Platform == offsitebot.Telegram {
			return text("Hello! I'm offsitebot. Your school will send you a link to connect you to your child's off-site direction: open it, or type /start followed by the code."), nil
		}
		return text("Hello! I'm offsitebot. I don't know you yet: please ask your school's offsitebot admin to add you."), nil
	}
	s := "What you can do (dates day first: 3/12/2026, 3 Dec, thu, next tue, today, tomorrow; times 15:30 or 3.30pm; UK time):\n" +
		"new — open a case (guided; or all at once: new pupil=\"Sam Taylor\" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-01 end=2027-01-29)\n" +
		"cases — your active cases · due — what is due or overdue · show OSD-… — one case\n" +
		"contact OSD-… receiving phone what was said — log contact\n" +
		"attendance OSD-… [date] AM PM — record the receiving school's codes (absent N for both sessions)\n" +
		"review OSD-… schedule DATE HH:MM in-person|online [place] — schedule a review and invite the parents (or the pupil, 18+)\n" +
		"review OSD-… outcome — record a review's outcome (guided) · review OSD-… cancel M2\n" +
		"review OSD-… move M2 DATE HH:MM [place] — move a meeting (those invited are told) · review OSD-… place M2 ROOM|LINK — give its room or link later\n" +
		"review OSD-… told M1 [date] [how] — the parents (or the pupil, 18+) were told of a decision to continue another way\n" +
		"review OSD-… invited M2 letter — the parents (or the pupil, 18+) were invited another way\n" +
		"notice OSD-… given [date] [how] — the written notice reached the parents (or the pupil, 18+; today if no date)\n" +
		"reply OSD-… parent|pupil|receiving|la text — answer a message or request: sent to them word for word and recorded\n" +
		"request OSD-… parent|pupil|la text — record a written review request received elsewhere\n" +
		"link OSD-… parent|pupil|receiving|la — a one-time Telegram join link\n" +
		"pack OSD-… [M2] [family] — the review meeting pack (PDF); family: the version for the family\n" +
		"letter OSD-… notice|invite M2|decision M1 [send] — a letter to the family (PDF); send: through offsitebot, recorded\n" +
		"attendance OSD-… chart — the attendance picture\n" +
		"export OSD-… — the whole chronology · end OSD-… reintegrated|managed-move|semh|other\n" +
		"file OSD-… C12 — the photo or document a family member sent with message C12, fetched again\n" +
		"dashboard — a link to the overview of your cases in a browser\n" +
		"edit OSD-… start=7/12/2026 ehcp=yes — correct a case's facts (pupil, dob, ehcp, home, receiving, start, end, reasons, objectives, arrival, sessions)\n" +
		"review OSD-… outcome M2 next=11/12/2026 — change one answer of a recorded outcome (the family is told what changed)\n" +
		"void OSD-… reason — withdraw a case opened by mistake (within 7 days, before the family heard of it)\n" +
		"Schools can be given by name, or part of it, or by URN.\n" + helpGuided
	if c.Who.Role == offsitebot.RoleAdmin {
		s += "\nAdmin: school add URN NAME [phone=…] · school set SCHOOL name=… phone=… · school list\n" +
			"staff add USER home|receiving|la|admin SCHOOL [name=\"Full Name\"] · staff remove USER · staff list"
	}
	return text(s), nil
}

const helpGuided = "In a guided question, cancel stops and back re-asks the previous answer."

// myCases is the set of active cases the person works on, in one query.
func (e *Engine) myCases(ctx context.Context, who offsitebot.Identity) ([]offsitebot.Case, error) {
	f, none := offsitebot.VisibleCases(who, offsitebot.Active)
	if none {
		return nil, nil
	}
	cs, err := e.Store.Cases(ctx, f)
	if err != nil {
		return nil, err
	}
	// Defence in depth: never list what the person may not see.
	return slices.DeleteFunc(cs, func(c offsitebot.Case) bool { return !offsitebot.Sees(who, &c) }), nil
}

func (e *Engine) review(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	for _, w := range c.Args {
		switch strings.ToLower(w) {
		case "schedule":
			return e.start(ctx, c, e.flows["review-schedule"])
		case "outcome":
			return e.start(ctx, c, e.flows["review-outcome"])
		case "told":
			if c.Case != nil {
				return e.told(ctx, c)
			}
		case "cancel":
			if c.Case != nil {
				return e.cancelMeeting(ctx, c)
			}
		case "invited":
			if c.Case != nil {
				return e.invited(ctx, c)
			}
		case "move":
			return e.start(ctx, c, e.flows["review-move"])
		case "place":
			if c.Case != nil {
				return e.place(ctx, c)
			}
		}
	}
	ref, told := "OSD-…", "the parents (or the pupil, 18+) were"
	if c.Case != nil {
		ref, told = c.Case.Ref, toldWho(c.Case, c.Now)
	}
	return []bot.Reply{{Text: fmt.Sprintf("Do you want to schedule a review meeting or record an outcome?\nreview %s schedule DATE HH:MM in-person|online [place]\nreview %s outcome\n(also: review %s move M2 DATE HH:MM [place] · review %s place M2 ROOM|LINK · review %s cancel M2 · review %s told M1 when %s told of a decision to continue another way)", ref, ref, ref, ref, ref, ref, told),
		Buttons: [][]bot.Button{{{Label: "Schedule", Data: "/review " + ref + " schedule"}, {Label: "Record outcome", Data: "/review " + ref + " outcome"}}}}}, nil
}

// joinFailures is how many wrong join codes one person may try in an hour.
const joinFailures = 5

// join is /start CODE: it binds the person to the code's case with its role.
func (e *Engine) join(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if len(c.Args) == 0 {
		if c.Who.Role != "" {
			return e.help(ctx, c)
		}
		return text(msgJoinHow), nil
	}
	// Codes can't be guessed (64+ bits), and guessing is slowed down anyway: at
	// most joinFailures wrong codes an hour per person, on every platform. The
	// attempt is counted before it is tried, so guesses sent at once count too,
	// and taken back when the code worked.
	hour := c.Now.UTC().Truncate(time.Hour)
	key := "join:" + c.Who.ID + ":" + hour.Format("2006010215")
	n, err := e.Store.IncCounter(ctx, key, 1, hour.Add(2*time.Hour))
	if err != nil {
		return nil, err
	}
	if n > joinFailures {
		e.Log.InfoContext(ctx, "join code attempts over the limit", "user", c.Who.ID, "attempts", n)
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s", msgJoinTooMany)
	}
	jc, err := e.Store.RedeemJoinCode(ctx, strings.TrimSpace(c.Args[0]), c.Who.ID, c.Now)
	if err != nil {
		return nil, err
	}
	if _, err := e.Store.IncCounter(ctx, key, -1, hour.Add(2*time.Hour)); err != nil {
		e.Log.WarnContext(ctx, "uncount join attempt", "user", c.Who.ID, "err", err)
	}
	if k, err := e.Store.Case(ctx, jc.Case); err != nil {
		return nil, err
	} else if k.Status == offsitebot.Void {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%s", msgJoinWithdrawn)
	}
	if c.Who.Role != "" && c.Who.Role != jc.Role {
		return nil, offsitebot.Errorf(offsitebot.EConflict, "%s", msgJoinWrongKind(c.Who.Role, jc.Role))
	}
	name := c.Who.Name
	if name == "" {
		name = c.Name
	}
	if err := e.Store.PutIdentity(ctx, offsitebot.Identity{ID: c.Who.ID, Role: jc.Role, Name: name, URN: c.Who.URN, Created: c.Now}); err != nil {
		return nil, err
	}
	if err := e.Store.LinkCase(ctx, c.Who.ID, jc.Case); err != nil {
		return nil, err
	}
	k, ch, err := e.changeRef(ctx, jc.Case, func(k *offsitebot.Case) (offsitebot.Change, error) {
		return k.Link(actor(c), *jc, name), nil
	})
	if err != nil {
		return nil, err
	}
	// Joining late still brings what the family should already have had.
	e.notify.tell(ctx, k, ch.Notices)
	school := e.schoolName(ctx, k.ReceivingURN)
	child := firstName(k.Pupil)
	if jc.Role == offsitebot.RoleReceiving {
		child = k.Initials()
	}
	return []bot.Reply{{Text: msgWelcome(firstName(name), child, school, k.Ref, jc.Role), Case: k.Ref, Sensitive: true}}, nil
}

// status is what a family (or a Telegram receiving contact) sees: only their own cases.
func (e *Engine) status(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Who.Role.Staff() && (c.Who.URN != "" || c.Who.Role != offsitebot.RoleReceiving) {
		return e.cases(ctx, c)
	}
	cs, err := e.myCases(ctx, c.Who)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		if k, err := e.endedOnly(ctx, c.Who); err != nil || k != nil {
			if err != nil {
				return nil, err
			}
			return text(msgEnded(k, c.Who.Role, schools{e.schoolOf(ctx, k.HomeURN), e.schoolOf(ctx, k.ReceivingURN)})), nil
		}
		return text(msgNotConnected), nil
	}
	var parts []string
	var charts []bot.Button
	for i := range cs {
		parts = append(parts, e.familyStatus(ctx, &cs[i], c))
		if k := &cs[i]; c.Who.Role != offsitebot.RoleReceiving && k.Start <= offsitebot.DateOf(c.Now) {
			charts = append(charts, bot.Button{Label: firstName(k.Pupil) + "'s attendance", Data: "/attendance " + k.Ref + " chart"})
		}
	}
	if len(charts) == 1 {
		charts[0].Label = "Attendance picture"
	}
	return []bot.Reply{{Text: strings.Join(parts, "\n\n"), Sensitive: true, Buttons: rows(charts)}}, nil
}

func (e *Engine) familyStatus(ctx context.Context, k *offsitebot.Case, c bot.Call) string {
	home, recv := e.schoolName(ctx, k.HomeURN), e.schoolName(ctx, k.ReceivingURN)
	name := firstName(k.Pupil)
	if c.Who.Role == offsitebot.RoleReceiving {
		name = k.Initials()
	}
	started := "started"
	if k.Start > offsitebot.DateOf(c.Now) {
		started = "starts"
	}
	which := name + "'s off-site direction"
	if c.Who.Role == offsitebot.RolePupil {
		which = "Your off-site direction"
	}
	lines := []string{fmt.Sprintf("%s at %s (%s) %s on %s.", which, recv, k.Ref, started, k.Start.Short())}
	if k.End != "" {
		lines[0] = strings.TrimSuffix(lines[0], ".") + fmt.Sprintf(" and is planned until %s.", k.End.Short())
	}
	if m, ok := offsitebot.NextMeeting(k, c.Now); ok {
		line := fmt.Sprintf("Next review meeting: %s, %s.", when(m), where(m))
		for _, inv := range m.Invitations {
			if inv.To == c.Who.ID && inv.Answer == offsitebot.AnswerYes {
				line += " You said you can come."
			}
		}
		lines = append(lines, line)
	} else if last, held := offsitebot.LastHeldMeeting(k, c.Now); held && last.Outcome.Decision != offsitebot.DecisionContinue {
		// Said as the decision was, never "you'll be invited" after a decision to end.
		decided, next := decisionWords(k, *last.Outcome, schools{e.schoolOf(ctx, k.HomeURN), e.schoolOf(ctx, k.ReceivingURN)}, c.Who.Role)
		lines = append(lines, fmt.Sprintf("The review meeting on %s decided: %s. %s", last.Date().Short(), decided, next))
	} else {
		lines = append(lines, msgNoMeetingYet)
	}
	for _, r := range k.Requests {
		if r.By == c.Who.ID {
			st := "passed to " + home
			for _, m := range k.Meetings {
				if m.ID == r.Answered && !m.Cancelled {
					st = "to be discussed at the meeting on " + m.Date().Short()
					if m.Held() {
						st = "discussed at the meeting on " + m.Date().Short()
					}
				}
			}
			lines = append(lines, fmt.Sprintf("Your request of %s: %s.", offsitebot.DateOf(r.At).Short(), st))
		}
	}
	switch {
	case k.Arrival == "" || c.Who.Role == offsitebot.RoleReceiving:
	case c.Who.Role == offsitebot.RolePupil:
		lines = append(lines, "On arrival, you report to "+k.Arrival+".")
	default:
		lines = append(lines, "On arrival, "+name+" reports to "+k.Arrival+".")
	}
	lines = append(lines, fmt.Sprintf("Questions? Contact %s.", home))
	return strings.Join(lines, "\n")
}

// personName says who someone of a role is, in a sentence.
func personName(r offsitebot.Role) string {
	switch r {
	case offsitebot.RoleParent:
		return "a parent or carer"
	case offsitebot.RolePupil:
		return "the pupil"
	case offsitebot.RoleReceiving:
		return "a receiving-school contact"
	case offsitebot.RoleLA:
		return "the local authority"
	case offsitebot.RoleHome:
		return "home-school staff"
	}
	return "an admin"
}
