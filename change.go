package offsitebot

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Every change to a case is a method of Case (or Open, for a new one): it
// checks the rules, changes the case, and returns a Change saying what to
// record and whom to tell. The caller stores the case with the Change's audit
// entries (all at once, so a lost race can simply run the method again on a
// fresh copy), then words and sends the notices.
//
// An ended case takes nothing new: contacts, attendance, meetings, requests,
// feedback, invitations and their answers are refused. What happened before
// the end can still be recorded (a held meeting's outcome or its cancellation,
// a decision or the notice told another way), people can still join or leave,
// and the bot records what it sent.

// Actor is who makes a change, in what role, from where, and when.
type Actor struct {
	ID   string
	Role Role
	Via  Platform
	At   time.Time
}

// BotActor is offsitebot itself acting at t: records of what it sent, reminders.
func BotActor(t time.Time) Actor { return Actor{ID: "offsitebot", Via: System, At: t} }

// event is an audit entry for a's change to c.
func (a Actor) event(c *Case, action, detail string) AuditEvent {
	return AuditEvent{At: a.At, By: a.ID, Via: a.Via, Action: action, Case: c.Ref, Detail: detail}
}

// Change is what a change to a case did: the audit entries to append as it is
// stored, and the notices it owes people.
type Change struct {
	Audit   []AuditEvent
	Notices []Notice
}

func (ch *Change) audit(e AuditEvent) { ch.Audit = append(ch.Audit, e) }
func (ch *Change) owe(n Notice)       { ch.Notices = append(ch.Notices, n) }

// NoticeKind is what a notice tells.
type NoticeKind string

const (
	NoticeInvitation  NoticeKind = "invitation"        // to a review meeting (rule 5)
	NoticeMoved       NoticeKind = "meeting moved"     // a meeting's new time
	NoticePlace       NoticeKind = "meeting place"     // a meeting's place or link, given later
	NoticeCancelled   NoticeKind = "meeting cancelled" // a meeting is off
	NoticeDecision    NoticeKind = "decision"          // a decision to continue (rule 6)
	NoticeCorrected   NoticeKind = "outcome corrected" // a decision told, then corrected
	NoticeEnded       NoticeKind = "ended"             // the direction has ended
	NoticeRequest     NoticeKind = "review request"    // a written request, passed on (rule 7)
	NoticeSuggestion  NoticeKind = "time suggestion"   // a parent can't come and suggests a time
	NoticeAbsence     NoticeKind = "absence alert"     // a safeguarding absence (rule 3)
	NoticeResolved    NoticeKind = "absence resolved"  // an absence alerted on, corrected
	NoticeUnreachable NoticeKind = "unreachable"       // someone can't be reached by the bot
	NoticeMessage     NoticeKind = "message"           // a family's (or contact's) own words, passed on
	NoticeReply       NoticeKind = "reply"             // staff's answer to them
)

// Audience is who must be told.
type Audience string

const (
	ToParents Audience = "parents" // the linked parents, and the pupil if linked (Case.Parents)
	ToInvited Audience = "invited" // everyone invited to the notice's meeting
	ToHome    Audience = "home"    // the home school's staff
	// ToRole is the people linked to the case in the notice's Role (and, for
	// the receiving school, its staff).
	ToRole Audience = "role"
	// ToFamilyAndLA is the family, and the linked LA officers where the pupil
	// has an EHC plan: those told of each decision.
	ToFamilyAndLA Audience = "family and la"
	// ToConcerned is those, and the receiving school's linked contacts:
	// those invited to review meetings and told when the direction ends.
	ToConcerned Audience = "concerned"
)

// Notice is something people must be told because of a change: what kind of
// thing and the facts of it. The words are not the core's business.
type Notice struct {
	Kind NoticeKind
	To   Audience
	// Meeting is the meeting it is about, as it is after the change.
	Meeting Meeting
	// Was is where a moved meeting was before.
	Was time.Time
	// Before is a corrected outcome as it was told.
	Before ReviewOutcome
	// Request is the review request passed on.
	Request ReviewRequest
	// Day is the attendance that raised an alert, or that corrected one
	// (DayWas, as it raised the alert).
	Day, DayWas AttendanceDay
	// Person and Role are who it is about, or who acted: the person
	// unreachable, who suggested another time, who recorded an absence.
	Person string
	Role   Role
	// Text is someone's own words: the time a family suggests, a message,
	// a reply.
	Text string
	// Media is what came with a message: a photo, a document, a voice message.
	Media string
	// File is the file that came with a message, by reference, and Contact
	// the chronology's entry for the message.
	File    *FileRef
	Contact string
	// At is when it happened.
	At time.Time
}

// Open returns a new active case with the facts given (those `new` asks
// for), opened by a. facts.Ref, if set, is the reference to use (the demo's);
// otherwise a new one is drawn, so a clash is retried by opening again.
func Open(a Actor, facts Case) (*Case, error) {
	if !facts.Start.Valid() {
		return nil, Errorf(EInvalid, "A case needs its first day (YYYY-MM-DD).")
	}
	if facts.HomeURN == facts.ReceivingURN {
		return nil, Errorf(EInvalid, "The receiving school must be another school than the home school (%s).", facts.ReceivingURN)
	}
	if !facts.End.Valid() {
		return nil, Errorf(EInvalid, "A case needs its end date: the agreed end, or the last day of the maximum period, which the written notice must state (end=YYYY-MM-DD).")
	}
	if facts.End <= facts.Start {
		return nil, Errorf(EInvalid, "The end date must be after the start (%s).", facts.Start.Short())
	}
	c := &Case{
		Ref: facts.Ref, Status: Active, Demo: facts.Demo,
		Pupil: facts.Pupil, DOB: facts.DOB, EHCP: facts.EHCP, HomeURN: facts.HomeURN, ReceivingURN: facts.ReceivingURN,
		Start: facts.Start, End: facts.End, Reasons: facts.Reasons, Objectives: facts.Objectives,
		Arrival: facts.Arrival, Sessions: facts.Sessions, Opened: a.At, OpenedBy: a.ID,
	}
	if c.Ref == "" {
		c.Ref = NewRef()
	}
	c.Audit = []AuditEvent{a.event(c, "case opened", "")}
	return c, nil
}

// Clone returns a deep copy of c: changing one never changes the other.
func (c *Case) Clone() *Case {
	cp := *c
	cp.People = slices.Clone(c.People)
	cp.Contacts = slices.Clone(c.Contacts)
	for i := range cp.Contacts {
		if f := cp.Contacts[i].File; f != nil {
			g := *f
			cp.Contacts[i].File = &g
		}
	}
	cp.Attendance = slices.Clone(c.Attendance)
	cp.Requests = slices.Clone(c.Requests)
	cp.Feedback = slices.Clone(c.Feedback)
	cp.Audit = slices.Clone(c.Audit)
	cp.Meetings = slices.Clone(c.Meetings)
	cp.Awaiting = slices.Clone(c.Awaiting)
	for i := range cp.Meetings {
		m := &cp.Meetings[i]
		m.Invitations = slices.Clone(m.Invitations)
		if m.Outcome != nil {
			o := *m.Outcome
			m.Outcome = &o
		}
	}
	return &cp
}

// Meeting returns the meeting with that ID (M2).
func (c *Case) Meeting(id string) (Meeting, bool) {
	if i := c.meeting(id); i >= 0 {
		return c.Meetings[i], true
	}
	return Meeting{}, false
}

func (c *Case) meeting(id string) int {
	return slices.IndexFunc(c.Meetings, func(m Meeting) bool { return m.ID == id })
}

// Person returns the person linked to the case with that identity ID.
func (c *Case) Person(id string) (Person, bool) {
	if i := slices.IndexFunc(c.People, func(p Person) bool { return p.ID == id }); i >= 0 {
		return c.People[i], true
	}
	return Person{}, false
}

// WasInvited reports whether the meeting's invitation went to that person.
func (m Meeting) WasInvited(id string) bool {
	return slices.ContainsFunc(m.Invitations, func(inv Invitation) bool { return inv.To == id })
}

// CheckActive returns the refusal of anything new on an ended case, or nil.
func (c *Case) CheckActive() error {
	switch c.Status {
	case Active:
		return nil
	case Void:
		return Errorf(EInvalid, "%s was withdrawn on %s (%s), so nothing can be recorded on it.", c.Ref, c.EndedOn.Short(), c.VoidReason)
	}
	return Errorf(EInvalid, "%s ended on %s, so nothing more can be recorded on it.", c.Ref, c.EndedOn.Short())
}

// addContact appends ct, numbered, and keeps the latest contact between the
// schools and with the family beside the list, whatever order contacts are
// recorded in.
func (c *Case) addContact(ct Contact) {
	ct.ID = fmt.Sprintf("C%d", len(c.Contacts)+1)
	c.Contacts = append(c.Contacts, ct)
	if ct.BetweenSchools() && ct.At.After(c.LastSchoolContact) {
		c.LastSchoolContact = ct.At
	}
	if ct.WithFamily() && ct.At.After(c.LastFamilyContact) {
		c.LastFamilyContact = ct.At
	}
	c.Awaiting = AwaitingReply(c)
}

// autoContact records a message the bot sent to parents.
func (c *Case) autoContact(at time.Time, summary string) {
	c.addContact(Contact{At: at, With: "parent", How: "message", Summary: summary, By: BotActor(at).ID, Via: System, Auto: true})
}

// Delivered records what the bot sent for notice n, to the people (or home
// staff) it reached, at: invitations sent, a decision told, the news of a
// meeting's cancellation or new time, each in the chronology (rule 1), and
// news passed to the home school in the audit trail.
func (c *Case) Delivered(n Notice, to []string, at time.Time) Change {
	rs := make([]Recipient, len(to))
	for i, id := range to {
		rs[i] = Recipient{ID: id, Role: c.roleOf(id)}
	}
	return c.DeliveredTo(n, rs, at)
}

// Recipient is someone a notice went to, and in what role: a person linked
// to the case, or staff (the receiving school's, the LA's) who are not.
type Recipient struct {
	ID   string
	Role Role
}

// DeliveredTo is Delivered for recipients whose role is known, staff among
// them: an invitation records each one's role, so staff invited are never
// taken for the family.
func (c *Case) DeliveredTo(n Notice, rs []Recipient, at time.Time) Change {
	var ch Change
	to := make([]string, len(rs))
	for i, r := range rs {
		to[i] = r.ID
	}
	if len(to) == 0 {
		return ch
	}
	bot := BotActor(at)
	id := n.Meeting.ID
	i := c.meeting(id)
	switch n.Kind {
	case NoticeInvitation:
		if i >= 0 {
			for _, r := range rs {
				c.Meetings[i].Invitations = append(c.Meetings[i].Invitations, Invitation{To: r.ID, Sent: at, Role: r.Role})
			}
		}
		c.autoContact(at, "Invitation to review meeting "+id+" sent")
		ch.audit(bot.event(c, "invitation sent", id+" to "+strings.Join(to, ", ")))
	case NoticeDecision:
		if !slices.ContainsFunc(rs, func(r Recipient) bool { return c.Named(r.Role, DateOf(at)) }) {
			// Once 18 the pupil is the one to tell: a parent told is not enough.
			ch.audit(bot.event(c, "decision notice sent", id+" to "+strings.Join(to, ", ")+", not yet to those the regulations name"))
			break
		}
		decided := ""
		if i >= 0 && c.Meetings[i].Outcome != nil {
			c.Meetings[i].Outcome.NoticeSent = at
			decided = " (" + c.Meetings[i].Outcome.Decision + ")"
		}
		c.autoContact(at, "Decision after "+id+decided+" sent")
		ch.audit(bot.event(c, "decision notice sent", id))
	case NoticeCorrected:
		c.autoContact(at, "Correction to the outcome of "+id+" sent")
		ch.audit(bot.event(c, "correction sent", id))
	case NoticeCancelled:
		c.autoContact(at, "Cancellation of review meeting "+id+" sent")
		ch.audit(bot.event(c, "cancellation sent", id))
	case NoticeMoved:
		if i >= 0 {
			for j := range c.Meetings[i].Invitations {
				if inv := &c.Meetings[i].Invitations[j]; slices.Contains(to, inv.To) {
					inv.Sent = at // the new time's notice runs from now
				}
			}
		}
		c.autoContact(at, "New time of review meeting "+id+" sent")
		ch.audit(bot.event(c, "new time sent", id))
	case NoticePlace:
		c.autoContact(at, "Place of review meeting "+id+" sent")
		ch.audit(bot.event(c, "place sent", id))
	case NoticeRequest:
		ch.audit(bot.event(c, "review request passed on", toHome(to)))
	case NoticeSuggestion:
		ch.audit(bot.event(c, "time suggestion passed on", toHome(to)))
	case NoticeAbsence:
		ch.audit(bot.event(c, "attendance alert", toHome(to)))
	case NoticeMessage:
		ch.audit(bot.event(c, "message passed on", toHome(to)))
	case NoticeReply:
		ch.audit(bot.event(c, "reply sent", fmt.Sprintf("to %d %s", len(to), n.Role)))
	case NoticeResolved:
		ch.audit(bot.event(c, "attendance alert resolved", toHome(to)))
	}
	return ch
}

// roleOf is the role of the person linked to c with identity id, or "".
func (c *Case) roleOf(id string) Role {
	p, _ := c.Person(id)
	return p.Role
}

// IsFamily reports whether identity id is a parent or the pupil linked to c.
func (c *Case) IsFamily(id string) bool {
	r := c.roleOf(id)
	return r == RoleParent || r == RolePupil
}

func toHome(staff []string) string { return fmt.Sprintf("to %d home-school staff", len(staff)) }
