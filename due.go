package offsitebot

import (
	"cmp"
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
	DueFamily       = "family"  // contact with the family, nudged after [rules] family_contact_days
	DueEndPlan      = "endplan" // plan reintegration or the onward pathway before the agreed end
	DueEnd          = "end"
	DueReply        = "reply"
)

// Stages of an item whose kind reads differently as its day nears or passes.
const (
	StageStarted = "started"  // notice: the direction began without it
	StageLastDay = "last day" // invitation: today is the last day for 6 days' notice
	StageTooLate = "too late" // review: parents can no longer have 6 days' notice
)

// Party is whom a duty falls to.
type Party string

// Parties with duties on a case. No rule puts a duty on the family.
const (
	HomeSchool      Party = "home"
	ReceivingSchool Party = "receiving"
	BothSchools     Party = "schools" // weekly contact runs between them
)

// ReviewWarnDays is how close the review date must be, with no meeting
// scheduled, before it shows as due: early enough to schedule it and still
// invite the parents 6 days ahead.
const ReviewWarnDays = InvitationNoticeDays + 3

// DueItem is one thing due or overdue on a case, as facts: the conversations
// package words it for whoever reads it.
type DueItem struct {
	Ref  string
	Kind string // one of the Due… kinds
	// Subject is what the duty is about: a meeting (M2), a request (R1), or a
	// day (the start, the agreed end, the last contact, the first day without
	// attendance, the review date); "" for the one face-to-face duty.
	Subject string
	By      Date // deadline
	Overdue bool
	Party   Party // whose duty it is
	// Key identifies the obligation, not the day it is looked at, so reminders
	// can be sent once per obligation: kind + subject, such as "invitation:M2".
	// A contact nudge and its escalation share a key; Overdue tells them apart.
	// Reminders' outbox keys are built on it: never change its form.
	Key string

	// Facts for the wording, set by the kinds they belong to.
	Stage       string // one of the Stage… values, or ""
	On          Date   // the day it concerns: the start, agreed end, meeting, request or first day without attendance
	Days        int    // school days without contact, or without attendance
	InPerson    bool   // the meeting to schedule should be face to face: none has been yet
	From        string // request: who asked (From…)
	DutyApplies bool   // request: the duty to hold a meeting applies
	LastMet     Date   // request: the meeting held before it, if any
	// Booked is the meeting booked to answer a request, or the later
	// meeting booked while a review is due sooner.
	Booked Date
	// Far says the meeting booked for a request is later than "as soon as
	// reasonably practicable" allows (By, the [rules] setting).
	Far       bool
	Decision  string    // end: what the last review decided
	EHCP      bool      // notice: the pupil has an EHC plan, so the LA must get the notice too
	Since     time.Time // reply: when the message waiting longest came
	IsRequest bool      // reply: it is a review request
	// CanReply says (reply) the reply can go through offsitebot: someone of
	// theirs is linked (the receiving school's staff are taken to be there).
	CanReply bool
	// Adult says the pupil is 18 or over: the pupil, not the parents, is
	// the person the regulations name.
	Adult bool
	// Linked says (invitation) that someone the regulations name is linked,
	// but the invitation did not reach them; Unreachable that everyone of
	// them linked was found unreachable (they blocked offsitebot).
	Linked, Unreachable bool
}

// dueAt is what every rule needs: the case, the moment and the calendar, and
// where the reviews stand, worked out once.
type dueAt struct {
	c         *Case
	now       time.Time
	today     Date
	cal       Calendar
	set       Settings
	reviewDue Date    // when the next review should be held
	scheduled bool    // a meeting is booked
	next      Meeting // the meeting booked, if scheduled
	last      Meeting // the last meeting held, if held
	held      bool
	ending    bool // the last review decided the direction ends
}

// item starts an item of kind about subject, keyed on it.
func (at dueAt) item(kind, subject string, party Party) DueItem {
	return DueItem{Ref: at.c.Ref, Kind: kind, Subject: subject, Party: party, Key: dueKey(kind, subject)}
}

// dueRules are the rules Due applies, one function each.
var dueRules = []func(at dueAt) []DueItem{
	dueNotice, dueAgreedEnd, dueDecidedEnd, dueContact, dueAttendance, dueReview,
	dueContinuation, dueOutcome, dueInvitation, dueRequests, dueFaceToFace, dueFamily, dueEndPlan, dueReplies,
}

// Due lists what is due or overdue on an active case as of now, most urgent
// first: only what can still be done (Breaches keeps what was missed). Ended
// cases have nothing due.
func Due(c *Case, now time.Time, cal Calendar, set Settings) []DueItem {
	if c == nil || c.Status != Active {
		return nil
	}
	at := dueAt{c: c, now: now, today: DateOf(now), cal: cal, set: set.OrDefault(), reviewDue: ReviewDue(c, now)}
	at.next, at.scheduled = NextMeeting(c, now)
	at.last, at.held = LastHeldMeeting(c, now)
	at.ending = at.held && at.last.Outcome.Decision != DecisionContinue
	var items []DueItem
	for _, rule := range dueRules {
		items = append(items, rule(at)...)
	}
	if c.Adult(at.today) {
		for i := range items {
			items[i].Adult = true
		}
	}
	SortDue(items)
	return items
}

// dueNotice is rule 9: the written notice, until it is recorded as given; not
// given before the start, it stays a breach.
func dueNotice(at dueAt) []DueItem {
	c := at.c
	if !c.Start.Valid() || !c.NoticeGiven.IsZero() {
		return nil
	}
	it := at.item(DueNotice, string(c.Start), HomeSchool)
	it.By, it.On, it.EHCP = NoticeDeadline(c.Start, at.cal.For(c.HomeURN)), c.Start, c.EHCP
	it.Overdue = at.today > it.By
	if at.today >= c.Start {
		it.Overdue, it.Stage = true, StageStarted
	}
	return []DueItem{it}
}

// dueAgreedEnd: the agreed end has passed, so the direction is to be ended or
// the reviews set a new date.
func dueAgreedEnd(at dueAt) []DueItem {
	c := at.c
	if !c.End.Valid() || at.today <= c.End {
		return nil
	}
	it := at.item(DueEnd, string(c.End), HomeSchool)
	it.By, it.On, it.Overdue = c.End, c.End, true
	return []DueItem{it}
}

// dueDecidedEnd: the last review decided the direction ends, so there are no
// more reviews, but it must be ended.
func dueDecidedEnd(at dueAt) []DueItem {
	if !at.ending {
		return nil
	}
	m := at.last
	it := at.item(DueEnd, m.ID, HomeSchool)
	it.Key = dueKey(DueEnd, "decision:"+m.ID)
	it.By, it.On, it.Decision = m.Date(), m.Date(), m.Outcome.Decision
	return []DueItem{it}
}

// dueContact is rule 2: weekly contact between the schools.
func dueContact(at dueAt) []DueItem {
	cc := CheckContact(at.c, at.now, at.cal)
	if cc.State != ContactNudge && cc.State != ContactOverdue {
		return nil
	}
	it := at.item(DueContact, string(contactBase(at.c)), BothSchools)
	it.By, it.Days, it.Overdue = cc.DueBy, cc.Elapsed, cc.State == ContactOverdue
	return []DueItem{it}
}

// dueAttendance is rule 3: attendance for every past school day. Today is
// still in hand.
func dueAttendance(at dueAt) []DueItem {
	missing := missingAttendance(at.c, at.today, at.cal.For(at.c.ReceivingURN))
	if len(missing) == 0 {
		return nil
	}
	first := missing[0]
	it := at.item(DueAttendance, string(first), ReceivingSchool)
	it.By, it.On, it.Days, it.Overdue = first, first, len(missing), true
	return []DueItem{it}
}

// dueReview is rule 4: the next review, when none is scheduled by its date
// and that date is near. A meeting booked after it does not meet it.
func dueReview(at dueAt) []DueItem {
	due := at.reviewDue
	if at.ending || (at.scheduled && at.next.Date() <= due) || !due.Valid() || at.today.DaysUntil(due) > ReviewWarnDays {
		return nil
	}
	it := at.item(DueReview, string(due), HomeSchool)
	it.By, it.InPerson = due, !FaceToFace(at.c)
	if at.scheduled {
		it.Booked = at.next.Date()
	}
	switch {
	case at.today > due:
		it.Overdue = true
	case at.today > InvitationDeadline(due):
		it.Stage = StageTooLate
	}
	return []DueItem{it}
}

// meetings are the case's meetings not cancelled that match ok.
func (at dueAt) meetings(ok func(Meeting) bool) []Meeting {
	var out []Meeting
	for _, m := range at.c.Meetings {
		if !m.Cancelled && ok(m) {
			out = append(out, m)
		}
	}
	return out
}

// dueContinuation is rule 6: a decision to continue told to the parents
// within 6 days of the meeting.
func dueContinuation(at dueAt) []DueItem {
	var items []DueItem
	for _, m := range at.meetings(func(m Meeting) bool {
		return m.Held() && m.Outcome.Decision == DecisionContinue && m.Outcome.NoticeSent.IsZero()
	}) {
		it := at.item(DueContinuation, m.ID, HomeSchool)
		it.By, it.On = ContinuationDeadline(m.Date()), m.Date()
		it.Overdue = at.today > it.By
		items = append(items, it)
	}
	return items
}

// dueOutcome is rule 4: a meeting's outcome, once its time has passed.
func dueOutcome(at dueAt) []DueItem {
	var items []DueItem
	for _, m := range at.meetings(func(m Meeting) bool { return !m.Held() && m.At.Before(at.now) }) {
		it := at.item(DueOutcome, m.ID, HomeSchool)
		it.By, it.On = m.Date(), m.Date()
		it.Overdue = at.today > it.By
		items = append(items, it)
	}
	return items
}

// dueInvitation is rule 5: parents invited 6 days before a meeting to come;
// due while nobody has been invited.
func dueInvitation(at dueAt) []DueItem {
	var items []DueItem
	linked, unreachable := at.c.NamedReach(at.today)
	for _, m := range at.meetings(func(m Meeting) bool { return !m.Held() && !m.At.Before(at.now) && !at.c.NamedInvited(m, at.today) }) {
		it := at.item(DueInvitation, m.ID, HomeSchool)
		it.By, it.On = InvitationDeadline(m.Date()), m.Date()
		it.Linked, it.Unreachable = linked, unreachable
		switch {
		case at.today > it.By:
			it.Overdue = true
		case at.today == it.By:
			it.Stage = StageLastDay
		}
		items = append(items, it)
	}
	return items
}

// dueRequests is rule 7. A request the duty applies to stays due until a
// meeting is held for it: with none booked it is overdue at once ("as soon as
// reasonably practicable" gives no later date to wait for); booked later than
// the set number of school days after it, it is flagged as not that. A request
// the duty does not apply to is due (a reply) until a meeting is booked for it.
func dueRequests(at dueAt) []DueItem {
	var items []DueItem
	for _, r := range at.c.Requests {
		if _, met := RequestMet(at.c, r, at.now); met || (!r.DutyApplies && !r.Open()) {
			continue
		}
		booked, isBooked := RequestBooked(at.c, r, at.now)
		it := at.item(DueRequest, r.ID, HomeSchool)
		it.By, it.On = DateOf(r.At), DateOf(r.At)
		it.Overdue, it.InPerson = r.DutyApplies, !FaceToFace(at.c)
		it.From, it.DutyApplies, it.LastMet = r.From, r.DutyApplies, r.LastMeeting
		if r.DutyApplies {
			it.By = RequestDeadline(at.c, r, at.cal, at.set)
		}
		if isBooked && r.DutyApplies {
			it.Booked, it.Far = booked.Date(), booked.Date() > it.By
			it.Overdue = it.Far || at.today > it.By
		}
		items = append(items, it)
	}
	return items
}

// dueFaceToFace is rule 4: at least one review face to face, once reviews have begun.
func dueFaceToFace(at dueAt) []DueItem {
	if !at.held || at.ending || FaceToFace(at.c) {
		return nil
	}
	it := at.item(DueFaceToFace, "", HomeSchool)
	it.By, it.InPerson = at.reviewDue, true
	return []DueItem{it}
}

// dueFamily: contact with the family (and the professionals around them) is
// kept up, and home staff are nudged once the set number of calendar days
// have passed without any, counted from the start at the earliest.
func dueFamily(at dueAt) []DueItem {
	base := at.c.Start
	last := at.c.LastFamilyContact // lists leave the contacts out
	if ct, ok := LastFamilyContact(at.c); ok && ct.At.After(last) {
		last = ct.At // a case stored before the field was kept
	}
	if !last.IsZero() && DateOf(last) > base {
		base = DateOf(last)
	}
	by := base.AddDays(at.set.FamilyContactDays)
	if !base.Valid() || at.today < by {
		return nil
	}
	it := at.item(DueFamily, string(base), HomeSchool)
	it.By, it.On, it.Days = by, base, base.DaysUntil(at.today)
	return []DueItem{it}
}

// dueEndPlan: the set number of school days before the agreed end, home
// staff plan reintegration or the onward pathway, unless a review already
// decided how the direction ends.
func dueEndPlan(at dueAt) []DueItem {
	c := at.c
	if !c.End.Valid() || at.ending || at.today > c.End {
		return nil
	}
	from := at.cal.For(c.HomeURN).AddSchoolDays(c.End, -at.set.EndPlanSchoolDays)
	if at.today < from {
		return nil
	}
	it := at.item(DueEndPlan, string(c.End), HomeSchool)
	it.By, it.On, it.InPerson = c.End, c.End, !FaceToFace(c)
	return []DueItem{it}
}

// LastFamilyContact is the latest contact with the family or the
// professionals around them (not the bot's own messages).
func LastFamilyContact(c *Case) (Contact, bool) {
	var last Contact
	found := false
	for _, ct := range c.Contacts {
		if !ct.WithFamily() {
			continue
		}
		if !found || ct.At.After(last.At) {
			last, found = ct, true
		}
	}
	return last, found
}

// dueKey joins kind and subject; a kind with one obligation per case has no subject.
func dueKey(kind, subject string) string {
	if subject == "" {
		return kind
	}
	return kind + ":" + subject
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
	for d := range Days(c.Start, last) {
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
