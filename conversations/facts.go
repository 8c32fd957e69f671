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

// factSteps are the questions about a case's facts, in the order new asks
// them, with the confirmations of an unusual first day or age after the
// first day. new and edit share them, so a correction is checked as the
// original answer was; checks between facts read the other fact from the
// answers, or else from the case (session.fact).
func factSteps() []step {
	pupil := textStep(offsitebot.FactPupil, "Pupil's name", "What is the pupil's full name?", false)
	pupil.kind = bot.FieldText
	home := schoolStep(offsitebot.FactHome, "Home school", "Which is the home school? Its name, or part of it, or its 6-digit URN.")
	homeCheck := home.check
	home.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := homeCheck(ctx, s, v)
		who := s.call.Who
		switch {
		case err != nil:
			return "", err
		case who.Role == offsitebot.RoleHome && v != who.URN && s.c != nil:
			return "", offsitebot.Errorf(offsitebot.EForbidden, "Only an offsitebot admin can move a case to another home school (you would no longer see it).")
		case who.Role == offsitebot.RoleHome && v != who.URN:
			return "", offsitebot.Errorf(offsitebot.EForbidden, "You can open cases only for your own school, %s.", s.e.schoolName(ctx, who.URN))
		case v == s.fact(offsitebot.FactReceiving):
			return "", offsitebot.Errorf(offsitebot.EInvalid, "%s is the receiving school: the home school must be another one.", s.e.schoolName(ctx, v))
		}
		return v, nil
	}
	receiving := schoolStep(offsitebot.FactReceiving, "Receiving school", "Which school will the pupil attend (the receiving school)? Its name, or part of it, or its 6-digit URN.")
	recvCheck := receiving.check
	receiving.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := recvCheck(ctx, s, v)
		if err == nil && v == s.fact(offsitebot.FactHome) {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "The receiving school must be another school than the home school (%s).", s.e.schoolName(ctx, v))
		}
		return v, err
	}
	start := dateStep(offsitebot.FactStart, "First day", "What is the first day at the receiving school?", anyDate, false)
	startCheck := start.check
	start.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := startCheck(ctx, s, v)
		if end := s.a[offsitebot.FactEnd]; err == nil && end != "" && end <= v {
			// A first day changed after the end was given: the end must come after it.
			s.unset(offsitebot.FactEnd)
			s.notes = append(s.notes, fmt.Sprintf("The end date you gave, %s, isn't after that, so I'll ask for it again.", offsitebot.Date(end).Short()))
		}
		return v, err
	}
	end := dateStep(offsitebot.FactEnd, "End date", "When does the direction end: the agreed end date, or the last day of its maximum period? The written notice must state it.", anyDate, false)
	endCheck := end.check
	end.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := endCheck(ctx, s, v)
		if first := offsitebot.Date(s.fact(offsitebot.FactStart)); err == nil && first != "" && offsitebot.Date(v) <= first {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "The end date must be after the first day (%s).", first.Short())
		}
		return v, err
	}
	return []step{
		pupil,
		birthStep(offsitebot.FactDOB, "Date of birth", "The pupil's date of birth? (day, month and year, for example 14/3/2012)"),
		choiceStep(offsitebot.FactEHCP, "EHC plan?", "Does the pupil have an EHC plan? (yes/no)", yesNo...),
		home, receiving, start, startConfirm(), ageConfirm(), end,
		textStep(offsitebot.FactReasons, "Reasons", "Why is the direction being made? (or skip)", true),
		textStep(offsitebot.FactObjectives, "Objectives", "What should it achieve (the objectives)? (or skip)", true),
		textStep(offsitebot.FactArrival, "Reports to on arrival", "Whom does the pupil report to on arrival? (or skip)", true),
		textStep(offsitebot.FactSessions, "Session times", "What are the session times — start, end and break times, e.g. 08:40–15:10, breaks 10:40–11:00 and 12:20–13:00? The written notice must state them. (or skip)", true),
	}
}

// startCheck is what is unusual about the first day given.
func (s *session) startCheck() offsitebot.StartCheck {
	return offsitebot.CheckStart(offsitebot.Date(s.a[offsitebot.FactStart]), offsitebot.DateOf(s.now()), s.e.Calendar)
}

// startConfirm asks to confirm a first day given that has passed or is not a
// school day, offering the nearest school day still to come.
func startConfirm() step {
	st := confirmStep("startok", "Keep that first day?", func(s *session) bool {
		return s.a.has(offsitebot.FactStart) && s.startCheck().Unusual()
	}, func(s *session) string {
		d, sc := offsitebot.Date(s.a[offsitebot.FactStart]), s.startCheck()
		var why string
		switch {
		case !d.Valid():
			return "Keep a first day that has passed or is not a school day?"
		case sc.Passed && sc.Closed != "":
			why = fmt.Sprintf("has already passed, and was not a school day (%s)", sc.Closed)
		case sc.Passed:
			why = fmt.Sprintf("has already passed (%s ago)", plural(d.DaysUntil(offsitebot.DateOf(s.now())), "day", "days"))
		default:
			why = fmt.Sprintf("is not a school day (%s)", sc.Closed)
		}
		return fmt.Sprintf("⚠ The first day you gave, %s, %s. The nearest school day still to come is %s. Keep %s?", d.Long(), why, sc.Nearest.Long(), d.Short())
	}, "Yes, keep it", "No, pick another date", "OK, let's have another first day.", offsitebot.FactStart)
	ask, check := st.ask, st.check
	st.ask = func(ctx context.Context, s *session) (string, []bot.Button) {
		q, bs := ask(ctx, s)
		if d := offsitebot.Date(s.a[offsitebot.FactStart]); d.Valid() {
			bs[0].Label = "Yes, keep " + d.Short()
			if near := s.startCheck().Nearest; near.Valid() {
				bs = slices.Insert(bs, 1, bot.Button{Label: "Use " + near.Short(), Data: "use " + string(near)})
			}
		}
		return q, bs
	}
	st.check = func(ctx context.Context, s *session, v string) (string, error) {
		d, use := strings.CutPrefix(strings.ToLower(strings.TrimSpace(v)), "use ")
		if !use {
			return check(ctx, s, v)
		}
		first, _ := s.f.step(offsitebot.FactStart)
		if err := s.answer(ctx, first, d); err != nil {
			return "", err
		}
		if s.startCheck().Unusual() {
			return "", &redo{msg: "The first day is now " + offsitebot.Date(s.a[offsitebot.FactStart]).Long() + "."}
		}
		return "yes", nil
	}
	return st
}

// ageConfirm asks to confirm a date of birth that makes the pupil unusually
// young or old on the first day: it is more likely mistyped.
func ageConfirm() step {
	return confirmStep("ageok", "Is the date of birth right?", func(s *session) bool {
		first := offsitebot.Date(s.fact(offsitebot.FactStart))
		_, odd := offsitebot.UnusualAge(offsitebot.Date(s.a[offsitebot.FactDOB]), first)
		return s.a.has(offsitebot.FactDOB) && first.Valid() && odd
	}, func(s *session) string {
		dob, first := offsitebot.Date(s.a[offsitebot.FactDOB]), offsitebot.Date(s.fact(offsitebot.FactStart))
		if !dob.Valid() || !first.Valid() {
			return "Keep a date of birth that makes the pupil unusually young or old?"
		}
		age, _ := offsitebot.UnusualAge(dob, first)
		return fmt.Sprintf("⚠ Born on %s, the pupil would be %d on the first day (%s); pupils directed off-site are usually %d to %d. Is the date of birth right?",
			born(dob), age, first.Short(), offsitebot.UsualMinAge, offsitebot.UsualMaxAge)
	}, "Yes, it's right", "No, change it", "OK, let's have the date of birth again.", offsitebot.FactDOB)
}

func newCaseFlow() *flow {
	steps := factSteps()
	home := slices.IndexFunc(steps, func(st step) bool { return st.key == offsitebot.FactHome })
	steps[home].prefill = func(_ context.Context, s *session) (string, bool) {
		return s.call.Who.URN, s.call.Who.Role == offsitebot.RoleHome && s.call.Who.URN != ""
	}
	steps = append(steps, summaryStep("open", func(*session) string { return "Yes, open it" }, newSummary, offsitebot.Facts, map[string][]string{
		offsitebot.FactDOB:   {"ageok"},
		offsitebot.FactStart: {"startok", "ageok"},
	}))
	return &flow{
		name: "new", title: "Open a case", doing: "opening a case", submit: "Open case", action: offsitebot.ActOpen, form: true,
		steps: steps, done: doneNewCase,
	}
}

// factText shows a fact's value in a sentence.
func (e *Engine) factText(ctx context.Context, key, v string) string {
	switch {
	case v == "":
		return "none"
	case key == offsitebot.FactHome || key == offsitebot.FactReceiving:
		return e.schoolName(ctx, v)
	case key == offsitebot.FactDOB:
		return born(offsitebot.Date(v))
	case key == offsitebot.FactStart || key == offsitebot.FactEnd:
		return offsitebot.Date(v).Long()
	}
	return v
}

// born shows a date of birth: "4 Mar 2012", no weekday.
func born(d offsitebot.Date) string { return d.Time().Format("2 Jan 2006") }

// newSummary is what guided new says before it opens the case.
func newSummary(ctx context.Context, s *session) string {
	a := s.a
	dob, first := offsitebot.Date(a[offsitebot.FactDOB]), offsitebot.Date(a[offsitebot.FactStart])
	until := "no agreed end date"
	if end := offsitebot.Date(a[offsitebot.FactEnd]); end != "" {
		until = "until " + end.Long()
	}
	lines := []string{
		"Please check before I open the case:",
		fmt.Sprintf("%s, born %s (%d on the first day), %s", a[offsitebot.FactPupil], born(dob), offsitebot.AgeOn(dob, first), ehcpText(a[offsitebot.FactEHCP] == "yes")),
		fmt.Sprintf("From %s to %s, first day %s, %s", s.e.schoolName(ctx, a[offsitebot.FactHome]), s.e.schoolName(ctx, a[offsitebot.FactReceiving]), first.Long(), until),
	}
	for _, k := range []string{offsitebot.FactReasons, offsitebot.FactObjectives, offsitebot.FactArrival, offsitebot.FactSessions} {
		st, _ := s.f.step(k)
		v := a[k]
		if v == "" {
			v = "not given"
		}
		lines = append(lines, capital(phrase(st.label))+": "+v)
	}
	return strings.Join(append(lines, "Open it?"), "\n")
}

func doneNewCase(ctx context.Context, s *session) ([]bot.Reply, error) {
	now := s.now()
	// The same pupil twice is almost always a slip; a new direction follows the end of the old.
	open, err := s.e.Store.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active, HomeURN: s.a["home"]})
	if err != nil {
		return nil, err
	}
	for _, k := range open {
		if strings.EqualFold(strings.TrimSpace(k.Pupil), strings.TrimSpace(s.a["pupil"])) && string(k.DOB) == s.a["dob"] {
			return nil, offsitebot.Errorf(offsitebot.EConflict, "There is already an active direction for this pupil: %s, since %s. If this is a new one, end that first (end %s …); otherwise carry on with %s.", k.Ref, k.Start.Short(), k.Ref, k.Ref)
		}
	}
	facts := offsitebot.Case{
		Pupil: s.a["pupil"], DOB: offsitebot.Date(s.a["dob"]), EHCP: s.a["ehcp"] == "yes",
		HomeURN: s.a["home"], ReceivingURN: s.a["receiving"], Start: offsitebot.Date(s.a["start"]), End: offsitebot.Date(s.a["end"]),
		Reasons: s.a["reasons"], Objectives: s.a["objectives"], Arrival: s.a["arrival"], Sessions: s.a["sessions"],
	}
	c, err := s.e.createCase(ctx, s.actor(), facts)
	if err != nil {
		return nil, err
	}
	s.c = c
	home, recv := s.e.schoolName(ctx, c.HomeURN), s.e.schoolName(ctx, c.ReceivingURN)
	join := fmt.Sprintf("link %s parent gives you a join link for the family", c.Ref)
	if c.Adult(offsitebot.DateOf(now)) {
		join = fmt.Sprintf("link %s pupil gives you a join link for the pupil, link %s parent one for a parent", c.Ref, c.Ref)
	}
	text := fmt.Sprintf("Opened %s for %s (%s → %s), starting %s.\n"+
		"The written notice to %s (due 2 school days before the first day) %s; when it has gone, type notice %s given. It must state: %s.\n"+
		"Next: %s; link %s receiving one for the receiving school's contact.",
		c.Ref, c.Pupil, home, recv, c.Start.Short(), relevant(c, now), noticeDue(c, s.e.Calendar, now), c.Ref, noticeContents, join, c.Ref)
	if c.Adult(offsitebot.DateOf(now)) {
		text += "\nThe pupil is 18 or over, so the notice, invitations and decisions go to them, and to linked parents as well; they may use offsitebot themselves and request reviews."
	}
	if c.EHCP {
		text += "\nThe pupil has an EHC plan: the local authority must get the written notice too."
	}
	r := bot.Reply{Text: text, Sensitive: true, Case: c.Ref}
	if earliest := offsitebot.EarliestStart(c, now, s.e.Calendar); earliest > c.Start {
		r.Text += fmt.Sprintf("\nGiven today, the notice allows a first day of %s at the earliest. To move the start: edit %s start=%s", earliest.Short(), c.Ref, earliest)
		r.Buttons = [][]bot.Button{{{Label: "Start on " + earliest.Short(), Data: fmt.Sprintf("/edit %s start=%s", c.Ref, earliest)}}}
	}
	return []bot.Reply{r}, nil
}

// noticeDue says when the written notice is due (rule 9), by the home
// school's calendar, or that it is late.
func noticeDue(c *offsitebot.Case, cal offsitebot.Calendar, now time.Time) string {
	deadline := offsitebot.NoticeDeadline(c.Start, cal.For(c.HomeURN))
	if deadline < offsitebot.DateOf(now) {
		return fmt.Sprintf("was due by %s, so it is late: send it today", deadline.Short())
	}
	return fmt.Sprintf("is due by %s", deadline.Short())
}

// noticeContents is what the written notice must state.
const noticeContents = "the reasons for the direction, the first day and the agreed maximum period or end date, the objectives, the receiving school's address, whom the pupil reports to on arrival, the session times (start, end and break times), and how the direction will be reviewed"

// createCase opens a case with the facts given and stores it under a fresh
// reference, retrying the rare clash.
func (e *Engine) createCase(ctx context.Context, a offsitebot.Actor, facts offsitebot.Case) (*offsitebot.Case, error) {
	var clash error
	for range 5 {
		c, err := offsitebot.Open(a, facts)
		if err != nil {
			return nil, err
		}
		switch err := e.Store.CreateCase(ctx, c); {
		case err == nil:
			return c, nil
		case offsitebot.ErrorCode(err) != offsitebot.EConflict:
			return nil, err
		default:
			clash = err
		}
	}
	return nil, clash
}

// editFlow corrects facts of a case: edit OSD-… start=7/12/2026 ehcp=yes.
// Given without new values, it asks which facts to correct, then each one.
func editFlow() *flow {
	steps := []step{refStep(), editWhat()}
	for _, st := range factSteps() {
		if !st.confirm {
			key, ask := st.key, st.ask
			st.when = func(s *session) bool { return slices.Contains(strings.Fields(s.a["fields"]), key) }
			st.ask = func(ctx context.Context, s *session) (string, []bot.Button) {
				q, bs := ask(ctx, s)
				return fmt.Sprintf("%s (now: %s)", q, s.e.factText(ctx, key, s.c.Fact(key))), bs
			}
		}
		steps = append(steps, st)
	}
	return &flow{
		name: "edit", title: "Correct a case", doing: "correcting a case", action: offsitebot.ActEdit,
		steps: steps, joinLoose: true,
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			var keys []string
			for _, k := range offsitebot.Facts {
				if a.has(k) {
					keys = append(keys, k)
				}
			}
			for _, x := range w {
				keys = append(keys, x.s)
			}
			if len(keys) > 0 {
				a["fields"] = strings.Join(keys, " ")
			}
		},
		done: doneEdit,
	}
}

// editWhat asks which facts to correct: their names, or key=value pairs.
func editWhat() step {
	var names []string
	for _, st := range factSteps() {
		if !st.confirm {
			names = append(names, st.key, strings.ToLower(phrase(st.label)))
		}
	}
	return step{
		key: "fields", label: "What to correct", kind: bot.FieldText, free: true, keywords: names,
		ask: func(_ context.Context, s *session) (string, []bot.Button) {
			var bs []bot.Button
			for _, st := range factSteps() {
				if !st.confirm {
					bs = append(bs, bot.Button{Label: capital(phrase(st.label)), Data: st.key})
				}
			}
			return fmt.Sprintf("What needs correcting in %s? Choose one, or type the names of several (for example start ehcp), or give them with their new values (start=7/12/2026 ehcp=yes).", s.ref()), bs
		},
		check: func(ctx context.Context, s *session, v string) (string, error) {
			var keys, unused []string
			for _, w := range bot.Split(v) {
				k, val, given := strings.Cut(w, "=")
				k = factKey(k)
				st, ok := s.f.step(k)
				switch {
				case !ok || st.confirm || k == "ref" || k == "fields":
					unused = append(unused, w)
					continue
				case given:
					if err := s.answer(ctx, st, val); err != nil {
						return "", err
					}
				}
				keys = append(keys, k)
			}
			var names []string
			for _, k := range offsitebot.Facts {
				names = append(names, k)
			}
			if len(unused) > 0 {
				s.notes = append(s.notes, fmt.Sprintf("I didn't use %q: I can correct %s; give new values as key=value, with quotes around values with spaces.", strings.Join(unused, " "), strings.Join(names, ", ")))
			}
			if len(keys) == 0 {
				return "", offsitebot.Errorf(offsitebot.EInvalid, "Which facts need correcting? I can correct %s.", strings.Join(names, ", "))
			}
			return strings.Join(keys, " "), nil
		},
	}
}

// factKey reads the name of a fact as a key or as its question's label ("first day").
func factKey(w string) string {
	w = strings.ToLower(strings.TrimSpace(w))
	for _, st := range factSteps() {
		if w == st.key || w == strings.ToLower(phrase(st.label)) {
			return st.key
		}
	}
	return w
}

func doneEdit(ctx context.Context, s *session) ([]bot.Reply, error) {
	to := map[string]string{}
	for _, k := range strings.Fields(s.a["fields"]) {
		if v, ok := s.a[k]; ok {
			to[k] = v
		}
	}
	was := s.c
	c, _, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
		return c.Edit(s.actor(), to)
	})
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, k := range offsitebot.Facts {
		if old, now := was.Fact(k), c.Fact(k); old != now {
			st, _ := s.f.step(k)
			changed = append(changed, fmt.Sprintf("%s %s → %s", phrase(st.label), s.e.factText(ctx, k, old), s.e.factText(ctx, k, now)))
		}
	}
	lines := []string{fmt.Sprintf("Corrected %s: %s. The audit trail keeps the old and new values.", c.Ref, strings.Join(changed, "; "))}
	if was.Start != c.Start && c.NoticeGiven.IsZero() {
		lines = append(lines, fmt.Sprintf("The written notice to %s %s.", relevant(c, s.now()), noticeDue(c, s.e.Calendar, s.now())))
	}
	if !was.EHCP && c.EHCP {
		lines = append(lines, "With an EHC plan, the local authority may now request a review meeting too.")
	}
	if was.HomeURN != c.HomeURN {
		lines = append(lines, fmt.Sprintf("The case is now %s's: its staff see it and get its reminders.", s.e.schoolName(ctx, c.HomeURN)))
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n"), Case: c.Ref, Sensitive: true}}, nil
}

// voidFlow withdraws a case opened by mistake: void OSD-… reason.
func voidFlow() *flow {
	reason := textStep("reason", "Why", "Why is the case withdrawn? (for example: opened by mistake, a duplicate of another case)", false)
	confirm := choiceStep("confirm", "Withdraw it?", "", yesNo...)
	confirm.ask = func(_ context.Context, s *session) (string, []bot.Button) {
		return fmt.Sprintf("Withdraw %s (%s, opened %s) because: %s? It leaves every list and reminder; its record stays in the audit trail and the export. (yes/no)",
				s.c.Ref, s.c.Pupil, offsitebot.DateOf(s.c.Opened).Short(), s.a["reason"]),
			[]bot.Button{{Label: "Yes, withdraw it", Data: "yes", Confirm: fmt.Sprintf("Withdraw %s? It can't be undone; its record stays.", s.c.Ref)}, {Label: "No", Data: "no"}}
	}
	return &flow{
		name: "void", title: "Withdraw a case", doing: "withdrawing a case", action: offsitebot.ActEdit,
		steps: []step{refStep(), reason, confirm},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 {
				a["reason"] = w.text()
			}
		},
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			if s.a["confirm"] != "yes" {
				return []bot.Reply{{Text: fmt.Sprintf("OK, %s stays as it is; nothing was changed.", s.c.Ref)}}, nil
			}
			c, _, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
				return c.Void(s.actor(), s.a["reason"])
			})
			if err != nil {
				return nil, err
			}
			return []bot.Reply{{Text: fmt.Sprintf("%s is withdrawn: %s. It no longer shows in cases, due or reminders; export %s still gives its record.", c.Ref, c.VoidReason, c.Ref), Case: c.Ref}}, nil
		},
	}
}

// void checks a case can be withdrawn at all before asking why, so nobody
// explains a withdrawal that cannot happen.
func (e *Engine) void(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Case != nil {
		if _, err := c.Case.Clone().Void(actor(c), "checking"); err != nil {
			return nil, err
		}
	}
	return e.start(ctx, c, e.flows["void"])
}
