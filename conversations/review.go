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

var modes = []choice{
	{value: offsitebot.InPerson, label: "in person", also: []string{"inperson", "face-to-face", "f2f", "person"}},
	{value: offsitebot.Online, label: "online", also: []string{"video", "teams", "zoom", "remote"}},
}

// meetingAt is the instant of the meeting being scheduled.
func (s *session) meetingAt() time.Time {
	h, m, _ := offsitebot.ParseClock(s.a["time"])
	return offsitebot.Date(s.a["date"]).At(h, m)
}

// whenSteps ask when a meeting is (to schedule or move it): the day, the
// time, and whether to keep a day the school is closed or a date under 6
// days' notice (rule 5).
func whenSteps(verb string) (date, tm, offDay, confirm step) {
	date = dateStep("date", "Date", "Which day is the meeting?", notPast, false)
	tm = timeStep("time", "Time", "What time? (for example 15:30 or 3.30pm)")
	tm.check = func(_ context.Context, s *session, v string) (string, error) {
		h, m, err := offsitebot.ParseClock(v)
		if err != nil {
			return "", err
		}
		if d := offsitebot.Date(s.a["date"]); !d.IsZero() && !d.At(h, m).After(s.now()) {
			return "", &redo{msg: fmt.Sprintf("%s at %02d:%02d has already passed. Please give a date and time still to come.", d.Short(), h, m), keys: []string{"date"}}
		}
		return fmt.Sprintf("%02d:%02d", h, m), nil
	}
	short := func(s *session) bool {
		if !s.a.has("date") || !s.a.has("time") {
			return false
		}
		_, sh := offsitebot.ShortNotice(s.meetingAt(), s.now())
		return sh
	}
	confirm = confirmDate("confirm", capital(verb)+" under 6 days' notice?", short, func(s *session) string {
		days, _ := offsitebot.ShortNotice(s.meetingAt(), s.now())
		d := offsitebot.Date(s.a["date"])
		away := plural(days, "day", "days") + " away"
		if days == 0 {
			away = "today"
		}
		who := "The parents"
		if s.c != nil {
			who = capital(relevant(s.c, s.now()))
		}
		return fmt.Sprintf("⚠ That meeting is %s. %s should be invited at least %d days before a review meeting (for %s, by %s). %s it anyway? (yes/no)",
			away, who, offsitebot.InvitationNoticeDays, d.Short(), offsitebot.InvitationDeadline(d).Short(), capital(verb))
	}, "date", "time")
	offDay = confirmDate("schoolday", capital(verb)+" on a day the school is closed?", func(s *session) bool {
		return s.a.has("date") && s.e.Calendar.NotSchoolDay(offsitebot.Date(s.a["date"])) != ""
	}, func(s *session) string {
		d := offsitebot.Date(s.a["date"])
		return fmt.Sprintf("⚠ %s is not a school day (%s). %s the meeting then anyway? (yes/no)", d.Short(), s.e.Calendar.NotSchoolDay(d), capital(verb))
	}, "date", "time", "confirm")
	return date, tm, offDay, confirm
}

func scheduleFlow() *flow {
	date, tm, offDay, confirm := whenSteps("schedule")
	return &flow{
		name: "review-schedule", title: "Schedule a review meeting", doing: "scheduling a review meeting", submit: "Schedule", action: offsitebot.ActReview, form: true,
		steps: []step{
			refStep(),
			date,
			tm,
			choiceStep("mode", "In person or online", "In person or online?", modes...),
			textStep("place", "Place (optional)", "Where? (a room or a link, or skip)", true),
			offDay, confirm,
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 && strings.EqualFold(w[0].s, "schedule") {
				w = w[1:]
			}
			date, clock, w := splitWhen(w, func(x string) bool { return matchChoice(modes, x) })
			if date != "" {
				a["date"] = date
			}
			if clock != "" {
				a["time"] = clock
			}
			if len(w) > 0 {
				a["mode"], w = w[0].s, w[1:]
			}
			if len(w) > 0 {
				a["place"] = w.text()
			}
		},
		done: doneSchedule,
	}
}

func doneSchedule(ctx context.Context, s *session) ([]bot.Reply, error) {
	at := s.meetingAt()
	var m offsitebot.Meeting
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		m, ch, err = c.ScheduleMeeting(s.actor(), at, s.a["mode"], s.a["place"])
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	invited := s.e.notify.tellTo(ctx, c, ch.Notices)
	lines := []string{fmt.Sprintf("Review meeting %s for %s scheduled: %s, %s.", m.ID, c.Ref, when(m), where(m))}
	if len(invited) > 0 {
		lines = append(lines, "Invitation sent now to "+whoOf(c, invited, s.now())+".")
	}
	if !toldNamed(c, invited, s.now()) {
		lines = append(lines, inviteYourself(s.e.reread(ctx, c), m, s.now()))
	}
	if m.Mode == offsitebot.Online && m.Place == "" {
		lines = append(lines, fmt.Sprintf("No link given, so the invitation says it will follow. Send it to those invited with: review %s place %s https://…", c.Ref, m.ID))
	}
	if h := at.In(offsitebot.London).Hour(); h < 7 || h >= 19 {
		lines = append(lines, "Note: that is outside usual hours; check it suits "+relevant(c, s.now())+".")
	}
	if due := offsitebot.ReviewDue(c, s.now()); due.Valid() && m.Date() > due && countLater(c, m) == 0 {
		lines = append(lines, fmt.Sprintf("Note: the review was due by %s; this meeting is later than that.", due.Short()))
	}
	if !offsitebot.FaceToFace(c) {
		lines = append(lines, "Note: no review has been face to face yet; at least one should be.")
	}
	if n := countAnswered(c, m.ID); n > 0 {
		lines = append(lines, fmt.Sprintf("This answers %s; a request stays open until its meeting is held.", plural(n, "open review request", "open review requests")))
	}
	for _, r := range c.Requests {
		if by := offsitebot.RequestDeadline(c, r, s.e.Calendar, s.e.Settings); r.Answered == m.ID && r.DutyApplies && m.Date() > by {
			lines = append(lines, fmt.Sprintf("Note: review request %s came on %s; a meeting held by %s (%d school days after it) counts as soon as reasonably practicable. %s is later, so it will be on the record as not as soon as reasonably practicable.",
				r.ID, offsitebot.DateOf(r.At).Short(), by.Short(), s.e.Settings.RequestMeetingSchoolDays, m.Date().Short()))
		}
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n"), Case: c.Ref}}, nil
}

// inviteYourself tells staff to invite those the regulations name for c to
// m themselves, when offsitebot could not: how, by when, and how to record it.
func inviteYourself(c *offsitebot.Case, m offsitebot.Meeting, now time.Time) string {
	by := "by " + offsitebot.InvitationDeadline(m.Date()).Short() + " (6 days before)"
	if m.ShortNotice {
		by = "today"
	}
	record := fmt.Sprintf("review %s invited %s letter", c.Ref, m.ID)
	if linked, _ := c.NamedReach(offsitebot.DateOf(now)); linked {
		return fmt.Sprintf("%s: please invite %s another way %s, then record it: %s.", capital(unreached(c, now)), relevant(c, now), by, record)
	}
	link := "parent"
	if c.Adult(offsitebot.DateOf(now)) {
		link = "pupil"
	}
	return fmt.Sprintf("%s: please invite %s yourself %s, then record it: %s. To reach them here next time: link %s %s makes a join link.", capital(unreached(c, now)), relevant(c, now), by, record, c.Ref, link)
}

// countRole counts the recipients of role.
func countRole(rs []recipient, role offsitebot.Role) int {
	n := 0
	for _, r := range rs {
		if r.Role == role {
			n++
		}
	}
	return n
}

// whoOf says who the people ids linked to c are, by kind of person, at t:
// "1 linked parent and 1 receiving-school contact"; the pupil comes first
// once 18, as the one the regulations name.
func whoOf(c *offsitebot.Case, rs []recipient, t time.Time) string {
	n := map[offsitebot.Role]int{}
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.ID] {
			seen[r.ID] = true
			n[r.Role]++
		}
	}
	type kind struct {
		role      offsitebot.Role
		one, many string
	}
	parent, pupil := kind{offsitebot.RoleParent, "linked parent", "linked parents"}, kind{offsitebot.RolePupil, "the pupil", "the pupil"}
	family := []kind{parent, pupil}
	if c.Adult(offsitebot.DateOf(t)) {
		family = []kind{pupil, parent}
	}
	var parts []string
	for _, k := range append(family,
		kind{offsitebot.RoleReceiving, "receiving-school contact", "receiving-school contacts"}, kind{offsitebot.RoleLA, "LA officer", "LA officers"}) {
		switch {
		case n[k.role] == 0:
		case k.role == offsitebot.RolePupil:
			parts = append(parts, k.one)
		default:
			parts = append(parts, plural(n[k.role], k.one, k.many))
		}
	}
	if len(parts) > 1 {
		return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return strings.Join(parts, "")
}

// moveFlow is `review OSD-… move M2 DATE TIME [place]`: a meeting still to
// come gets a new time (and place), under the same 6-day rule as a new one;
// those invited are told once.
func moveFlow() *flow {
	date, tm, offDay, confirm := whenSteps("move")
	meeting := step{
		key: "meeting", label: "Meeting", kind: bot.FieldText,
		ask: func(_ context.Context, s *session) (string, []bot.Button) {
			var bs []bot.Button
			for _, m := range s.c.Meetings {
				if !m.Held() && !m.Cancelled && m.At.After(s.now()) {
					bs = append(bs, bot.Button{Label: m.ID + " " + when(m), Data: m.ID})
				}
			}
			return "Which meeting?", bs
		},
		check: func(_ context.Context, s *session, v string) (string, error) {
			id, err := meetingArg(s.c, []string{v}, func(m offsitebot.Meeting) bool { return !m.Held() && !m.Cancelled && m.At.After(s.now()) })
			if err != nil {
				return "", err
			}
			if m, _ := s.c.Meeting(id); m.Held() || m.Cancelled || !m.At.After(s.now()) {
				return "", offsitebot.Errorf(offsitebot.EInvalid, "%s was already held or cancelled, so it can't move. To book another: review %s schedule DATE HH:MM in-person", id, s.c.Ref)
			}
			return id, nil
		},
	}
	date.ask = fixed("Which day does it move to?")
	return &flow{
		name: "review-move", title: "Move a review meeting", doing: "moving a review meeting", submit: "Move", action: offsitebot.ActReview, form: true,
		steps: []step{
			refStep(), meeting, date, tm,
			textStep("place", "New place (optional)", "Where, now? (a room or a link, or skip to keep it)", true),
			offDay, confirm,
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 && strings.EqualFold(w[0].s, "move") {
				w = w[1:]
			}
			if len(w) > 0 && meetingID(w[0].s) {
				a["meeting"], w = w[0].s, w[1:]
			}
			date, clock, w := splitWhen(w, func(string) bool { return false })
			if date != "" {
				a["date"] = date
			}
			if clock != "" {
				a["time"] = clock
			}
			if len(w) > 0 {
				a["place"] = w.text()
			}
		},
		done: doneMove,
	}
}

func doneMove(ctx context.Context, s *session) ([]bot.Reply, error) {
	var m offsitebot.Meeting
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		m, ch, err = c.MoveMeeting(s.actor(), s.a["meeting"], s.meetingAt(), s.a["place"])
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	told := s.e.notify.tell(ctx, c, ch.Notices)
	return text(fmt.Sprintf("Review meeting %s for %s moved to %s, %s; %s told, and their answers asked again.", m.ID, c.Ref, when(m), where(m), plural(told, "person invited", "people invited"))), nil
}

// place is `review OSD-… place M2 ROOM|LINK`: a meeting's place, or the link
// of an online meeting, given after it was scheduled; those invited are told.
func (e *Engine) place(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	var rest []string
	for i, a := range c.Args {
		if strings.EqualFold(a, "place") {
			rest = c.Args[i+1:]
		}
	}
	if len(rest) > 0 && meetingID(rest[0]) {
		rest = rest[1:]
	}
	var m offsitebot.Meeting
	k, ch, err := e.change(ctx, c.Case, func(k *offsitebot.Case) (ch offsitebot.Change, err error) {
		mid, err := meetingArg(k, c.Args, func(m offsitebot.Meeting) bool { return !m.Held() && !m.Cancelled && m.At.After(c.Now) })
		if err != nil {
			return ch, err
		}
		m, ch, err = k.SetPlace(actor(c), mid, strings.Join(rest, " "))
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	told := e.notify.tell(ctx, k, ch.Notices)
	return text(fmt.Sprintf("Review meeting %s for %s is now %s; %s told.", m.ID, k.Ref, meetingPlace(m), plural(told, "person invited", "people invited"))), nil
}

// confirmDate asks, when it applies, whether to keep a date that breaks a
// rule; "no" clears redoKeys and asks for them again.
func confirmDate(key, label string, when func(*session) bool, q func(*session) string, redoKeys ...string) step {
	return confirmStep(key, label, when, q, "Yes, schedule it", "No, pick another date", "OK, let's pick another date.", redoKeys...)
}

// countLater counts the other live meetings before m: if there is one, m is not the next review.
func countLater(c *offsitebot.Case, m offsitebot.Meeting) int {
	n := 0
	for _, o := range c.Meetings {
		if o.ID != m.ID && !o.Cancelled && !o.Held() && o.At.Before(m.At) {
			n++
		}
	}
	return n
}

func countAnswered(c *offsitebot.Case, mid string) int {
	n := 0
	for _, r := range c.Requests {
		if r.Answered == mid {
			n++
		}
	}
	return n
}

func when(m offsitebot.Meeting) string {
	return m.At.In(offsitebot.London).Format("Mon 2 Jan 15:04")
}

func where(m offsitebot.Meeting) string { return m.Where() }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

var decisions = []choice{
	{value: offsitebot.DecisionContinue, label: "continue"},
	{value: offsitebot.DecisionReintegrate, label: "reintegrate", also: []string{"reintegration", "return"}},
	{value: offsitebot.DecisionManagedMove, label: "managed move", also: []string{"managed-move", "move"}},
	{value: offsitebot.DecisionSEMH, label: "SEMH base/centre", also: []string{"semh base", "semh centre"}},
	{value: offsitebot.DecisionOther, label: "other"},
}

// pendingMeeting is the meeting whose outcome is to be recorded: the latest one
// not yet held that has begun.
func pendingMeeting(c *offsitebot.Case, now time.Time) (offsitebot.Meeting, bool) {
	for i := len(c.Meetings) - 1; i >= 0; i-- {
		m := c.Meetings[i]
		if !m.Held() && !m.Cancelled && !m.At.After(now) {
			return m, true
		}
	}
	return offsitebot.Meeting{}, false
}

func outcomeFlow() *flow {
	meeting := step{
		key: "meeting", label: "Meeting", kind: bot.FieldText,
		ask: func(_ context.Context, s *session) (string, []bot.Button) {
			if s.c != nil {
				for _, m := range s.c.Meetings {
					if !m.Held() && !m.Cancelled {
						return fmt.Sprintf("No review meeting of %s has taken place yet to record: %s is on %s. Record its outcome once it has been held (type cancel for now).", s.c.Ref, m.ID, when(m)), nil
					}
				}
				if s.c != nil && len(s.c.Meetings) > 0 {
					return "Which meeting? (e.g. M2; type cancel if none)", nil
				}
				return fmt.Sprintf("%s has no review meeting scheduled to record. Schedule one with: review %s schedule DATE HH:MM in-person (type cancel for now).", s.c.Ref, s.c.Ref), nil
			}
			return "Which meeting? (e.g. M2)", nil
		},
		prefill: func(_ context.Context, s *session) (string, bool) {
			if s.c == nil {
				return "", false
			}
			m, ok := pendingMeeting(s.c, s.now())
			return m.ID, ok
		},
		check: func(_ context.Context, s *session, v string) (string, error) {
			v = strings.ToUpper(v)
			for _, m := range s.c.Meetings {
				if m.ID == v {
					switch {
					case m.At.After(s.now()):
						return "", offsitebot.Errorf(offsitebot.EInvalid, "Meeting %s is on %s, still to come: record its outcome once it has taken place.", v, when(m))
					case m.Cancelled:
						return "", offsitebot.Errorf(offsitebot.EInvalid, "Meeting %s was cancelled.", v)
					case m.Held():
						// A correction: the answers recorded stand unless given anew.
						for _, k := range offsitebot.OutcomeAnswers {
							if !s.a.has(k) {
								s.set(k, m.Outcome.Answer(k))
							}
						}
					}
					return v, nil
				}
			}
			return "", offsitebot.Errorf(offsitebot.EInvalid, "%s has no meeting %s. Type show %s to see its meetings.", s.c.Ref, v, s.c.Ref)
		},
	}
	cont := func(s *session) bool { return s.a["decision"] == offsitebot.DecisionContinue }
	until := dateStep("until", "Continue until", "Continue until when?", notPast, false)
	until.when = cont
	next := dateStep("next", "Next review meeting", "When is the next review meeting?", notPast, false)
	next.when = cont
	nextAsk := next.ask
	next.ask = func(ctx context.Context, s *session) (string, []bot.Button) {
		q, bs := nextAsk(ctx, s)
		if m, ok := s.meeting(); ok {
			q = fmt.Sprintf("When is the next review meeting? Reviews are fortnightly, so by %s.%s", m.Date().AddDays(offsitebot.ReviewIntervalDays).Short(), strings.TrimPrefix(q, "When is the next review meeting?"))
		}
		return q, bs
	}
	nextCheck := next.check
	next.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := nextCheck(ctx, s, v)
		if err != nil || s.c == nil {
			return v, err
		}
		for _, m := range s.c.Meetings {
			if m.ID == s.a["meeting"] && offsitebot.Date(v) <= m.Date() {
				return "", offsitebot.Errorf(offsitebot.EInvalid, "The next meeting must come after this one (%s).", m.Date().Short())
			}
		}
		if why := s.e.Calendar.NotSchoolDay(offsitebot.Date(v)); why != "" {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "%s is not a school day (%s). Please give a school day for the next meeting.", offsitebot.Date(v).Short(), why)
		}
		return v, nil
	}
	plan := textStep("plan", "Reintegration or onward plan", "The direction is to end: what is the plan for reintegration or the onward pathway (who does what, from when)?", false)
	plan.when = func(s *session) bool { d := s.a["decision"]; return d != "" && d != offsitebot.DecisionContinue }
	voice := textStep("voice", "Pupil's and family's voice", "", false)
	voice.ask = func(_ context.Context, s *session) (string, []bot.Button) {
		fb := latestFeedback(s.c)
		if fb == "" {
			return "What did the pupil and their family say (their voice)?", nil
		}
		return "What did the pupil and their family say? Before the meeting they told us:\n" + fb + "\nType ok to use that, or write what was said.", []bot.Button{{Label: "Use that", Data: "ok"}}
	}
	voice.check = func(_ context.Context, s *session, v string) (string, error) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "ok", "keep", "yes", "use", "use that", "same":
			if fb := latestFeedback(s.c); fb != "" {
				return fb, nil
			}
		}
		return checkLength(v)
	}
	return &flow{
		name: "review-outcome", title: "Record a review outcome", doing: "recording a review outcome", submit: "Record", action: offsitebot.ActReview, form: true,
		steps: []step{
			refStep(), meeting,
			choiceStep("met", "Objectives being met?", "Are the objectives being met? (yes/partly/no)", plain("yes", "partly", "no")...),
			textStep("successes", "Successes", "What has gone well (successes)?", false),
			voice,
			textStep("concerns", "Concerns and support", "Concerns, and any support needed?", false),
			textStep("interventions", "Interventions and strategies", "Interventions and strategies shared by the home school?", false),
			choiceStep("decision", "Decision", "What was decided? (continue, reintegrate, managed move, SEMH base/centre, other)", decisions...),
			until, next, nextConfirm(), plan,
			textStep("attended", "Who attended", "Who attended?", false),
			summaryStep("send", outcomeYes, outcomeSummary, offsitebot.OutcomeAnswers, map[string][]string{
				"decision": {"until", "next", "nextok", "plan"},
				"next":     {"nextok"},
			}),
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 && strings.EqualFold(w[0].s, "outcome") {
				w = w[1:]
			}
			if len(w) > 0 {
				a["meeting"] = w[0].s
			}
		},
		done: doneOutcome,
	}
}

// meeting is the meeting whose outcome is being recorded, once known.
func (s *session) meeting() (offsitebot.Meeting, bool) {
	if s.c == nil {
		return offsitebot.Meeting{}, false
	}
	return s.c.Meeting(s.a["meeting"])
}

// outcome is the outcome given so far; a decision other than to continue
// has no dates.
func (s *session) outcome() offsitebot.ReviewOutcome {
	out := offsitebot.ReviewOutcome{
		Met: s.a["met"], Successes: s.a["successes"], Voice: s.a["voice"], Concerns: s.a["concerns"],
		Interventions: s.a["interventions"], Decision: s.a["decision"], Attended: s.a["attended"],
	}
	if out.Decision == offsitebot.DecisionContinue {
		out.Until, out.Next = offsitebot.Date(s.a["until"]), offsitebot.Date(s.a["next"])
	} else {
		out.Plan = s.a["plan"]
	}
	return out
}

// nextConfirm asks, before anyone is told, to confirm a next meeting more
// than a fortnight after this one (rule 4). A correction that leaves the
// next meeting as recorded is not asked again.
func nextConfirm() step {
	gap := func(s *session) (offsitebot.Meeting, int, bool) {
		m, ok := s.meeting()
		if !ok || !s.a.has("next") || s.a["decision"] != offsitebot.DecisionContinue {
			return m, 0, false
		}
		if m.Held() && string(m.Outcome.Next) == s.a["next"] {
			return m, 0, false
		}
		days, far := offsitebot.ReviewGap(m.Date(), offsitebot.Date(s.a["next"]))
		return m, days, far
	}
	return confirmStep("nextok", "Keep a next meeting over a fortnight away?", func(s *session) bool {
		_, _, far := gap(s)
		return far
	}, func(s *session) string {
		m, days, far := gap(s)
		if !far {
			return "Keep a next meeting more than 14 days after this one?"
		}
		next := offsitebot.Date(s.a["next"])
		return fmt.Sprintf("⚠ %s is %d days after this meeting: reviews should be fortnightly, so the next one is due by %s. Keep %s (the family will be told it)?",
			next.Long(), days, m.Date().AddDays(offsitebot.ReviewIntervalDays).Long(), next.Short())
	}, "Yes, keep it", "No, pick another date", "OK, let's have another date for the next meeting.", "next")
}

// outcomeYes is the summary's go-ahead: whether it sends anything.
func outcomeYes(s *session) string {
	if s.outcome().Decision == offsitebot.DecisionContinue && len(reachableFamily(s.c)) > 0 {
		return "Yes, record and send"
	}
	return "Yes, record it"
}

// outcomeSummary is what guided review … outcome says before it records the
// outcome: the answers, and what the family will be told.
func outcomeSummary(ctx context.Context, s *session) string {
	m, _ := s.meeting()
	out := s.outcome()
	lines := []string{fmt.Sprintf("Please check the outcome of %s (%s) for %s before I record it:", m.ID, m.Date().Short(), s.c.Ref)}
	for _, k := range offsitebot.OutcomeAnswers {
		st, _ := s.f.step(k)
		if v := out.Answer(k); v != "" {
			if d := offsitebot.Date(v); k == "until" || k == "next" {
				v = d.Long()
			} else if k == "decision" {
				v = decisionName(v)
			}
			lines = append(lines, capital(phrase(st.label))+": "+v)
		}
	}
	now := s.now()
	rs := reachableFamily(s.c)
	ask := "Record it?"
	if len(rs) > 0 {
		role := rs[0].Role // shown as the one the law names reads it
		for _, r := range rs {
			if s.c.Named(r.Role, offsitebot.DateOf(now)) {
				role = r.Role
				break
			}
		}
		told := m
		told.Outcome = &out
		sc := schools{s.e.schoolOf(ctx, s.c.HomeURN), s.e.schoolOf(ctx, s.c.ReceivingURN)}
		msg := decision(s.c, told, sc, role, offsitebot.DateOf(now)).Text
		lines, ask = append(lines, capital(whoOf(s.c, rs, now))+" will be told now:", "“"+msg+"”"), "Send it?"
	}
	if !toldNamed(s.c, rs, now) {
		tell := fmt.Sprintf("please tell %s yourself", relevant(s.c, now))
		if out.Decision == offsitebot.DecisionContinue {
			tell = fmt.Sprintf("the decision must reach %s another way by %s", relevant(s.c, now), offsitebot.ContinuationDeadline(m.Date()).Short())
		}
		lines = append(lines, fmt.Sprintf("%s, so %s.", capital(unreached(s.c, now)), tell))
	}
	return strings.Join(append(lines, ask), "\n")
}

// reachableFamily are the family members linked to c whom offsitebot can
// still reach: those an outcome's decision will go to.
func reachableFamily(c *offsitebot.Case) []recipient {
	var rs []recipient
	for _, p := range c.Parents() {
		if !p.Unreachable {
			rs = append(rs, recipient{ID: p.ID, Role: p.Role})
		}
	}
	return rs
}

// latestFeedback is the family's voice given since the last held meeting.
func latestFeedback(c *offsitebot.Case) string {
	if c == nil {
		return ""
	}
	var since time.Time
	for _, m := range c.Meetings {
		if m.Held() && m.At.After(since) {
			since = m.At
		}
	}
	var parts []string
	for _, f := range c.Feedback {
		if f.At.After(since) {
			p := fmt.Sprintf("Pupil: %s / Family: %s", f.Pupil, f.Family)
			if f.Rating > 0 {
				p += fmt.Sprintf(" (how it's going: %d/5)", f.Rating)
			}
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "\n")
}

func doneOutcome(ctx context.Context, s *session) ([]bot.Reply, error) {
	mid := s.a["meeting"]
	out := s.outcome()
	if m, ok := s.meeting(); ok && m.Held() {
		return doneCorrection(ctx, s, m, out)
	}
	var m offsitebot.Meeting
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		m, ch, err = c.RecordOutcome(s.actor(), mid, out)
		return ch, err
	})
	if offsitebot.ErrorNext(err) == offsitebot.NextShowCase {
		return nil, offsitebot.Errorf(offsitebot.ErrorCode(err), "%s Type show %s to see it.", offsitebot.ErrorMessage(err), s.c.Ref)
	}
	if err != nil {
		return nil, err
	}
	told := s.e.notify.tellTo(ctx, c, ch.Notices)
	b := card{r: bot.Reply{Case: c.Ref}}
	b.head(fmt.Sprintf("Outcome of %s recorded for %s: %s.", mid, c.Ref, decisionName(out.Decision)),
		fmt.Sprintf("Outcome of %s recorded for %s", mid, c.Ref), bot.Fact{Label: "Decision", Value: decisionName(out.Decision)})
	said := func(line string) { b.line(line, bot.Fact{Value: line}) }
	if by := offsitebot.InvitationDeadline(m.Date()); !c.NamedInvited(m, by) {
		said(fmt.Sprintf("%s not invited to %s: they should have been by %s (6 days before). That stays on the case's record.", capital(toldWho(c, by.Time())), mid, by.Short()))
	}
	if la := countRole(told, offsitebot.RoleLA); la > 0 {
		said(fmt.Sprintf("The local authority was sent it too (%s), as the pupil has an EHC plan.", plural(la, "LA officer", "LA officers")))
	}
	if out.Decision == offsitebot.DecisionContinue {
		deadline := offsitebot.ContinuationDeadline(m.Date())
		if today := offsitebot.DateOf(s.now()); today > deadline {
			said(fmt.Sprintf("The deadline to tell %s of the decision to continue passed on %s (6 days after the meeting): it is told now, late, and that stays on the case's record.", relevant(c, s.now()), deadline.Short()))
		}
		if len(told) > 0 {
			said(fmt.Sprintf("The decision to continue was sent to %s now (it must reach them by %s).", whoOf(c, told, s.now()), deadline.Short()))
		}
		if !toldNamed(c, told, s.now()) {
			said(fmt.Sprintf("%s, so the decision to continue must reach %s another way by %s (6 days after the meeting); then record it: review %s told %s letter. I'll remind you.",
				capital(unreached(s.e.reread(ctx, c), s.now())), relevant(c, s.now()), deadline.Short(), c.Ref, mid))
		}
		b.note(fmt.Sprintf("Schedule the next meeting with: review %s schedule %s HH:MM in-person", c.Ref, out.Next))
		b.r.Buttons = [][]bot.Button{{{Label: "Schedule the next meeting", Data: fmt.Sprintf("/review %s schedule %s", c.Ref, out.Next)}}}
	} else {
		if slices.ContainsFunc(told, func(r recipient) bool { return r.Role != offsitebot.RoleLA }) {
			said(fmt.Sprintf("The decision was sent to %s now.", whoOf(c, told, s.now())))
		}
		b.note(fmt.Sprintf("When the pupil leaves the direction, type: end %s %s", c.Ref, endFor(out.Decision)))
		b.r.Buttons = [][]bot.Button{{{Label: "End the direction", Data: fmt.Sprintf("/end %s %s", c.Ref, endFor(out.Decision))}}}
	}
	return []bot.Reply{b.reply()}, nil
}

// doneCorrection changes answers of an outcome already recorded, and tells
// the family what changed of what they were told.
func doneCorrection(ctx context.Context, s *session, m offsitebot.Meeting, out offsitebot.ReviewOutcome) ([]bot.Reply, error) {
	var changed []string
	for _, k := range offsitebot.OutcomeAnswers {
		if old, now := m.Outcome.Answer(k), out.Answer(k); old != now {
			st, _ := s.f.step(k)
			changed = append(changed, fmt.Sprintf("%s %s → %s", phrase(st.label), answerText(k, old), answerText(k, now)))
		}
	}
	if len(changed) == 0 {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "The outcome of %s is already recorded. To change an answer, give it anew, for example: review %s outcome %s attended=\"…\"", m.ID, s.c.Ref, m.ID)
	}
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		_, ch, err = c.CorrectOutcome(s.actor(), m.ID, out)
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	told := s.e.notify.tellTo(ctx, c, ch.Notices)
	lines := []string{fmt.Sprintf("Outcome of %s corrected for %s: %s. The audit trail keeps the old and new answers.", m.ID, c.Ref, strings.Join(changed, "; "))}
	if len(told) > 0 {
		lines = append(lines, fmt.Sprintf("Told what changed: %s.", whoOf(c, told, s.now())))
	}
	if len(ch.Notices) > 0 && !toldNamed(c, told, s.now()) {
		lines = append(lines, fmt.Sprintf("%s: please tell %s what changed yourself.", capital(unreached(s.e.reread(ctx, c), s.now())), relevant(c, s.now())))
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n"), Case: c.Ref}}, nil
}

// answerText shows an outcome's answer in a sentence.
func answerText(key, v string) string {
	switch {
	case v == "":
		return "none"
	case key == "until" || key == "next":
		return offsitebot.Date(v).Long()
	case key == "decision":
		return decisionName(v)
	}
	return v
}

func decisionName(d string) string {
	for _, c := range decisions {
		if c.value == d {
			return c.label
		}
	}
	return d
}

func endFor(decision string) string {
	switch decision {
	case offsitebot.DecisionReintegrate:
		return offsitebot.OutcomeReintegrated
	case offsitebot.DecisionManagedMove:
		return offsitebot.OutcomeManagedMove
	case offsitebot.DecisionSEMH:
		return offsitebot.OutcomeSEMH
	}
	return offsitebot.OutcomeOther
}
