package offsitebot

import (
	"cmp"
	"slices"
	"time"
)

// Kinds of breach: a duty done late, or not done by its deadline.
const (
	BreachNotice     = "notice"     // rule 9: the written notice after 2 school days before the start
	BreachInvitation = "invitation" // rule 5: parents invited under 6 days before a meeting held, or never
	BreachDecision   = "decision"   // rule 6: a decision to continue told after 6 days
	BreachRequest    = "request"    // rule 7: no meeting held as soon as reasonably practicable
)

// Breach is a duty that missed its deadline. It stays on the case's record
// once the duty is done, with the day it was done.
type Breach struct {
	Kind     string `json:"kind"`
	Subject  string `json:"subject,omitempty"` // the meeting (M2) or request (R1) it is about
	Deadline Date   `json:"deadline"`
	// Done is the day the duty was done at last; nil while it is not done.
	Done *Date `json:"done"`
	// On is the day it concerns: the first day, the meeting, the request.
	On Date `json:"on"`
	// Booked is the meeting booked to answer a request not met yet.
	Booked Date `json:"booked,omitempty"`
}

// TookPlace reports whether a meeting not cancelled has begun by now: a
// review meeting held, whether or not its outcome is recorded yet.
func (m Meeting) TookPlace(now time.Time) bool { return !m.Cancelled && !m.At.After(now) }

// Breaches works out a case's breaches from its record as of now, earliest
// deadline first. The record keeps when each duty was done, so a breach
// stays once the duty is done late. A withdrawn case has none: it never ran.
func Breaches(c *Case, now time.Time, cal Calendar, set Settings) []Breach {
	if c == nil || c.Status == Void {
		return nil
	}
	today := DateOf(now)
	var out []Breach
	add := func(b Breach, done Date) {
		switch {
		case done != "" && done > b.Deadline:
			b.Done = &done
		case done == "" && today > b.Deadline:
		default:
			return
		}
		out = append(out, b)
	}
	if c.Start.Valid() {
		add(Breach{Kind: BreachNotice, On: c.Start, Deadline: NoticeDeadline(c.Start, cal.For(c.HomeURN))}, dateOrNone(c.NoticeGiven))
	}
	for _, m := range c.Meetings {
		if !m.TookPlace(now) {
			continue
		}
		// Never invited counts as done on no day: the meeting has passed.
		inv := Breach{Kind: BreachInvitation, Subject: m.ID, On: m.Date(), Deadline: InvitationDeadline(m.Date())}
		if first := c.firstInvited(m, inv.Deadline); first != "" {
			add(inv, first)
		} else {
			out = append(out, inv)
		}
		if m.Held() && m.Outcome.Decision == DecisionContinue {
			add(Breach{Kind: BreachDecision, Subject: m.ID, On: m.Date(), Deadline: ContinuationDeadline(m.Date())}, dateOrNone(m.Outcome.NoticeSent))
		}
	}
	for _, r := range c.Requests {
		if !r.DutyApplies {
			continue
		}
		b := Breach{Kind: BreachRequest, Subject: r.ID, On: DateOf(r.At), Deadline: RequestDeadline(c, r, cal, set)}
		met, ok := RequestMet(c, r, now)
		if !ok {
			if m, booked := RequestBooked(c, r, now); booked {
				b.Booked = m.Date()
			}
			add(b, "")
			continue
		}
		add(b, met.Date())
	}
	slices.SortStableFunc(out, func(a, b Breach) int {
		return cmp.Or(cmp.Compare(a.Deadline, b.Deadline), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Subject, b.Subject))
	})
	return out
}

func dateOrNone(t time.Time) Date {
	if t.IsZero() {
		return ""
	}
	return DateOf(t)
}

// firstInvited is the day the first invitation to m went out to those the
// regulations name on day d (a receiving contact's or, once the pupil is
// 18, a parent's does not count), or "".
func (c *Case) firstInvited(m Meeting, d Date) Date {
	var first Date
	for _, inv := range m.Invitations {
		if inv.Role != "" && !c.Named(inv.Role, d) {
			continue
		}
		if d := DateOf(inv.Sent); first == "" || d < first {
			first = d
		}
	}
	return first
}

// RequestDeadline is the last day a meeting answering r counts as held "as
// soon as reasonably practicable": the set number of the home school's school
// days after the request.
func RequestDeadline(c *Case, r ReviewRequest, cal Calendar, set Settings) Date {
	return cal.For(c.HomeURN).AddSchoolDays(DateOf(r.At), set.OrDefault().RequestMeetingSchoolDays)
}

// RequestMet returns the first meeting held after request r was made, as of
// now: the duty is met when a meeting is held, not when one is booked.
func RequestMet(c *Case, r ReviewRequest, now time.Time) (Meeting, bool) {
	return firstMeeting(c, func(m Meeting) bool { return !m.At.Before(r.At) && m.TookPlace(now) })
}

// RequestBooked returns the first meeting booked after now to answer request r.
func RequestBooked(c *Case, r ReviewRequest, now time.Time) (Meeting, bool) {
	return firstMeeting(c, func(m Meeting) bool { return !m.Cancelled && m.At.After(now) && !m.At.Before(r.At) })
}

func firstMeeting(c *Case, ok func(Meeting) bool) (Meeting, bool) {
	var first Meeting
	found := false
	for _, m := range c.Meetings {
		if ok(m) && (!found || m.At.Before(first.At)) {
			first, found = m, true
		}
	}
	return first, found
}

// EarliestStart is the first day a direction can lawfully start if its
// written notice is given today: 2 of the home school's school days later.
func EarliestStart(c *Case, now time.Time, cal Calendar) Date {
	return cal.For(c.HomeURN).AddSchoolDays(DateOf(now), NoticeSchoolDays)
}
