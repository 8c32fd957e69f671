package conversations

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

func (e *Engine) allFlows() []*flow {
	return []*flow{
		newCaseFlow(), contactFlow(), attendanceFlow(), scheduleFlow(), outcomeFlow(),
		staffRequestFlow(), familyRequestFlow(), linkFlow(), endFlow(), feedbackFlow(),
		answerFlow(), stopFlow(), noticeGivenFlow(),
	}
}

var urnPattern = regexp.MustCompile(`^\d{6}$`)

// schoolStep asks for a school's URN and checks the school is known.
func schoolStep(key, label, q string) step {
	return step{
		key: key, label: label, kind: bot.FieldText, ask: fixed(q),
		check: func(ctx context.Context, s *session, v string) (string, error) {
			if !urnPattern.MatchString(v) {
				return "", offsitebot.Errorf(offsitebot.EInvalid, "%q isn't a URN: a school's URN has 6 digits, e.g. 100001.", v)
			}
			if _, err := s.e.Store.School(ctx, v); err != nil {
				return "", err
			}
			return v, nil
		},
	}
}

func newCaseFlow() *flow {
	home := schoolStep("home", "Home school URN", "Which is the home school? Its 6-digit URN, please.")
	home.prefill = func(_ context.Context, s *session) (string, bool) {
		return s.call.Who.URN, s.call.Who.Role == offsitebot.RoleHome && s.call.Who.URN != ""
	}
	homeCheck := home.check
	home.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := homeCheck(ctx, s, v)
		if err == nil && s.call.Who.Role == offsitebot.RoleHome && v != s.call.Who.URN {
			return "", offsitebot.Errorf(offsitebot.EForbidden, "You can open cases only for your own school (URN %s).", s.call.Who.URN)
		}
		return v, err
	}
	receiving := schoolStep("receiving", "Receiving school URN", "Which school will the pupil attend (the receiving school)? Its 6-digit URN, please.")
	recvCheck := receiving.check
	receiving.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := recvCheck(ctx, s, v)
		if err == nil && v == s.a["home"] {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "The receiving school must be another school than the home school (%s).", v)
		}
		return v, err
	}
	dob := birthStep("dob", "Date of birth", "The pupil's date of birth? (day, month and year, for example 14/3/2012)")
	end := dateStep("end", "End date (optional)", "The agreed end date, if there is one?", anyDate, true)
	endCheck := end.check
	end.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := endCheck(ctx, s, v)
		if err == nil && v <= s.a["start"] {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "The end date must be after the start (%s).", offsitebot.Date(s.a["start"]).Short())
		}
		return v, err
	}
	pupil := textStep("pupil", "Pupil's name", "What is the pupil's full name?", false)
	pupil.kind = bot.FieldText
	return &flow{
		name: "new", title: "Open a case", doing: "opening a case", submit: "Open case", action: offsitebot.ActOpen, form: true,
		steps: []step{
			pupil, dob,
			choiceStep("ehcp", "EHC plan?", "Does the pupil have an EHC plan? (yes/no)", yesNo...),
			home, receiving,
			dateStep("start", "First day", "What is the first day at the receiving school?", anyDate, false),
			end,
			textStep("reasons", "Reasons", "Why is the direction being made? (or skip)", true),
			textStep("objectives", "Objectives", "What should it achieve (the objectives)? (or skip)", true),
			textStep("arrival", "Reports to on arrival", "Whom does the pupil report to on arrival? (or skip)", true),
			textStep("sessions", "Session times", "What are the session times, e.g. 08:40–15:10? (or skip)", true),
		},
		done: doneNewCase,
	}
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
	deadline := offsitebot.NoticeDeadline(c.Start, s.e.Calendar)
	due := fmt.Sprintf("is due by %s", deadline.Short())
	if deadline < offsitebot.DateOf(s.now()) {
		due = fmt.Sprintf("was due by %s, so it is late: send it today", deadline.Short())
	}
	text := fmt.Sprintf("Opened %s for %s (%s → %s), starting %s.\n"+
		"The written notice to the parents (due 2 school days before the first day) %s; when it has gone, type notice %s given. It must state: %s.\n"+
		"Next: link %s parent gives you a join link for the family; link %s receiving one for the receiving school's contact.",
		c.Ref, c.Pupil, home, recv, c.Start.Short(), due, c.Ref, noticeContents, c.Ref, c.Ref)
	if offsitebot.AgeOn(c.DOB, offsitebot.DateOf(now)) >= offsitebot.AdultAge {
		text += fmt.Sprintf("\nThe pupil is 18 or over, so they may use offsitebot themselves and request reviews: link %s pupil.", c.Ref)
	}
	if why := s.e.Calendar.NotSchoolDay(c.Start); why != "" {
		text += fmt.Sprintf("\nNote: the first day, %s, is not a school day (%s).", c.Start.Short(), why)
	}
	return []bot.Reply{{Text: text, Sensitive: true, Case: c.Ref}}, nil
}

// noticeContents is what the written notice to parents must state.
const noticeContents = "the reasons for the direction, the first day and the agreed maximum period or end date, the objectives, the receiving school's address, whom the pupil reports to on arrival, the session times, and how the direction will be reviewed"

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

var contactWith = []choice{
	{value: "receiving", label: "receiving school", also: []string{"receiving school"}},
	{value: "home", label: "home school", also: []string{"home school"}},
	{value: "parent", label: "parent/carer", also: []string{"parents", "carer", "family"}},
	{value: "pupil", label: "pupil"},
	{value: "la", label: "local authority", also: []string{"local authority"}},
	{value: "professional", label: "other professional", also: []string{"other"}},
}

var contactHow = plain(offsitebot.ContactHow...)

func contactFlow() *flow {
	when := step{
		key: "when", label: "When", kind: bot.FieldText,
		prefill: func(_ context.Context, s *session) (string, bool) {
			return s.now().UTC().Format(time.RFC3339), true
		},
		ask: fixed("When was it? (for example today 10:30, yesterday 3pm, tue 9.15 or 1/12/2026 14:00)"),
		check: func(_ context.Context, s *session, v string) (string, error) {
			t, err := time.Parse(time.RFC3339, v) // as a form or a script sends it
			timed := err == nil
			if err != nil {
				if t, timed, err = offsitebot.ParseDateTime(v, s.now(), offsitebot.Back); err != nil {
					return "", err
				}
			}
			d, today := offsitebot.DateOf(t), offsitebot.DateOf(s.now())
			if err := offsitebot.BackSpan.Check(d, today); err != nil {
				return "", err
			}
			switch {
			case !timed && d == today:
				t = s.now()
			case !timed:
				t = d.At(12, 0)
			case t.After(s.now()):
				return "", offsitebot.Errorf(offsitebot.EInvalid, "%s is still to come. Please give when the contact happened.", dayTime(t, s.now()))
			}
			return t.UTC().Format(time.RFC3339), nil
		},
	}
	return &flow{
		name: "contact", title: "Log contact", doing: "logging contact", submit: "Log it", action: offsitebot.ActContact, form: true,
		steps: []step{
			refStep(),
			choiceStep("with", "With", "Who was the contact with?", contactWith...),
			choiceStep("how", "How", "How did it happen?", contactHow...),
			textStep("summary", "Summary", "A short summary, please (what was said or agreed).", false),
			when,
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 && strings.EqualFold(w[0].s, "with") {
				w = w[1:]
			}
			if len(w) > 0 && matchChoice(contactWith, w[0].s) {
				a["with"], w = w[0].s, w[1:]
			}
			if len(w) > 0 && matchChoice(contactHow, w[0].s) {
				a["how"], w = w[0].s, w[1:]
			}
			if len(w) > 0 {
				a["summary"] = w.text()
			}
		},
		done: doneContact,
	}
}

func matchChoice(cs []choice, w string) bool {
	w = strings.ToLower(w)
	return slices.ContainsFunc(cs, func(c choice) bool { return c.matches(w) })
}

func doneContact(ctx context.Context, s *session) ([]bot.Reply, error) {
	at, _ := time.Parse(time.RFC3339, s.a["when"])
	ct := offsitebot.Contact{At: at, With: s.a["with"], How: s.a["how"], Summary: s.a["summary"]}
	c, _, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
		return c.AddContact(s.actor(), ct)
	})
	if err != nil {
		return nil, err
	}
	cc := offsitebot.CheckContact(c, s.now(), s.e.Calendar)
	text := fmt.Sprintf("Logged for %s (%s with %s, %s).", c.Ref, ct.How, withName(ct.With), dayTime(at, s.now()))
	switch {
	case c.Status != offsitebot.Active || cc.DueBy.IsZero():
	case cc.DueBy < offsitebot.DateOf(s.now()):
		text += fmt.Sprintf(" Contact between the schools is overdue: it was due by %s.", cc.DueBy.Short())
	default:
		text += fmt.Sprintf(" Next contact between the schools due by %s.", cc.DueBy.Short())
	}
	return []bot.Reply{{Text: text, Case: c.Ref}}, nil
}

func withName(w string) string {
	for _, c := range contactWith {
		if c.value == w {
			return "the " + c.label
		}
	}
	return w
}

// event makes an audit event for the person of this session.
func (s *session) event(action, detail string) offsitebot.AuditEvent {
	return offsitebot.AuditEvent{At: s.now(), By: s.call.Who.ID, Via: s.call.Platform, Action: action, Case: s.ref(), Detail: detail}
}
