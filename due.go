package offsitebot

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Kinds of due item.
const (
	DueNotice       = "notice"
	DueContact      = "contact"
	DueAttendance   = "attendance"
	DueReview       = "review"
	DueInvitation   = "invitation"
	DueContinuation = "continuation"
	DueRequest      = "request"
	DueOutcome      = "outcome"
	DueFaceToFace   = "facetoface"
	DueEnd          = "end"
)

// ReviewWarnDays is how close the review date must be, with no meeting
// scheduled, before it shows as due: early enough to schedule it and still
// invite the parents 6 days ahead.
const ReviewWarnDays = InvitationNoticeDays + 3

// DueItem is one thing due or overdue on a case.
type DueItem struct {
	Ref     string
	Kind    string // one of the Due… kinds
	Text    string // one line, never the pupil's name
	Command string // the one command that does it
	By      Date   // deadline
	Overdue bool
	// Key identifies the obligation, not the day it is looked at, so reminders
	// can be sent once per obligation: kind + subject, such as "invitation:M2".
	// A contact nudge and its escalation share a key; Overdue tells them apart.
	Key string
}

// Due lists what is due or overdue on an active case as of now, most urgent
// first. Ended cases have nothing due.
func Due(c *Case, now time.Time, cal Calendar) []DueItem {
	if c == nil || c.Status != Active {
		return nil
	}
	today := DateOf(now)
	var items []DueItem
	add := func(kind string, by Date, overdue bool, key, cmd, text string, args ...any) {
		items = append(items, DueItem{Ref: c.Ref, Kind: kind, Text: fmt.Sprintf(text, args...),
			Command: cmd, By: by, Overdue: overdue, Key: dueKey(kind, key)})
	}

	// Rule 9: the written notice, until it is recorded as given; not given
	// before the start, it stays a breach.
	if c.Start.Valid() && c.NoticeGiven.IsZero() {
		by := NoticeDeadline(c.Start, cal)
		if today >= c.Start {
			add(DueNotice, by, true, string(c.Start), "notice "+c.Ref+" given",
				"written notice to parents was due by %s (2 school days before the start on %s) and is not recorded as given — give it now", by.Short(), c.Start.Short())
		} else if today > by {
			add(DueNotice, by, true, string(c.Start), "notice "+c.Ref+" given",
				"written notice to parents was due by %s (2 school days before the start on %s) — send it now", by.Short(), c.Start.Short())
		} else {
			add(DueNotice, by, false, string(c.Start), "notice "+c.Ref+" given",
				"written notice to parents must reach them by %s (2 school days before the start on %s)", by.Short(), c.Start.Short())
		}
	}

	// The agreed end has passed: end the direction, or the reviews set a new date.
	if c.End.Valid() && today > c.End {
		add(DueEnd, c.End, true, string(c.End), "end "+c.Ref+" reintegrated|managed-move|semh|other",
			"the agreed end date (%s) has passed — end the direction, or record the decision to continue", c.End.Short())
	}

	// Rule 2: weekly contact between the schools.
	cmdContact := "contact " + c.Ref + " receiving phone …"
	switch cc := CheckContact(c, now, cal); cc.State {
	case ContactOverdue:
		add(DueContact, cc.DueBy, true, string(contactBase(c)), cmdContact,
			"no contact with the receiving school for %d school days — overdue, was due by %s", cc.Elapsed, cc.DueBy.Short())
	case ContactNudge:
		add(DueContact, cc.DueBy, false, string(contactBase(c)), cmdContact,
			"no contact with the receiving school for %d school days — due by %s", cc.Elapsed, cc.DueBy.Short())
	}

	// Rule 3: attendance for every past school day. Today is still in hand.
	if missing := missingAttendance(c, today, cal); len(missing) > 0 {
		first := missing[0]
		cmd := "attendance " + c.Ref + " " + string(first) + " AM PM"
		if len(missing) == 1 {
			add(DueAttendance, first, true, string(first), cmd, "attendance not confirmed for %s", first.Short())
		} else {
			add(DueAttendance, first, true, string(first), cmd,
				"attendance not confirmed for %d school days, the earliest %s", len(missing), first.Short())
		}
	}

	// Rule 4: the next review, when none is scheduled.
	_, scheduled := NextMeeting(c, now)
	reviewDue := ReviewDue(c)
	mode := InPerson + "|" + Online
	if !FaceToFace(c) {
		mode = InPerson
	}
	cmdSchedule := "review " + c.Ref + " schedule DATE TIME " + mode
	last, held := LastHeldMeeting(c, now)
	ending := held && last.Outcome.Decision != DecisionContinue
	switch {
	case ending:
		// The last review decided the direction ends: no more reviews, but it must be ended.
		add(DueEnd, last.Date(), false, "decision:"+last.ID, "end "+c.Ref+" "+endOutcome(last.Outcome.Decision),
			"the %s review decided: %s — end the direction when the pupil leaves", last.Date().Short(), last.Outcome.Decision)
	case !scheduled && reviewDue.Valid() && today.DaysUntil(reviewDue) <= ReviewWarnDays:
		inviteBy := InvitationDeadline(reviewDue)
		switch {
		case today > reviewDue:
			add(DueReview, reviewDue, true, string(reviewDue), cmdSchedule,
				"review meeting was due by %s and none is scheduled — overdue", reviewDue.Short())
		case today > inviteBy:
			add(DueReview, reviewDue, false, string(reviewDue), cmdSchedule,
				"next review meeting due by %s — not yet scheduled, and parents can no longer have 6 days' notice for it", reviewDue.Short())
		default:
			add(DueReview, reviewDue, false, string(reviewDue), cmdSchedule,
				"next review meeting due by %s — schedule it by %s so parents get 6 days' notice", reviewDue.Short(), inviteBy.Short())
		}
	}

	// Rules 5, 6 and 4: per meeting.
	for _, m := range c.Meetings {
		if m.Cancelled {
			continue
		}
		md := m.Date()
		switch {
		case m.Held():
			if m.Outcome.Decision == DecisionContinue && m.Outcome.NoticeSent.IsZero() {
				by := ContinuationDeadline(md)
				cmd := "review " + c.Ref + " told " + m.ID
				if today > by {
					add(DueContinuation, by, true, m.ID, cmd,
						"decision to continue from the %s meeting was due to parents by %s (6 days after) — tell them now", md.Short(), by.Short())
				} else {
					add(DueContinuation, by, false, m.ID, cmd,
						"decision to continue from the %s meeting must reach parents by %s (6 days after)", md.Short(), by.Short())
				}
			}
		case m.At.Before(now):
			add(DueOutcome, md, today > md, m.ID, "review "+c.Ref+" outcome",
				"outcome of the %s meeting not recorded yet", md.Short())
		case len(m.Invitations) == 0:
			by := InvitationDeadline(md)
			cmd := "link " + c.Ref + " parent"
			switch {
			case today > by:
				add(DueInvitation, by, true, m.ID, cmd,
					"invitation for the %s meeting should have gone to parents by %s (6 days before) — no parent is linked, invite them now", md.Short(), by.Short())
			case today == by:
				add(DueInvitation, by, false, m.ID, cmd,
					"invitation for the %s meeting must go to parents today (6 days before) — no parent is linked", md.Short())
			default:
				add(DueInvitation, by, false, m.ID, cmd,
					"invitation for the %s meeting must go to parents by %s (6 days before) — no parent is linked", md.Short(), by.Short())
			}
		}
	}

	// Rule 7: open requests are chased until a meeting is scheduled. A request
	// the duty applies to is overdue at once: "as soon as reasonably
	// practicable" gives no later date to wait for.
	for _, r := range c.Requests {
		if !r.Open() {
			continue
		}
		rd := DateOf(r.At)
		duty := "duty applies: hold one as soon as reasonably practicable"
		if !r.DutyApplies {
			duty = "duty does not apply"
			if !r.LastMeeting.IsZero() {
				duty += ": met " + r.LastMeeting.Short()
			}
		}
		add(DueRequest, rd, r.DutyApplies, r.ID, cmdSchedule,
			"review request from %s, %s — not yet scheduled (%s)", requesterName(r.From), rd.Short(), duty)
	}

	// Rule 4: at least one review face to face, once reviews have begun.
	if held && !ending && !FaceToFace(c) {
		add(DueFaceToFace, reviewDue, false, "", "review "+c.Ref+" schedule DATE TIME "+InPerson,
			"no face-to-face review meeting yet — make the next one in person")
	}

	SortDue(items)
	return items
}

// endOutcome is the end command's word for a review's decision.
func endOutcome(decision string) string {
	switch decision {
	case DecisionReintegrate:
		return OutcomeReintegrated
	case DecisionManagedMove:
		return OutcomeManagedMove
	case DecisionSEMH:
		return OutcomeSEMH
	}
	return OutcomeOther
}

// dueKey joins kind and subject; a kind with one obligation per case has no subject.
func dueKey(kind, subject string) string {
	if subject == "" {
		return kind
	}
	return kind + ":" + subject
}

func requesterName(from string) string {
	switch from {
	case FromParent:
		return "parent"
	case FromPupil:
		return "pupil"
	case FromLA:
		return "the local authority"
	}
	return from
}

// missingAttendance lists the school days from the start up to yesterday (and
// not after an agreed end) that have no attendance recorded, earliest first.
func missingAttendance(c *Case, today Date, cal Calendar) []Date {
	if !c.Start.Valid() {
		return nil
	}
	last := today.AddDays(-1)
	if c.End.Valid() && c.End < last {
		last = c.End
	}
	have := make(map[Date]bool, len(c.Attendance))
	for _, a := range c.Attendance {
		have[a.Date] = true
	}
	var out []Date
	for d := c.Start; d <= last; d = d.AddDays(1) {
		if !have[d] && cal.IsSchoolDay(d) {
			out = append(out, d)
		}
	}
	return out
}

// SortDue orders items most urgent first: overdue before not, then the
// earliest deadline, then kind, case and key so the order is the same every time.
func SortDue(items []DueItem) {
	slices.SortStableFunc(items, func(a, b DueItem) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.By, b.By), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Ref, b.Ref), cmp.Compare(a.Key, b.Key))
	})
}
