package offsitebot

import (
	"strings"
	"time"
)

// The numbers the guidance sets (PRODUCT.md, "Rules the bot applies").
const (
	InvitationNoticeDays   = 6  // rule 5: invite parents at least 6 calendar days ahead
	ContinuationNoticeDays = 6  // rule 6: tell parents of a decision to continue within 6 calendar days
	ReviewIntervalDays     = 14 // rule 4: fortnightly reviews, calendar days
	RequestWindowDays      = 70 // rule 7: a meeting in the previous 10 weeks lifts the duty
	ContactDays            = 7  // rule 2: "at least weekly": 7 calendar days
	NoticeSchoolDays       = 2  // rule 9: written notice 2 school days before the start
)

// AdultAge is the age from which a pupil may request a review meeting themselves.
const AdultAge = 18

// InvitationDeadline is the last day parents may be invited to a meeting on
// that date and still have the 6 days' notice.
func InvitationDeadline(meeting Date) Date { return meeting.AddDays(-InvitationNoticeDays) }

// ShortNotice says how many days ahead a meeting is and whether that is under
// the 6 days' notice. It counts London dates, not 24-hour periods, so a clock
// change in between does not move a meeting across the line.
func ShortNotice(meetingAt, now time.Time) (daysAhead int, short bool) {
	daysAhead = DateOf(now).DaysUntil(DateOf(meetingAt))
	return daysAhead, daysAhead < InvitationNoticeDays
}

// ReviewGap says how many days after a meeting on held the next one is
// planned, and whether that is longer than fortnightly reviews allow (rule 4).
func ReviewGap(held, next Date) (days int, far bool) {
	days = held.DaysUntil(next)
	return days, days > ReviewIntervalDays
}

// ContinuationDeadline is the last day parents may be told of a decision to
// continue taken at a meeting on that date.
func ContinuationDeadline(meeting Date) Date { return meeting.AddDays(ContinuationNoticeDays) }

// AgeOn returns the age in whole years, on date d, of someone born on dob.
// Someone born on 29 February has their birthday on 1 March in other years.
// It returns 0 if either date is missing or malformed.
func AgeOn(dob, d Date) int {
	b, err1 := time.Parse(dateLayout, string(dob))
	t, err2 := time.Parse(dateLayout, string(d))
	if err1 != nil || err2 != nil || t.Before(b) {
		return 0
	}
	age := t.Year() - b.Year()
	// Comparing (month, day) puts a 29 Feb birthday after 28 Feb and on or
	// before 1 Mar, which is exactly the 1 March rule.
	if t.Month() < b.Month() || (t.Month() == b.Month() && t.Day() < b.Day()) {
		age--
	}
	return age
}

// birthday returns the date someone born on dob turns years old (1 March for
// a 29 February birthday in a non-leap year).
func birthday(dob Date, years int) Date {
	b, err := time.Parse(dateLayout, string(dob))
	if err != nil {
		return ""
	}
	// time.Date normalises 29 Feb of a non-leap year to 1 Mar.
	return Date(time.Date(b.Year()+years, b.Month(), b.Day(), 12, 0, 0, 0, time.UTC).Format(dateLayout))
}

// dayMonth formats d as "20 Nov" for running text.
func dayMonth(d Date) string { return d.Time().Format("2 Jan") }

// RequestCheck is what the rules say about a review request.
type RequestCheck struct {
	DutyApplies bool
	LastMeeting Date   // latest meeting held on or before the request date, if any
	Explanation string // one plain sentence for the requester and staff
	// Adult says a parent asked for a pupil aged 18 or over: the pupil, not
	// the parent, is the relevant person, so holding a meeting is the school's
	// call.
	Adult bool
	// Refused is why a letter was kept on the case but not as a request (the
	// LA's, with no EHC plan recorded); "" for a request.
	Refused string
}

// CheckRequest checks who may request a review meeting and whether the duty to
// hold one applies (rule 7). from is FromParent, FromPupil or FromLA; at is
// when the written request was received.
func CheckRequest(c *Case, from string, at time.Time) (RequestCheck, error) {
	day := DateOf(at)
	from = strings.ToLower(strings.TrimSpace(from))
	switch from {
	case FromParent:
	case FromPupil:
		if c.DOB.IsZero() || !c.DOB.Valid() {
			return RequestCheck{}, Errorf(EForbidden, "A pupil can request a review meeting themselves only once they are 18, and %s has no date of birth recorded. A parent or carer can make the request instead, or the home school can add the date of birth to the case.", c.Ref)
		}
		if AgeOn(c.DOB, day) < AdultAge {
			return RequestCheck{}, Errorf(EForbidden, "A pupil can request a review meeting themselves only once they are 18, which for %s is on %s. Until then a parent or carer can make the request instead.", c.Ref, birthday(c.DOB, AdultAge).Time().Format("2 Jan 2006"))
		}
	case FromLA:
		if !c.EHCP {
			return RequestCheck{}, Errorf(EForbidden, "The local authority can request a review meeting only where the pupil has an EHC plan, and %s has none recorded. If that is wrong, ask the home school to correct the case; a parent or carer can also make the request.", c.Ref)
		}
	default:
		return RequestCheck{}, Errorf(EInvalid, "%q isn't someone who can request a review meeting. Please say who it is from: parent, pupil (aged 18 or over) or la (where the pupil has an EHC plan).", from)
	}

	var rc RequestCheck
	if m, ok := LastReview(c, at); ok {
		rc.LastMeeting = m.Date()
	}
	if from == FromParent && c.DOB.Valid() && AgeOn(c.DOB, day) >= AdultAge {
		rc.Adult = true
		rc.Explanation = "The pupil is 18 or over, so the law gives them, not their parents, the right to request a review meeting: your request has been passed on, and the school will decide whether to hold one. The pupil may also request one themselves."
		return rc, nil
	}
	// A meeting exactly 70 days before the request is still "in the previous 10 weeks".
	if !rc.LastMeeting.IsZero() && rc.LastMeeting.DaysUntil(day) <= RequestWindowDays {
		rc.Explanation = "A review meeting was held on " + dayMonth(rc.LastMeeting) + ", within the last 10 weeks, so the school doesn't have to hold another one yet, but they will read your request and reply."
		return rc, nil
	}
	rc.DutyApplies = true
	if rc.LastMeeting.IsZero() {
		rc.Explanation = "No review meeting has been held in the last 10 weeks, so the school must hold one as soon as reasonably practicable."
	} else {
		rc.Explanation = "The last review meeting was held on " + dayMonth(rc.LastMeeting) + ", more than 10 weeks ago, so the school must hold one as soon as reasonably practicable."
	}
	return rc, nil
}

// LastHeldMeeting returns the latest meeting held (outcome recorded, not
// cancelled) that started at or before the given time.
func LastHeldMeeting(c *Case, before time.Time) (Meeting, bool) {
	var last Meeting
	found := false
	for _, m := range c.Meetings {
		if !m.Held() || m.Cancelled || m.At.After(before) {
			continue
		}
		if !found || m.At.After(last.At) {
			last, found = m, true
		}
	}
	return last, found
}

// LastReview returns the latest review meeting held by now: one whose time
// has come and that was not cancelled, whether or not its outcome is recorded
// yet. It is what the 10-week rule and the review cycle count from.
func LastReview(c *Case, now time.Time) (Meeting, bool) {
	var last Meeting
	found := false
	for _, m := range c.Meetings {
		if m.TookPlace(now) && (!found || m.At.After(last.At)) {
			last, found = m, true
		}
	}
	return last, found
}

// NextMeeting returns the earliest meeting still to hold: scheduled, not
// cancelled, no outcome yet, at or after the start of today in London (so a
// meeting earlier today still counts until its outcome is recorded).
func NextMeeting(c *Case, now time.Time) (Meeting, bool) {
	today := DateOf(now).Time()
	var next Meeting
	found := false
	for _, m := range c.Meetings {
		if m.Held() || m.Cancelled || m.At.Before(today) {
			continue
		}
		if !found || m.At.Before(next.At) {
			next, found = m, true
		}
	}
	return next, found
}

// ReviewDue returns the date by which the next review meeting should be held.
// The latest meeting held by now governs (LastReview: its outcome need not be
// recorded yet): the next date its outcome set, or 14 days after it. If that
// outcome set no date, an older outcome's next date is stale (this meeting was
// the one it asked for), so 14 days applies. With no meeting held yet it is
// 14 days after the start ("" if the case has no start).
func ReviewDue(c *Case, now time.Time) Date {
	last, ok := LastReview(c, now)
	if !ok {
		if !c.Start.Valid() {
			return ""
		}
		return c.Start.AddDays(ReviewIntervalDays)
	}
	if last.Held() && !last.Outcome.Next.IsZero() {
		return last.Outcome.Next
	}
	return last.Date().AddDays(ReviewIntervalDays)
}

// FaceToFace reports whether at least one review meeting, held or scheduled and
// not cancelled, is in person, as the guidance asks.
func FaceToFace(c *Case) bool {
	for _, m := range c.Meetings {
		if !m.Cancelled && m.Mode == InPerson {
			return true
		}
	}
	return false
}

// NoticeDeadline is the day by which the written notice must reach parents:
// 2 school days before the first day of the direction.
func NoticeDeadline(start Date, cal Calendar) Date {
	return cal.AddSchoolDays(start, -NoticeSchoolDays)
}

// Contact states.
const (
	ContactOK      = "ok"
	ContactNudge   = "nudge"
	ContactOverdue = "overdue"
)

// ContactCheck is where a case stands on weekly contact between the schools.
type ContactCheck struct {
	Elapsed int    // calendar days since the last contact (or the start)
	DueBy   Date   // 7 days after it, or the next school day if that is not one
	State   string // ContactOK, ContactNudge or ContactOverdue
}

// contactBase is the day weekly contact is counted from: the last contact
// between the schools, but never before the start, since the duty runs only
// while the direction does and a planning call weeks earlier must not make day
// one overdue.
func contactBase(c *Case) Date {
	base := c.Start
	if !c.LastSchoolContact.IsZero() {
		if d := DateOf(c.LastSchoolContact); d > base {
			base = d
		}
	}
	return base
}

// CheckContact applies rule 2: contact "at least weekly" is due 7 calendar
// days after the last contact between the schools, or on the next school day
// if that day is not one (by the home school's calendar). A nudge from the
// school day before; overdue once the day has passed (the escalation goes
// out on the school day after).
func CheckContact(c *Case, now time.Time, cal Calendar) ContactCheck {
	cal = cal.For(c.HomeURN)
	base, today := contactBase(c), DateOf(now)
	due := base.AddDays(ContactDays)
	if !cal.IsSchoolDay(due) {
		due = cal.AddSchoolDays(due, 1)
	}
	cc := ContactCheck{Elapsed: max(0, base.DaysUntil(today)), DueBy: due, State: ContactOK}
	switch {
	case today > due:
		cc.State = ContactOverdue
	case today >= cal.AddSchoolDays(due, -1):
		cc.State = ContactNudge
	}
	return cc
}
