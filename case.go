// Package offsitebot is the case core of offsitebot: the records of an off-site
// direction and the rules the guidance sets for it, as pure functions of their
// inputs and the time. It imports only the standard library.
package offsitebot

import (
	"slices"
	"strings"
	"time"
)

// Role is what a person is to the cases they can see.
type Role string

const (
	RoleAdmin     Role = "admin"     // everything; adds schools and staff
	RoleHome      Role = "home"      // home-school staff: their school's cases
	RoleReceiving Role = "receiving" // receiving-school staff: their pupils
	RoleLA        Role = "la"        // local-authority officer: reads every case
	RoleParent    Role = "parent"    // parent or carer: their own child's case
	RolePupil     Role = "pupil"     // the pupil, where aged 18 or over
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleHome, RoleReceiving, RoleLA, RoleParent, RolePupil:
		return true
	}
	return false
}

// Staff reports whether r belongs to a school or the LA (as opposed to a family).
func (r Role) Staff() bool {
	return r == RoleAdmin || r == RoleHome || r == RoleReceiving || r == RoleLA
}

// Platform is where something was said or done.
type Platform string

const (
	Slack    Platform = "slack"
	Telegram Platform = "telegram"
	Shell    Platform = "shell"
	System   Platform = "system" // the bot itself: reminders, automatic records
	Web      Platform = "web"    // the read-only overview in a browser
)

// Identity is a person on one platform, namespaced: "slack:TEAM:USER",
// "telegram:USER", "shell:ROLE:NAME".
type Identity struct {
	ID          string    `bson:"_id" json:"id"`
	Role        Role      `bson:"role" json:"role"`
	Name        string    `bson:"name" json:"name"`
	URN         string    `bson:"urn,omitempty" json:"urn,omitempty"`     // staff: their school
	Cases       []string  `bson:"cases,omitempty" json:"cases,omitempty"` // joined by code: these cases only
	Unreachable bool      `bson:"unreachable,omitempty" json:"unreachable,omitempty"`
	Created     time.Time `bson:"created" json:"created"`
	// About is the case someone linked to several said their messages are
	// about, until AboutUntil (the end of that day): asked once, not at
	// every message.
	About      string    `bson:"about,omitempty" json:"about,omitempty"`
	AboutUntil time.Time `bson:"about_until,omitempty" json:"about_until,omitempty"`
}

// AboutNow is the case id's messages are about at t, as they chose it
// that day, or "" (none chosen, the day over, or no longer linked).
func (id Identity) AboutNow(t time.Time) string {
	if id.About == "" || !t.Before(id.AboutUntil) || !slices.Contains(id.Cases, id.About) {
		return ""
	}
	return id.About
}

// AboutEnds is when a choice of case made at t lasts: to the end of
// that day in London.
func AboutEnds(t time.Time) time.Time { return DateOf(t).AddDays(1).Time() }

// Platform returns the platform part of the identity's ID.
func (id Identity) Platform() Platform {
	for i := 0; i < len(id.ID); i++ {
		if id.ID[i] == ':' {
			return Platform(id.ID[:i])
		}
	}
	return ""
}

// School is identified by its 6-digit Unique Reference Number.
type School struct {
	URN   string `bson:"_id" json:"urn"`
	Name  string `bson:"name" json:"name"`
	Phone string `bson:"phone,omitempty" json:"phone,omitempty"`
}

// Status of a case.
type Status string

const (
	Active Status = "active"
	Ended  Status = "ended"
	Void   Status = "void" // withdrawn: opened by mistake, kept for the record only
)

// Outcomes a direction can end with.
const (
	OutcomeReintegrated = "reintegrated"
	OutcomeManagedMove  = "managed-move"
	OutcomeSEMH         = "semh"
	OutcomeOther        = "other"
)

// Case is one off-site direction with its whole chronology, kept in one
// document so it is read and changed together, atomically.
type Case struct {
	Ref          string    `bson:"_id" json:"ref"`
	Version      int64     `bson:"version" json:"version"` // optimistic lock
	Status       Status    `bson:"status" json:"status"`
	Demo         bool      `bson:"demo,omitempty" json:"demo,omitempty"`
	Pupil        string    `bson:"pupil" json:"pupil"`
	DOB          Date      `bson:"dob" json:"dob"`
	EHCP         bool      `bson:"ehcp" json:"ehcp"`
	HomeURN      string    `bson:"home" json:"home"`
	ReceivingURN string    `bson:"receiving" json:"receiving"`
	Start        Date      `bson:"start" json:"start"`
	End          Date      `bson:"end,omitempty" json:"end,omitempty"` // agreed end or maximum period
	Reasons      string    `bson:"reasons,omitempty" json:"reasons,omitempty"`
	Objectives   string    `bson:"objectives,omitempty" json:"objectives,omitempty"`
	Arrival      string    `bson:"arrival,omitempty" json:"arrival,omitempty"`   // whom the pupil reports to
	Sessions     string    `bson:"sessions,omitempty" json:"sessions,omitempty"` // session times
	Opened       time.Time `bson:"opened" json:"opened"`
	OpenedBy     string    `bson:"openedBy" json:"openedBy"`
	// NoticeGiven is when staff recorded that the written notice reached the parents (rule 9).
	NoticeGiven time.Time `bson:"noticeGiven,omitempty" json:"noticeGiven,omitzero"`
	Outcome     string    `bson:"outcome,omitempty" json:"outcome,omitempty"`
	EndedOn     Date      `bson:"endedOn,omitempty" json:"endedOn,omitempty"` // ended, or withdrawn
	VoidReason  string    `bson:"voidReason,omitempty" json:"voidReason,omitempty"`

	// People linked to the case by join code (parents, pupil, receiving contacts, LA).
	People []Person `bson:"people" json:"people"`

	// LastSchoolContact is the latest contact between the two schools, kept
	// beside the list so sweeps need not read the chronology.
	LastSchoolContact time.Time `bson:"lastSchoolContact,omitempty" json:"lastSchoolContact,omitzero"`
	// LastFamilyContact is the latest contact with the family or the
	// professionals around them (see Contact.WithFamily), kept for the same reason.
	LastFamilyContact time.Time `bson:"lastFamilyContact,omitempty" json:"lastFamilyContact,omitzero"`
	// Awaiting is what waits for the school's reply (see AwaitingReply), kept
	// beside the chronology for the same reason.
	Awaiting []Awaiting `bson:"awaiting,omitempty" json:"awaiting,omitempty"`

	Contacts   []Contact       `bson:"contacts" json:"contacts"`
	Attendance []AttendanceDay `bson:"attendance" json:"attendance"`
	Meetings   []Meeting       `bson:"meetings" json:"meetings"`
	Requests   []ReviewRequest `bson:"requests" json:"requests"`
	Feedback   []Feedback      `bson:"feedback" json:"feedback"`
	// Audit is the case's audit trail so far, as Open starts it; storage
	// keeps the trail apart from the case and never reads it into one (but a
	// trail stored in the case before, until moved). Append-only.
	Audit []AuditEvent `bson:"audit,omitempty" json:"audit,omitempty"`
}

// Initials returns the pupil's initials, "S.T.", for places others may read.
func (c *Case) Initials() string {
	out := make([]rune, 0, 6)
	start := true
	for _, r := range c.Pupil {
		switch {
		case r == ' ' || r == '-':
			start = true
		case start:
			out = append(out, r, '.')
			start = false
		}
	}
	return string(out)
}

// Person is someone linked to a case by a join code.
type Person struct {
	ID          string    `bson:"id" json:"id"`
	Role        Role      `bson:"role" json:"role"`
	Name        string    `bson:"name" json:"name"`
	Joined      time.Time `bson:"joined" json:"joined"`
	Unreachable bool      `bson:"unreachable,omitempty" json:"unreachable,omitempty"` // blocked the bot
	// LastFeedback is when they last gave their view, kept here so sweeps
	// (which do not read the feedback itself) need not ask again.
	LastFeedback time.Time `bson:"lastFeedback,omitempty" json:"lastFeedback,omitzero"`
}

// Parents returns the linked parents (and the pupil, if linked).
func (c *Case) Parents() []Person {
	var out []Person
	for _, p := range c.People {
		if p.Role == RoleParent || p.Role == RolePupil {
			out = append(out, p)
		}
	}
	return out
}

// Contact is one recorded contact about a case.
type Contact struct {
	ID      string    `bson:"id" json:"id"`
	At      time.Time `bson:"at" json:"at"`
	With    string    `bson:"with" json:"with"` // receiving, home, parent, pupil, la, professional
	How     string    `bson:"how" json:"how"`   // phone, email, meeting, visit, message
	Summary string    `bson:"summary" json:"summary"`
	By      string    `bson:"by" json:"by"`
	Via     Platform  `bson:"via" json:"via"`
	Auto    bool      `bson:"auto,omitempty" json:"auto,omitempty"` // a message the bot sent or received
	// Incoming marks a message someone linked to the case sent (a family's
	// words, a receiving contact's), which is owed a reply.
	Incoming bool `bson:"incoming,omitempty" json:"incoming,omitempty"`
	// Media is what came with the words: a photo, a document, a voice message.
	Media string `bson:"media,omitempty" json:"media,omitempty"`
	// File is the file that came with it (a photo, a document), by reference.
	File *FileRef `bson:"file,omitempty" json:"file,omitempty"`
}

// ContactHow are the means a contact can take (its partners are listed on Contact.With).
var ContactHow = []string{"phone", "email", "meeting", "visit", "message"}

// MaxSummary is the longest contact summary or request text accepted.
const MaxSummary = 3000

// BetweenSchools reports whether the contact was between the home and receiving schools.
func (c Contact) BetweenSchools() bool { return c.With == "receiving" || c.With == "home" }

// WithFamily reports whether the contact was with the family or the
// professionals around them, made by staff (not one of the bot's own messages).
func (c Contact) WithFamily() bool {
	return !c.BetweenSchools() && c.Via != System && c.By != BotActor(c.At).ID
}

// AttendanceDay is the receiving school's codes for one day; one per case and date.
type AttendanceDay struct {
	Date Date      `bson:"date" json:"date"`
	AM   string    `bson:"am" json:"am"`
	PM   string    `bson:"pm" json:"pm"`
	By   string    `bson:"by" json:"by"`
	At   time.Time `bson:"at" json:"at"`
	Via  Platform  `bson:"via" json:"via"`
	// Alerted says recording the day told the home school at once, so a
	// correction owes them word that it is resolved.
	Alerted bool `bson:"alerted,omitempty" json:"alerted,omitempty"`
}

// Meeting modes.
const (
	InPerson = "in-person"
	Online   = "online"
)

// Meeting is a review meeting, scheduled and later held with an outcome.
type Meeting struct {
	ID          string         `bson:"id" json:"id"`
	At          time.Time      `bson:"at" json:"at"`
	Mode        string         `bson:"mode" json:"mode"`
	Place       string         `bson:"place,omitempty" json:"place,omitempty"`
	Scheduled   time.Time      `bson:"scheduled" json:"scheduled"`
	By          string         `bson:"by" json:"by"`
	ShortNotice bool           `bson:"shortNotice,omitempty" json:"shortNotice,omitempty"` // confirmed under 6 days
	Invitations []Invitation   `bson:"invitations" json:"invitations"`
	Outcome     *ReviewOutcome `bson:"outcome,omitempty" json:"outcome,omitempty"`
	Cancelled   bool           `bson:"cancelled,omitempty" json:"cancelled,omitempty"`
}

// Date returns the London date of the meeting.
func (m Meeting) Date() Date { return DateOf(m.At) }

// Where says where the meeting is, for people: "in person (Room 4)", "online (link)".
func (m Meeting) Where() string {
	s := "in person"
	if m.Mode == Online {
		s = "online"
	}
	if m.Place != "" {
		s += " (" + m.Place + ")"
	}
	return s
}

// NamedInvited reports whether those the regulations name on day d were
// invited to m (rule 5), by the bot or another way: once the pupil is 18,
// a parent's invitation alone is not theirs.
func (c *Case) NamedInvited(m Meeting, d Date) bool {
	return slices.ContainsFunc(m.Invitations, func(inv Invitation) bool {
		return inv.Role == "" || c.Named(inv.Role, d)
	})
}

// Held reports whether the meeting's outcome was recorded.
func (m Meeting) Held() bool { return m.Outcome != nil }

// Invitation answers.
const (
	AnswerYes       = "yes"
	AnswerOtherTime = "other-time"
)

// Invitation is one person's invitation to a meeting and their answer.
type Invitation struct {
	To string `bson:"to" json:"to"`
	// Role is who they are to the case; "" for the family (and invitations
	// given outside offsitebot).
	Role       Role      `bson:"role,omitempty" json:"role,omitempty"`
	Sent       time.Time `bson:"sent" json:"sent"`
	Answer     string    `bson:"answer,omitempty" json:"answer,omitempty"`
	Answered   time.Time `bson:"answered,omitempty" json:"answered,omitzero"`
	Suggestion string    `bson:"suggestion,omitempty" json:"suggestion,omitempty"`
}

// outsidePrefix marks an invitation given outside offsitebot (a letter, a
// call): To holds how, not an identity.
const outsidePrefix = "outside offsitebot: "

// Outside reports whether the invitation was given outside offsitebot, and how.
func (i Invitation) Outside() (how string, ok bool) {
	return strings.CutPrefix(i.To, outsidePrefix)
}

// Decisions a review can reach.
const (
	DecisionContinue    = "continue"
	DecisionReintegrate = "reintegrate"
	DecisionManagedMove = "managed-move"
	DecisionSEMH        = "semh"
	DecisionOther       = "other"
)

// ReviewOutcome is what a review meeting found and decided.
type ReviewOutcome struct {
	Met           string `bson:"met" json:"met"` // yes, partly, no
	Successes     string `bson:"successes" json:"successes"`
	Voice         string `bson:"voice" json:"voice"`
	Concerns      string `bson:"concerns" json:"concerns"`
	Interventions string `bson:"interventions" json:"interventions"`
	Decision      string `bson:"decision" json:"decision"`
	Until         Date   `bson:"until,omitempty" json:"until,omitempty"`
	Next          Date   `bson:"next,omitempty" json:"next,omitempty"`
	Attended      string `bson:"attended" json:"attended"`
	// Plan is the plan for reintegration or the onward pathway, asked for
	// when the decision is to end the direction.
	Plan     string    `bson:"plan,omitempty" json:"plan,omitempty"`
	Recorded time.Time `bson:"recorded" json:"recorded"`
	By       string    `bson:"by" json:"by"`
	// NoticeSent is when the decision to continue went to parents (rule 6).
	NoticeSent time.Time `bson:"noticeSent,omitempty" json:"noticeSent,omitzero"`
}

// Requesters of a review meeting.
const (
	FromParent = "parent"
	FromPupil  = "pupil"
	FromLA     = "la"
)

// ReviewRequest is a written request for a review meeting, recorded word for word.
type ReviewRequest struct {
	ID          string    `bson:"id" json:"id"`
	At          time.Time `bson:"at" json:"at"`
	From        string    `bson:"from" json:"from"`
	Text        string    `bson:"text" json:"text"`
	By          string    `bson:"by" json:"by"`
	Via         Platform  `bson:"via" json:"via"`
	DutyApplies bool      `bson:"dutyApplies" json:"dutyApplies"`
	LastMeeting Date      `bson:"lastMeeting,omitempty" json:"lastMeeting,omitempty"`
	Answered    string    `bson:"answered,omitempty" json:"answered,omitempty"` // meeting ID scheduled for it
}

// Open reports whether no meeting has been scheduled for the request yet.
func (r ReviewRequest) Open() bool { return r.Answered == "" }

// Feedback is the pupil's and family's view, given before a review.
type Feedback struct {
	ID     string    `bson:"id" json:"id"`
	At     time.Time `bson:"at" json:"at"`
	By     string    `bson:"by" json:"by"`
	Pupil  string    `bson:"pupil" json:"pupil"`   // the pupil's view
	Family string    `bson:"family" json:"family"` // the family's view
	Rating int       `bson:"rating,omitempty" json:"rating,omitempty"`
}

// AuditEvent records who did what, when, from where. Never changed once written.
type AuditEvent struct {
	At     time.Time `bson:"at" json:"at"`
	By     string    `bson:"by" json:"by"`
	Via    Platform  `bson:"via" json:"via"`
	Action string    `bson:"action" json:"action"`
	Case   string    `bson:"case,omitempty" json:"case,omitempty"`
	Detail string    `bson:"detail,omitempty" json:"detail,omitempty"`
}

// JoinCode lets a parent or receiving contact on Telegram join one case.
type JoinCode struct {
	Code      string    `bson:"_id" json:"code"`
	Case      string    `bson:"case" json:"case"`
	Role      Role      `bson:"role" json:"role"`
	Created   time.Time `bson:"created" json:"created"`
	CreatedBy string    `bson:"createdBy" json:"createdBy"`
	Expires   time.Time `bson:"expires" json:"expires"`
	UsedBy    string    `bson:"usedBy,omitempty" json:"usedBy,omitempty"`
	UsedAt    time.Time `bson:"usedAt,omitempty" json:"usedAt,omitzero"`
}

// JoinCodeLife is how long a join code stays valid.
const JoinCodeLife = 7 * 24 * time.Hour

// Conversation is the saved state of one person's guided flow, so it survives a
// restart and works across replicas.
type Conversation struct {
	Key     string            `bson:"_id"`
	Flow    string            `bson:"flow"`
	Answers map[string]string `bson:"answers"`
	Order   []string          `bson:"order"` // keys in the order answered, for "back"
	Expires time.Time         `bson:"expires"`
}
