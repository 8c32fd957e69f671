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

func (e *Engine) allFlows() []*flow {
	return []*flow{
		newCaseFlow(), contactFlow(), attendanceFlow(), scheduleFlow(), outcomeFlow(),
		staffRequestFlow(), familyRequestFlow(), linkFlow(), endFlow(), feedbackFlow(),
		answerFlow(), stopFlow(), noticeGivenFlow(), editFlow(), voidFlow(), messageFlow(), replyFlow(), moveFlow(),
	}
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
