package offsitebot

import (
	"fmt"
	"strings"
	"time"
)

// AddContact records a contact about the case (rule 1), made by a at ct.At
// (now if unset), numbered after the ones before.
func (c *Case) AddContact(a Actor, ct Contact) (Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return ch, err
	}
	if ct.At.IsZero() {
		ct.At = a.At
	}
	if ct.At.After(a.At) {
		return ch, Errorf(EInvalid, "That is in the future. Please give when the contact happened.")
	}
	ct.By, ct.Via, ct.Auto = a.ID, a.Via, false
	c.addContact(ct)
	ch.audit(a.event(c, "contact logged", ct.How+" with "+ct.With))
	return ch, nil
}

// RecordAttendance records the receiving school's codes for one day (rule
// 3): one entry per date, a correction replacing it. It returns the entry
// replaced, if any. A day that raises an alert (AttendanceDay.Alert) owes the
// home school the news at once, and a correction of one that did owes them
// word that it is resolved, unless the home school recorded it itself.
func (c *Case) RecordAttendance(a Actor, day AttendanceDay) (*AttendanceDay, Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return nil, ch, err
	}
	for _, code := range []*string{&day.AM, &day.PM} {
		ci, err := CheckCodeBy(a.Role, *code)
		if err != nil {
			return nil, ch, err
		}
		*code = ci.Code
	}
	day.By, day.At, day.Via = a.ID, a.At, a.Via
	day.Alerted = day.Alert() && a.Role != RoleHome
	detail := fmt.Sprintf("%s AM %s PM %s", day.Date, day.AM, day.PM)
	var was *AttendanceDay
	for i, d := range c.Attendance {
		if d.Date == day.Date {
			was = &d
			c.Attendance[i] = day
			ch.audit(a.event(c, "attendance corrected", detail+fmt.Sprintf(" (was AM %s, PM %s)", d.AM, d.PM)))
			break
		}
	}
	if was == nil {
		c.Attendance = append(c.Attendance, day)
		ch.audit(a.event(c, "attendance recorded", detail))
	}
	switch {
	case day.Alerted:
		ch.owe(Notice{Kind: NoticeAbsence, To: ToHome, Day: day, Person: a.ID, Role: a.Role, At: a.At})
	case was != nil && was.Alerted && !day.Alert() && a.Role != RoleHome:
		ch.owe(Notice{Kind: NoticeResolved, To: ToHome, Day: day, DayWas: *was, Person: a.ID, Role: a.Role, At: a.At})
	}
	return was, ch, nil
}

// AddRequest records a written request for a review meeting word for word
// (rule 7), with what the rules say about it. A meeting already booked
// answers it. Unless the home school recorded it, it owes the home school the
// request at once.
func (c *Case) AddRequest(a Actor, from, text string) (RequestCheck, Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return RequestCheck{}, ch, err
	}
	rc, err := CheckRequest(c, from, a.At)
	if err != nil && from == FromLA && !c.EHCP {
		// Not a request the law gives the LA, but a letter received all the
		// same: kept word for word, with why it was not taken as a request.
		rc.Refused = ErrorMessage(err)
		c.addContact(Contact{At: a.At, With: "la", How: "letter", Summary: "Request for a review meeting, not taken as one (no EHC plan recorded): " + text, By: a.ID, Via: a.Via})
		ch.audit(a.event(c, "review request refused", "from la: no EHC plan recorded"))
		return rc, ch, nil
	}
	if err != nil {
		return rc, ch, err
	}
	r := ReviewRequest{
		ID: fmt.Sprintf("R%d", len(c.Requests)+1), At: a.At, From: from, Text: text, By: a.ID,
		Via: a.Via, DutyApplies: rc.DutyApplies, LastMeeting: rc.LastMeeting,
	}
	if m, ok := NextMeeting(c, a.At); ok {
		r.Answered = m.ID
	}
	c.Requests = append(c.Requests, r)
	c.Awaiting = AwaitingReply(c)
	ch.audit(a.event(c, "review request recorded", fmt.Sprintf("from %s, duty applies: %t", from, rc.DutyApplies)))
	if a.Role != RoleHome {
		ch.owe(Notice{Kind: NoticeRequest, To: ToHome, Request: r, At: a.At})
	}
	return rc, ch, nil
}

// AddFeedback records the pupil's and family's view given by a (rule 8).
func (c *Case) AddFeedback(a Actor, f Feedback) (Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return ch, err
	}
	if f.Rating < 0 || f.Rating > 5 {
		return ch, Errorf(EInvalid, "Please give a number from 1 (badly) to 5 (very well), or skip.")
	}
	f.ID, f.At, f.By = fmt.Sprintf("F%d", len(c.Feedback)+1), a.At, a.ID
	c.Feedback = append(c.Feedback, f)
	for i := range c.People {
		if c.People[i].ID == a.ID {
			c.People[i].LastFeedback = a.At
		}
	}
	ch.audit(a.event(c, "feedback given", ""))
	return ch, nil
}

// RecordNotice records that the written notice of the direction reached the
// parents (rule 9) on the day given (today if none), and how. A notice given
// late is recorded as given late: Breaches keeps it.
func (c *Case) RecordNotice(a Actor, on Date, how string) (Change, error) {
	var ch Change
	if !c.NoticeGiven.IsZero() {
		return ch, Errorf(EConflict, "The notice for %s was already recorded as given on %s.", c.Ref, DateOf(c.NoticeGiven).Short())
	}
	at, err := a.doneOn(on)
	if err != nil {
		return ch, err
	}
	c.NoticeGiven = at
	c.addContact(Contact{At: at, With: "parent", How: how, Summary: "Written notice of the direction given", By: a.ID, Via: a.Via})
	ch.audit(a.event(c, "notice given", strings.TrimSpace(string(DateOf(at))+" "+how)))
	return ch, nil
}

// doneOn is when something a says was done on day on happened: now if on is
// today or unset, the start of that day if earlier. A day to come is refused.
func (a Actor) doneOn(on Date) (time.Time, error) {
	today := DateOf(a.At)
	switch {
	case on == "" || on == today:
		return a.At, nil
	case !on.Valid():
		return time.Time{}, Errorf(EInvalid, "%q isn't a date (YYYY-MM-DD).", on)
	case on > today:
		return time.Time{}, Errorf(EInvalid, "%s is in the future. Please give the day it was done, up to today (%s).", on.Long(), today.Short())
	}
	if err := BackSpan.Check(on, today); err != nil {
		return time.Time{}, err
	}
	return on.Time(), nil
}

// EndDirection ends the direction with an outcome. Meetings still to come are called
// off, and everyone invited to them is owed the news; the linked parents are
// owed the end. Meetings already held or begun stay as they are.
func (c *Case) EndDirection(a Actor, outcome string) (Change, error) {
	var ch Change
	if err := c.CheckActive(); err != nil {
		return ch, err
	}
	switch outcome {
	case OutcomeReintegrated, OutcomeManagedMove, OutcomeSEMH, OutcomeOther:
	default:
		return ch, Errorf(EInvalid, "%q isn't how a direction ends: reintegrated, managed-move, semh or other?", outcome)
	}
	c.Status, c.Outcome, c.EndedOn = Ended, outcome, DateOf(a.At)
	var off []Meeting
	for i := range c.Meetings {
		if m := &c.Meetings[i]; m.upcoming() && m.At.After(a.At) {
			m.Cancelled = true
			off = append(off, *m)
		}
	}
	ch.audit(a.event(c, "direction ended", outcome))
	for _, m := range off {
		ch.owe(Notice{Kind: NoticeCancelled, To: ToInvited, Meeting: m, At: a.At})
	}
	ch.owe(Notice{Kind: NoticeEnded, To: ToConcerned, At: a.At})
	return ch, nil
}

// The letters the regulations call for, which staff can send the family as
// documents.
const (
	LetterNotice   = "notice"   // the written notice of the direction (rule 9)
	LetterInvite   = "invite"   // the invitation to a review meeting (rule 5)
	LetterDecision = "decision" // what a review meeting decided (rule 6)
)

// LetterSent records, in the chronology (rule 1), that a sent the letter of
// kind (about meeting id, for an invitation or a decision) to the people in
// to, as a document in the chat. The letter does what it says: an invitation
// invites those not yet invited to a meeting still to come, and a decision to
// continue is told (rule 6). Whether the notice counts as given is for staff
// to say (RecordNotice): it may still have to reach someone not linked.
func (c *Case) LetterSent(a Actor, kind, id string, to []string) (Change, error) {
	var ch Change
	if len(to) == 0 {
		return ch, Errorf(EInvalid, "The letter went to nobody, so there is nothing to record.")
	}
	var what string
	switch kind {
	case LetterNotice:
		what, id = "written notice of the direction", ""
	case LetterInvite:
		i, err := c.meetingIndex(id)
		if err != nil {
			return ch, err
		}
		what = "invitation to review meeting " + id
		if m := &c.Meetings[i]; m.upcoming() && m.At.After(a.At) {
			for _, p := range to {
				if !m.WasInvited(p) {
					m.Invitations = append(m.Invitations, Invitation{To: p, Sent: a.At})
				}
			}
		}
	case LetterDecision:
		i, err := c.meetingIndex(id)
		if err != nil {
			return ch, err
		}
		what = "decision of review meeting " + id
		if c.Meetings[i].AwaitsTelling() {
			c.Meetings[i].Outcome.NoticeSent = a.At
		}
	default:
		return ch, Errorf(EInvalid, "%q isn't a letter: notice, invite or decision?", kind)
	}
	c.addContact(Contact{At: a.At, With: "parent", How: "message", Summary: "Letter sent: " + what, By: a.ID, Via: a.Via, Auto: true})
	ch.audit(a.event(c, "letter sent", strings.TrimSpace(kind+" "+id)+" to "+strings.Join(to, ", ")))
	return ch, nil
}
