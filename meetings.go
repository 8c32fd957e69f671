package offsitebot

import (
	"fmt"
	"time"
)

// meetingIndex finds meeting id, or says the case has no such meeting.
func (c *Case) meetingIndex(id string) (int, error) {
	if i := c.meeting(id); i >= 0 {
		return i, nil
	}
	return -1, Errorf(EInvalid, "%s has no meeting %s.", c.Ref, id)
}

// activeMeeting finds meeting id on a case still active.
func (c *Case) activeMeeting(id string) (int, error) {
	if err := c.CheckActive(); err != nil {
		return -1, err
	}
	return c.meetingIndex(id)
}

// upcoming reports whether m is still to be held: neither held nor cancelled.
func (m Meeting) upcoming() bool { return !m.Held() && !m.Cancelled }

// meetingToCome finds meeting id on an active case and checks it is still to
// come at now: not held, not cancelled, and its time not passed.
func (c *Case) meetingToCome(id string, now time.Time) (*Meeting, error) {
	i, err := c.activeMeeting(id)
	if err != nil {
		return nil, err
	}
	if m := &c.Meetings[i]; m.upcoming() && m.At.After(now) {
		return m, nil
	}
	return nil, Errorf(EInvalid, "%s is not a meeting still to come.", id)
}

// ScheduleMeeting books a review meeting, numbered after every meeting
// before it (cancelled ones keep their numbers), and lets it answer the
// review requests still open. Under 6 days' notice it is marked so (the
// person was asked to confirm). The linked parents are owed an invitation.
func (c *Case) ScheduleMeeting(a Actor, at time.Time, mode, place string) (Meeting, Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return Meeting{}, ch, err
	}
	if mode != InPerson && mode != Online {
		return Meeting{}, ch, Errorf(EInvalid, "%q isn't a kind of meeting: in-person or online?", mode)
	}
	days, short := ShortNotice(at, a.At)
	m := Meeting{ID: fmt.Sprintf("M%d", len(c.Meetings)+1), At: at, Mode: mode, Place: place, Scheduled: a.At, By: a.ID, ShortNotice: short}
	c.Meetings = append(c.Meetings, m)
	for i, r := range c.Requests {
		// A request not met yet is answered by the soonest meeting booked.
		if _, met := RequestMet(c, r, a.At); met {
			continue
		}
		if was, booked := c.Meeting(r.Answered); !booked || was.Cancelled || was.At.After(at) {
			c.Requests[i].Answered = m.ID
		}
	}
	detail := fmt.Sprintf("%s %s %s", m.ID, at.In(London).Format("2006-01-02 15:04"), m.Mode)
	if short {
		detail += fmt.Sprintf(" (confirmed at %d days' notice)", days)
	}
	ch.audit(a.event(c, "review scheduled", detail))
	ch.owe(Notice{Kind: NoticeInvitation, To: ToConcerned, Meeting: m, At: a.At})
	return m, ch, nil
}

// MoveMeeting sets a new time, and a new place if one is given, for a meeting
// still to come. Answers to its invitation were for the old time, so they are
// cleared; everyone invited is owed the news.
func (c *Case) MoveMeeting(a Actor, id string, at time.Time, place string) (Meeting, Change, error) {
	var ch Change
	i, err := c.activeMeeting(id)
	switch {
	case err != nil:
		return Meeting{}, ch, err
	case !c.Meetings[i].upcoming():
		return Meeting{}, ch, Errorf(EInvalid, "%s was already held or cancelled.", id)
	case !at.After(a.At):
		return Meeting{}, ch, Errorf(EInvalid, "%s has already passed. Please give a date and time still to come.", at.In(London).Format("Mon 2 Jan 15:04"))
	}
	m := &c.Meetings[i]
	was := m.At
	days, short := ShortNotice(at, a.At)
	m.At, m.ShortNotice = at, short
	if place != "" {
		m.Place = place
	}
	for j := range m.Invitations {
		inv := &m.Invitations[j]
		inv.Answer, inv.Answered, inv.Suggestion = "", time.Time{}, ""
	}
	detail := fmt.Sprintf("%s from %s to %s", id, was.In(London).Format("2006-01-02 15:04"), at.In(London).Format("2006-01-02 15:04"))
	if short {
		detail += fmt.Sprintf(" (confirmed at %d days' notice)", days)
	}
	ch.audit(a.event(c, "review moved", detail))
	ch.owe(Notice{Kind: NoticeMoved, To: ToInvited, Meeting: *m, Was: was, At: a.At})
	return *m, ch, nil
}

// SetPlace gives a meeting still to come its place: a room, or the link of
// an online meeting sent after it was scheduled. Its time stays, and so do
// the answers; everyone invited is owed the news.
func (c *Case) SetPlace(a Actor, id, place string) (Meeting, Change, error) {
	var ch Change
	m, err := c.meetingToCome(id, a.At)
	switch {
	case err != nil:
		return Meeting{}, ch, err
	case place == "":
		return Meeting{}, ch, Errorf(EInvalid, "Where is %s? Give the room, or the link of an online meeting.", id)
	}
	m.Place = place
	ch.audit(a.event(c, "review place set", id))
	ch.owe(Notice{Kind: NoticePlace, To: ToInvited, Meeting: *m, At: a.At})
	return *m, ch, nil
}

// CancelMeeting calls off a meeting not yet held. The requests it answered
// pass to the next meeting booked, or are open again. Everyone invited is
// owed the news.
func (c *Case) CancelMeeting(a Actor, id string) (Meeting, Change, error) {
	var ch Change
	i, err := c.meetingIndex(id)
	if err != nil {
		return Meeting{}, ch, err
	}
	switch {
	case !c.Meetings[i].upcoming():
		return Meeting{}, ch, Errorf(EInvalid, "%s was already held or cancelled.", id)
	}
	c.Meetings[i].Cancelled = true
	m := c.Meetings[i]
	next := ""
	if n, ok := NextMeeting(c, a.At); ok {
		next = n.ID
	}
	for j := range c.Requests {
		if c.Requests[j].Answered == m.ID {
			c.Requests[j].Answered = next
		}
	}
	ch.audit(a.event(c, "review cancelled", m.ID))
	ch.owe(Notice{Kind: NoticeCancelled, To: ToInvited, Meeting: m, At: a.At})
	return m, ch, nil
}

// RecordOutcome records what a meeting that has taken place found and
// decided. A decision to continue must set the next meeting's date, and its
// date to continue until becomes the agreed end. Whatever was decided, the
// family (and the LA, where the pupil has an EHC plan) are owed the decision
// (for a decision to continue, within 6 days: rule 6).
func (c *Case) RecordOutcome(a Actor, id string, out ReviewOutcome) (Meeting, Change, error) {
	var ch Change
	i, err := c.meetingIndex(id)
	if err != nil {
		return Meeting{}, ch, err
	}
	m := &c.Meetings[i]
	switch {
	case m.Cancelled:
		return Meeting{}, ch, Errorf(EInvalid, "Meeting %s was cancelled.", id)
	case m.At.After(a.At):
		return Meeting{}, ch, Errorf(EInvalid, "Meeting %s is on %s, still to come: record its outcome once it has taken place.", id, m.At.In(London).Format("Mon 2 Jan 15:04"))
	case m.Held():
		return Meeting{}, ch, &Error{Code: EConflict, Message: "The outcome of " + id + " was already recorded.", Next: NextShowCase}
	}
	if err := checkOutcome(*m, out); err != nil {
		return Meeting{}, ch, err
	}
	out.Recorded, out.By = a.At, a.ID
	m.Outcome = &out
	ch.audit(a.event(c, "review outcome recorded", id+" decision "+out.Decision))
	c.continueUntil(a, out, &ch)
	ch.owe(Notice{Kind: NoticeDecision, To: ToFamilyAndLA, Meeting: *m, At: a.At})
	return *m, ch, nil
}

// checkOutcome says what is wrong with out as the outcome of m.
func checkOutcome(m Meeting, out ReviewOutcome) error {
	switch {
	case out.Next != "" && out.Next <= m.Date():
		return Errorf(EInvalid, "The next meeting must come after this one (%s).", m.Date().Short())
	case out.Decision == DecisionContinue && out.Next == "":
		return Errorf(EInvalid, "A decision to continue needs the date of the next review meeting.")
	}
	return nil
}

// continueUntil makes the date a decision to continue runs until the agreed
// end: one end date everywhere.
func (c *Case) continueUntil(a Actor, out ReviewOutcome, ch *Change) {
	if out.Decision == DecisionContinue && out.Until != "" && out.Until != c.End {
		ch.audit(a.event(c, "end date changed", fmt.Sprintf("%s to %s", c.End, out.Until)))
		c.End = out.Until
	}
}

// OutcomeAnswers are the answers of a review outcome, by the keys people
// type, in the order they are asked.
var OutcomeAnswers = []string{"met", "successes", "voice", "concerns", "interventions", "decision", "until", "next", "plan", "attended"}

// Answer returns the outcome's answer named key (from OutcomeAnswers).
func (o ReviewOutcome) Answer(key string) string {
	switch key {
	case "met":
		return o.Met
	case "successes":
		return o.Successes
	case "voice":
		return o.Voice
	case "concerns":
		return o.Concerns
	case "interventions":
		return o.Interventions
	case "decision":
		return o.Decision
	case "until":
		return string(o.Until)
	case "next":
		return string(o.Next)
	case "attended":
		return o.Attended
	case "plan":
		return o.Plan
	}
	return ""
}

// toldAnswer reports whether key is an answer the family is told with a decision.
func toldAnswer(key string) bool { return key == "decision" || key == "until" || key == "next" }

// CorrectOutcome changes answers of a meeting's recorded outcome to out's.
// Each answer changed is in the audit trail with its old and new value. A
// decision other than to continue has no date to continue until or next
// meeting. If the family was told the decision and what they were told
// changed, they are owed the correction; a decision to continue not told yet
// is owed as a decision.
func (c *Case) CorrectOutcome(a Actor, id string, out ReviewOutcome) (Meeting, Change, error) {
	var ch Change
	i, err := c.meetingIndex(id)
	if err != nil {
		return Meeting{}, ch, err
	}
	m := &c.Meetings[i]
	if !m.Held() {
		return Meeting{}, ch, Errorf(EInvalid, "The outcome of %s isn't recorded yet, so there is nothing to change.", id)
	}
	if out.Decision != DecisionContinue {
		out.Until, out.Next = "", ""
	} else {
		out.Plan = ""
	}
	if err := checkOutcome(*m, out); err != nil {
		return Meeting{}, ch, err
	}
	was := *m.Outcome
	out.Recorded, out.By, out.NoticeSent = was.Recorded, was.By, was.NoticeSent
	familyFacing := false
	for _, k := range OutcomeAnswers {
		if old, now := was.Answer(k), out.Answer(k); old != now {
			ch.audit(a.event(c, "outcome corrected", fmt.Sprintf("%s %s: %s → %s", id, k, orNone(old), orNone(now))))
			familyFacing = familyFacing || toldAnswer(k)
		}
	}
	if len(ch.Audit) == 0 {
		return Meeting{}, ch, Errorf(EInvalid, "The outcome of %s already says that, so nothing was changed.", id)
	}
	m.Outcome = &out
	c.continueUntil(a, out, &ch)
	switch {
	case !familyFacing:
	case !was.NoticeSent.IsZero():
		ch.owe(Notice{Kind: NoticeCorrected, To: ToFamilyAndLA, Meeting: *m, Before: was, At: a.At})
	case out.Decision == DecisionContinue:
		ch.owe(Notice{Kind: NoticeDecision, To: ToFamilyAndLA, Meeting: *m, At: a.At})
	}
	return *m, ch, nil
}

// AnswerInvitation records a person's answer to a meeting's invitation (they
// may change it any time before the meeting). Asking for another time owes
// the home school the suggestion at once.
func (c *Case) AnswerInvitation(a Actor, id, answer, suggestion string) (Meeting, Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return Meeting{}, ch, err
	}
	i := c.meeting(id)
	if i < 0 || !c.Meetings[i].upcoming() || !c.Meetings[i].At.After(a.At) {
		return Meeting{}, ch, Errorf(EInvalid, "That meeting isn't planned any more.")
	}
	if answer != AnswerYes && answer != AnswerOtherTime {
		return Meeting{}, ch, Errorf(EInvalid, "Please say whether you can come.")
	}
	m := &c.Meetings[i]
	inv := Invitation{To: a.ID, Sent: a.At}
	j := -1
	for k := range m.Invitations {
		if m.Invitations[k].To == a.ID {
			j, inv = k, m.Invitations[k]
		}
	}
	if answer != AnswerOtherTime {
		suggestion = ""
	}
	inv.Answer, inv.Answered, inv.Suggestion = answer, a.At, suggestion
	if j >= 0 {
		m.Invitations[j] = inv
	} else {
		m.Invitations = append(m.Invitations, inv)
	}
	summary := "Answer to invitation " + id + ": can come"
	if answer == AnswerOtherTime {
		summary = "Answer to invitation " + id + ": asked for another time: " + suggestion
		ch.owe(Notice{Kind: NoticeSuggestion, To: ToHome, Meeting: *m, Person: a.ID, Role: a.Role, Text: suggestion, At: a.At})
	}
	// A suggestion of another time is owed a reply, as any message is.
	c.addContact(Contact{At: a.At, With: partyOf(a.Role), How: "message", Summary: summary, By: a.ID, Via: a.Via, Auto: true, Incoming: answer == AnswerOtherTime})
	ch.audit(a.event(c, "invitation answered", id+" "+answer))
	return *m, ch, nil
}

// Invited records that the parents were invited to a meeting still to come
// another way (a letter, a call), so the invitation is no longer due (rule 5).
func (c *Case) Invited(a Actor, id, how string) (Meeting, Change, error) {
	var ch Change
	m, err := c.meetingToCome(id, a.At)
	if err != nil {
		return Meeting{}, ch, err
	}
	m.Invitations = append(m.Invitations, Invitation{To: outsidePrefix + how, Sent: a.At})
	c.addContact(Contact{At: a.At, With: "parent", How: how, Summary: "Invitation to review meeting " + id + " given", By: a.ID, Via: a.Via})
	ch.audit(a.event(c, "invitation given", id+" by "+how))
	return *m, ch, nil
}

// AwaitsTelling reports whether m decided to continue and the parents have
// not been told yet (rule 6).
func (m Meeting) AwaitsTelling() bool {
	return m.Held() && m.Outcome.Decision == DecisionContinue && m.Outcome.NoticeSent.IsZero()
}

// DecisionTold records that the parents were told of a meeting's decision to
// continue another way (rule 6), on the day given (today if none), and how.
// Told late, it is recorded as told late: Breaches keeps it.
func (c *Case) DecisionTold(a Actor, id string, on Date, how string) (Change, error) {
	var ch Change
	i, err := c.meetingIndex(id)
	if err != nil {
		return ch, err
	}
	m := &c.Meetings[i]
	if !m.AwaitsTelling() {
		return ch, Errorf(EInvalid, "%s has no decision to continue waiting to be told (it was told, or the meeting decided otherwise).", id)
	}
	at, err := a.doneOn(on)
	if err != nil {
		return ch, err
	}
	if DateOf(at) < m.Date() {
		return ch, Errorf(EInvalid, "%s was on %s: the decision can't have been told before it.", id, m.Date().Short())
	}
	if how == "" {
		how = "letter"
	}
	m.Outcome.NoticeSent = at
	c.addContact(Contact{At: at, With: "parent", How: how, Summary: "Decision to continue after " + id + " told to parents", By: a.ID, Via: a.Via})
	ch.audit(a.event(c, "decision notice given", id+" "+string(DateOf(at))+" "+how))
	return ch, nil
}
