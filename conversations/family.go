package conversations

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

var requesters = []choice{
	{value: offsitebot.FromParent, label: "parent", also: []string{"carer", "parent/carer"}},
	{value: offsitebot.FromPupil, label: "pupil", also: []string{"pupil (18+)"}},
	{value: offsitebot.FromLA, label: "la", also: []string{"local authority"}},
}

// staffRequestFlow records a written request received elsewhere (a letter, an email).
func staffRequestFlow() *flow {
	from := choiceStep("from", "From", "Who made the request? (parent, pupil or la)", requesters...)
	check := from.check
	from.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := check(ctx, s, v)
		if err != nil {
			return "", err
		}
		if s.call.Who.Role == offsitebot.RoleLA && v != offsitebot.FromLA {
			return "", offsitebot.Errorf(offsitebot.EForbidden, "As a local-authority officer you can record the LA's own request (from la).")
		}
		// The LA's letter with no EHC plan recorded is kept all the same, as a letter.
		if _, err := offsitebot.CheckRequest(s.c, v, s.now()); err != nil && (v != offsitebot.FromLA || s.c.EHCP) {
			return "", err
		}
		return v, nil
	}
	text := requestStep("text", "The request, word for word", "Please paste or type the request word for word.")
	return &flow{
		name: "request", title: "Record a review request", doing: "recording a review request", submit: "Record", action: offsitebot.ActRequest, form: true, verbatim: true,
		steps:      []step{refStep(), from, text},
		positional: refChoiceText("from", requesters),
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			rc, c, err := s.e.recordRequest(ctx, s, s.a["from"])
			if err != nil {
				return nil, err
			}
			if rc.Refused != "" {
				return []bot.Reply{{Text: fmt.Sprintf("Kept on %s word for word as a letter received from the local authority, but not as a review request: %s\nThe EHC plan may be missing from the record: if the pupil has one, correct it (edit %s ehcp=yes) and record the request again.",
					c.Ref, rc.Refused, c.Ref), Case: c.Ref}}, nil
			}
			duty := "The duty applies: no review meeting was held in the 10 weeks before, so one must be held as soon as reasonably practicable."
			switch {
			case rc.Adult:
				duty = "The pupil is 18 or over, so they, not their parents, are the ones the law lets request a review meeting: whether to hold one is the school's call. Please reply to the parent; the pupil may request one themselves (link " + c.Ref + " pupil)."
			case !rc.DutyApplies:
				duty = fmt.Sprintf("The duty does not apply yet: a review meeting was held on %s, within the 10 weeks before; please still reply to the requester.", rc.LastMeeting.Short())
			}
			return []bot.Reply{{Text: fmt.Sprintf("Review request from the %s recorded word for word for %s (%s). %s\nTo answer it: review %s schedule DATE HH:MM in-person\n%s",
				whoName(s.a["from"]), c.Ref, s.now().In(offsitebot.London).Format("Mon 2 Jan 15:04"), duty, c.Ref, replyOwed(c, s.a["from"])), Case: c.Ref}}, nil
		},
	}
}

// replyOwed says that a request staff recorded is owed a reply, as any the
// family write themselves are (they did write), and how to give it: it
// shows as awaiting one in due and show until then.
func replyOwed(c *offsitebot.Case, from string) string {
	who := "The " + whoName(from)
	if c.Reachable(from) {
		return fmt.Sprintf("%s is owed a reply too, which due shows until you give it: reply %s %s YOUR WORDS", who, c.Ref, from)
	}
	return fmt.Sprintf("%s is owed a reply too, which due shows until you record it: answer them another way, then contact %s %s email|phone|meeting WHAT YOU SAID", who, c.Ref, from)
}

func whoName(from string) string {
	switch from {
	case offsitebot.FromLA:
		return "local authority"
	case offsitebot.FromPupil:
		return "pupil"
	}
	return "parent"
}

// familyRequestFlow is /request from a parent or an 18+ pupil: the text is the written request.
func familyRequestFlow() *flow {
	text := requestStep("text", "Your request", "Please write your request for a review meeting, in your own words. I'll pass it to the school exactly as you write it.")
	return &flow{
		name: "family-request", title: "your request", action: offsitebot.ActRequest, verbatim: true,
		steps: []step{refStep(), text},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 {
				a["text"] = w.text()
			}
		},
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			from := offsitebot.FromParent
			if s.call.Who.Role == offsitebot.RolePupil {
				from = offsitebot.FromPupil
			}
			rc, c, err := s.e.recordRequest(ctx, s, from)
			if err != nil {
				return nil, err
			}
			text := msgRequestReceived(s.now(), s.e.schoolName(ctx, c.HomeURN), rc)
			if r := c.Requests[len(c.Requests)-1]; r.Answered != "" {
				for _, m := range c.Meetings {
					if m.ID == r.Answered {
						text += fmt.Sprintf(" A review meeting is already booked for %s, and your request will be discussed there.", when(m))
					}
				}
			}
			return []bot.Reply{{Text: text, Case: c.Ref}}, nil
		},
	}
}

// recordRequest stores a review request word for word and tells the home school at once (rule 7).
func (e *Engine) recordRequest(ctx context.Context, s *session, from string) (offsitebot.RequestCheck, *offsitebot.Case, error) {
	var rc offsitebot.RequestCheck
	c, ch, err := e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		rc, ch, err = c.AddRequest(s.actor(), from, s.a["text"])
		return ch, err
	})
	if err != nil {
		return rc, nil, err
	}
	e.notify.tell(ctx, c, ch.Notices)
	return rc, c, nil
}

func linkFlow() *flow {
	return &flow{
		name: "link", title: "Make a join link", doing: "making a join link", action: offsitebot.ActLink,
		steps: []step{
			refStep(),
			choiceStep("role", "For", "Who is the link for? (parent, pupil, receiving or la)", plain("parent", "pupil", "receiving", "la")...),
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 {
				a["role"] = w[0].s
			}
		},
		done: doneLink,
	}
}

func doneLink(ctx context.Context, s *session) ([]bot.Reply, error) {
	role := offsitebot.Role(s.a["role"])
	if role == offsitebot.RolePupil && offsitebot.AgeOn(s.c.DOB, offsitebot.DateOf(s.now())) < offsitebot.AdultAge {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "The pupil is under 18, so the link should go to a parent or carer: link %s parent.", s.c.Ref)
	}
	if err := s.c.CheckActive(); err != nil {
		return nil, err
	}
	jc := offsitebot.JoinCode{Code: offsitebot.NewJoinCode(), Case: s.c.Ref, Role: role, Created: s.now(), CreatedBy: s.call.Who.ID, Expires: s.now().Add(offsitebot.JoinCodeLife)}
	if err := s.e.Store.CreateJoinCode(ctx, jc); err != nil {
		return nil, err
	}
	_, err := s.e.update(ctx, s.c, func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		return []offsitebot.AuditEvent{s.event("join code made", "for "+string(role))}, nil
	})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("Join link for %s (%s): https://t.me/%s?start=%s\nThe code is %s. It works once, for one person, until %s. Send it to them privately; when they open it in Telegram they are connected to this case only.",
		s.c.Ref, s.a["role"], s.e.TelegramBot, jc.Code, jc.Code, jc.Expires.In(offsitebot.London).Format("Mon 2 Jan 15:04"))
	return []bot.Reply{{Text: text, Case: s.c.Ref, Sensitive: true}}, nil
}

var outcomes = []choice{
	{value: offsitebot.OutcomeReintegrated, label: "reintegrated", also: []string{"reintegrate", "returned"}},
	{value: offsitebot.OutcomeManagedMove, label: "managed-move", also: []string{"managed move", "move"}},
	{value: offsitebot.OutcomeSEMH, label: "semh", also: []string{"semh base", "semh centre"}},
	{value: offsitebot.OutcomeOther, label: "other"},
}

func endFlow() *flow {
	confirm := choiceStep("confirm", "Confirm", "", yesNo...)
	confirm.ask = func(_ context.Context, s *session) (string, []bot.Button) {
		return fmt.Sprintf("End the off-site direction %s (%s)? It will stop all reminders. (yes/no)", s.ref(), s.a["outcome"]), []bot.Button{{Label: "Yes, end it", Data: "yes",
			Confirm: fmt.Sprintf("End the off-site direction %s? Reminders stop and the family is told at once.", s.ref())}, {Label: "No", Data: "no"}}
	}
	return &flow{
		name: "end", title: "End a direction", doing: "ending the direction", action: offsitebot.ActEnd,
		steps: []step{
			refStep(),
			choiceStep("outcome", "Outcome", "How did it end? (reintegrated, managed-move, semh or other)", outcomes...),
			confirm,
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 {
				a["outcome"] = w[0].s
			}
		},
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			if s.a["confirm"] != "yes" {
				return []bot.Reply{{Text: fmt.Sprintf("OK, %s stays open; nothing was changed.", s.c.Ref)}}, nil
			}
			c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
				return c.EndDirection(s.actor(), s.a["outcome"])
			})
			if err != nil {
				return nil, err
			}
			s.e.notify.tell(ctx, c, ch.Notices)
			return []bot.Reply{{Text: fmt.Sprintf("%s ended today (%s). Its record stays available: export %s gives the whole chronology.", c.Ref, c.Outcome, c.Ref), Case: c.Ref}}, nil
		},
	}
}

func feedbackFlow() *flow {
	rating := choiceStep("rating", "How is it going (1–5)", "Last one: how is it going overall, from 1 (badly) to 5 (very well)? You can skip this.", []choice{
		{value: "1", label: "1"}, {value: "2", label: "2"}, {value: "3", label: "3"}, {value: "4", label: "4"}, {value: "5", label: "5"},
	}...)
	rating.optional = true
	rating.ask = func(context.Context, *session) (string, []bot.Button) {
		return "Last one: how is it going overall, from 1 (badly) to 5 (very well)? You can skip this.", []bot.Button{
			{Label: "1", Data: "1"}, {Label: "2", Data: "2"}, {Label: "3", Data: "3"}, {Label: "4", Data: "4"}, {Label: "5", Data: "5"}, {Label: "Skip", Data: "skip"},
		}
	}
	return &flow{
		name: "feedback", title: "your feedback", action: offsitebot.ActFeedback,
		steps: []step{
			refStep(),
			byRole(textStep("pupil", "The pupil's view", msgFeedbackPupil, false), msgFeedbackSelf),
			byRole(textStep("family", "The family's view", msgFeedbackFamily, false), msgFeedbackMore),
			rating,
		},
		positional: func(w words, a answers) { shiftRef(w, a) },
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			n, _ := strconv.Atoi(s.a["rating"])
			_, _, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
				return c.AddFeedback(s.actor(), offsitebot.Feedback{Pupil: s.a["pupil"], Family: s.a["family"], Rating: n})
			})
			if err != nil {
				return nil, err
			}
			return []bot.Reply{{Text: msgFeedbackThanks, Case: s.c.Ref}}, nil
		},
	}
}

// answerFlow takes a parent's answer to a meeting invitation (the buttons).
func answerFlow() *flow {
	other := func(s *session) bool { return s.a["answer"] == offsitebot.AnswerOtherTime }
	suggestion := textStep("suggestion", "What suits you", msgSuggestTime, false)
	suggestion.when = other
	meeting := step{
		key: "meeting", label: "Meeting", kind: bot.FieldText,
		ask: func(_ context.Context, s *session) (string, []bot.Button) {
			var bs []bot.Button
			if s.c != nil {
				for _, m := range s.c.Meetings {
					if !m.Held() && !m.Cancelled && m.At.After(s.now()) {
						bs = append(bs, bot.Button{Label: when(m), Data: m.ID})
					}
				}
			}
			if len(bs) == 0 {
				return msgNothingToAnswer, nil
			}
			return "Which meeting?", bs
		},
		check: func(_ context.Context, s *session, v string) (string, error) {
			v = strings.ToUpper(v)
			i := slices.IndexFunc(s.c.Meetings, func(m offsitebot.Meeting) bool { return m.ID == v })
			switch {
			case i < 0:
				return "", offsitebot.Errorf(offsitebot.EInvalid, "%s", msgNoSuchMeeting)
			case s.c.Meetings[i].Cancelled:
				return "", offsitebot.Errorf(offsitebot.EInvalid, "%s", msgMeetingWasCancelled(s.c.Meetings[i]))
			case s.c.Meetings[i].Held() || !s.c.Meetings[i].At.After(s.now()):
				return "", offsitebot.Errorf(offsitebot.EInvalid, "%s", msgMeetingWasHeld(s.c.Meetings[i]))
			}
			return v, nil
		},
		prefill: func(_ context.Context, s *session) (string, bool) {
			if s.c == nil {
				return "", false
			}
			m, ok := offsitebot.NextMeeting(s.c, s.now())
			return m.ID, ok
		},
	}
	return &flow{
		name: "answer", title: "your answer", action: offsitebot.ActAnswer,
		steps: []step{
			refStep(), meeting,
			choiceStep("answer", "Can you come?", "Can you come?", choice{value: offsitebot.AnswerYes, label: "I can come"}, choice{value: offsitebot.AnswerOtherTime, label: "Please suggest another time", also: []string{"other", "no"}}),
			suggestion,
		},
		positional: func(w words, a answers) {
			w = shiftRef(w, a)
			if len(w) > 0 {
				a["meeting"], w = w[0].s, w[1:]
			}
			if len(w) > 0 {
				a["answer"] = w[0].s
			}
		},
		done: doneAnswer,
	}
}

func doneAnswer(ctx context.Context, s *session) ([]bot.Reply, error) {
	var m offsitebot.Meeting
	c, ch, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (ch offsitebot.Change, err error) {
		m, ch, err = c.AnswerInvitation(s.actor(), s.a["meeting"], s.a["answer"], s.a["suggestion"])
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	s.e.notify.tell(ctx, c, ch.Notices)
	if s.a["answer"] == offsitebot.AnswerYes {
		return []bot.Reply{{Text: msgComing(m), Case: c.Ref}}, nil
	}
	return []bot.Reply{{Text: msgSuggestionPassed(s.e.schoolName(ctx, c.HomeURN)), Case: c.Ref}}, nil
}

// stopFlow is /stop: a parent or contact leaves a case, after confirming.
func stopFlow() *flow {
	confirm := choiceStep("confirm", "Confirm", msgStopConfirm, yesNo...)
	confirm.ask = func(_ context.Context, s *session) (string, []bot.Button) {
		q := msgStopConfirm
		if s.c != nil && s.c.Status == offsitebot.Ended {
			// Said plainly: there is nothing more to stop.
			q = fmt.Sprintf("%s (%s) ended on %s. %s", capital(whose(s.c, s.call.Who.Role)), s.c.Ref, s.c.EndedOn.Short(), msgStopEnded)
		}
		return q, []bot.Button{{Label: "Yes, disconnect me", Data: "yes"}, {Label: "No, stay connected", Data: "no"}}
	}
	return &flow{
		name: "stop", title: "disconnecting", cancelled: msgStopKept, action: offsitebot.ActView, anyStatus: true,
		steps:      []step{refStep(), confirm},
		positional: func(w words, a answers) { shiftRef(w, a) },
		done: func(ctx context.Context, s *session) ([]bot.Reply, error) {
			if s.a["confirm"] != "yes" {
				return []bot.Reply{{Text: msgStopKept}}, nil
			}
			if err := s.e.Store.UnlinkCase(ctx, s.call.Who.ID, s.c.Ref); err != nil {
				return nil, err
			}
			_, _, err := s.e.change(ctx, s.c, func(c *offsitebot.Case) (offsitebot.Change, error) {
				return c.Unlink(s.actor()), nil
			})
			if err != nil {
				return nil, err
			}
			return []bot.Reply{{Text: msgStopped}}, nil
		},
	}
}

// byRole asks a pupil aged 18+ in their own words rather than as a parent.
func byRole(st step, toPupil string) step {
	q := st.ask
	st.ask = func(ctx context.Context, s *session) (string, []bot.Button) {
		if s.call.Who.Role == offsitebot.RolePupil {
			return toPupil, nil
		}
		return q(ctx, s)
	}
	return st
}
