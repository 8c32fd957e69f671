// Package documents makes a case's documents: the review meeting pack (for
// staff, or for the family), the three letters the regulations call for (the
// written notice, the invitation to a review meeting, the decision after one)
// and the attendance picture. It returns bytes (PDF, PNG) and leaves sending
// and saving them to its callers; it needs no database, bot or chat library.
//
// Everything is drawn from the case as it stands at Input.Now, in the words
// the rest of the product uses: attendance is counted as `show` counts it,
// duties come from offsitebot.Due.
package documents

import (
	"errors"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// Input is what every document is made from.
type Input struct {
	Case      *offsitebot.Case
	Home      offsitebot.School // the letters are on its name
	Receiving offsitebot.School
	// ReceivingAddress is the receiving school's address, which the written
	// notice must state. Schools keep no address yet, so the caller passes
	// it; without it the notice says the school will confirm it (NoticeGaps
	// warns first).
	ReceivingAddress string
	Calendar         offsitebot.Calendar
	Settings         offsitebot.Settings
	Now              time.Time
	// Meeting names a review meeting ("M2"): the pack's and the invitation's
	// (empty: the next one) or the decision's (empty: the last one held).
	Meeting string
	// Family makes the family's version of the pack, written to them, without
	// the summaries of contact between the schools or professionals' notes.
	Family bool
	// ForParent is set when a parent asks for the family's pack: it is written
	// to them even once the pupil is 18 (letters still go to the pupil, the
	// person the law names).
	ForParent bool
	// Names are people's names by identity ID, for the staff who recorded
	// things; people linked to the case are named from the case itself.
	Names map[string]string
	// Duties are what is due or overdue on the case, one line each as staff
	// read them: the conversations package words offsitebot.Due's items, and
	// the staff pack lists them. The family's version words the duties owed
	// to the family itself.
	Duties []string
	// Breaches are the duties done late or not at all (offsitebot.Breaches),
	// one line each with the deadline and when it was done, for staff.
	Breaches []string
}

// Letter kinds, as the case core names them.
const (
	Notice   = offsitebot.LetterNotice
	Invite   = offsitebot.LetterInvite
	Decision = offsitebot.LetterDecision
)

// check refuses an input no document can be made from: a caller's mistake.
func (in Input) check() error {
	if in.Case == nil || in.Now.IsZero() {
		return errors.New("documents: the input needs a case and the time")
	}
	return nil
}

func (in Input) today() offsitebot.Date { return offsitebot.DateOf(in.Now) }

// adult reports whether the pupil is 18 or over, and so the person the
// letters are written to.
func (in Input) adult() bool {
	return offsitebot.AgeOn(in.Case.DOB, in.today()) >= offsitebot.AdultAge
}

// meeting finds the meeting in.Meeting names, or else the next one to hold
// (held is false) or the last one held (held is true).
func (in Input) meeting(held bool) (offsitebot.Meeting, bool, error) {
	c := in.Case
	if in.Meeting == "" {
		if held {
			m, ok := offsitebot.LastHeldMeeting(c, in.Now)
			return m, ok, nil
		}
		m, ok := offsitebot.NextMeeting(c, in.Now)
		return m, ok, nil
	}
	m, ok := c.Meeting(strings.ToUpper(strings.TrimSpace(in.Meeting)))
	switch {
	case !ok:
		ids := make([]string, 0, len(c.Meetings))
		for _, m := range c.Meetings {
			ids = append(ids, m.ID)
		}
		known := "It has no review meetings yet."
		if len(ids) > 0 {
			known = "Its meetings are " + strings.Join(ids, ", ") + "."
		}
		return m, false, showCase(offsitebot.Errorf(offsitebot.EInvalid, "%s has no meeting %s. %s", c.Ref, in.Meeting, known))
	case m.Cancelled:
		return m, false, showCase(offsitebot.Errorf(offsitebot.EInvalid, "Meeting %s of %s was cancelled, so there is nothing to write for it.", m.ID, c.Ref))
	}
	return m, true, nil
}

// showCase points the person at the case, where the facts behind the error are.
func showCase(e *offsitebot.Error) *offsitebot.Error {
	e.Next = offsitebot.NextShowCase
	return e
}

// lastReview is the latest meeting held before the given one (or before now).
func (in Input) lastReview(m offsitebot.Meeting, ok bool) (offsitebot.Meeting, bool) {
	before := in.Now
	if ok && m.At.Before(before) {
		before = m.At.Add(-time.Second)
	}
	return offsitebot.LastHeldMeeting(in.Case, before)
}

// name of the person behind an identity ID, or "" when unknown.
func (in Input) name(id string) string {
	if p, ok := in.Case.Person(id); ok {
		return p.Name
	}
	return in.Names[id]
}

// parentNames are the linked parents (not the pupil), by name.
func (in Input) parentNames() []string {
	var out []string
	for _, p := range in.Case.People {
		if p.Role == offsitebot.RoleParent && p.Name != "" {
			out = append(out, p.Name)
		}
	}
	return out
}

// linkedParents counts the parents linked in the chat, named or not.
func (in Input) linkedParents() int {
	n := 0
	for _, p := range in.Case.People {
		if p.Role == offsitebot.RoleParent {
			n++
		}
	}
	return n
}

// linkedFamily reports whether a parent or the pupil is linked in the chat.
func (in Input) linkedFamily() bool { return len(in.Case.Parents()) > 0 }

// voice is how the documents for a family speak of the pupil: by first
// name to parents, as "you" to a pupil aged 18 or over.
type voice struct {
	you                  bool
	dear                 string // "Dear Pat Taylor and Chris Taylor"
	subject, object, own string // "Sam"/"you", "Sam"/"you", "Sam's"/"your"
}

func (in Input) voice() voice {
	if in.adult() && !in.ForParent {
		return voice{you: true, dear: "Dear " + firstName(in.Case.Pupil), subject: "you", object: "you", own: "your"}
	}
	first := firstName(in.Case.Pupil)
	dear := "Dear parent or carer"
	if names := in.parentNames(); len(names) > 0 {
		dear = "Dear " + joinAnd(names)
	}
	return voice{dear: dear, subject: first, object: first, own: possessive(first)}
}

func firstName(full string) string {
	if f := strings.Fields(full); len(f) > 0 {
		return f[0]
	}
	return "your child"
}

func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "'"
	}
	return name + "'s"
}

func capital(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// longDate is "Thursday 10 December 2026".
func longDate(d offsitebot.Date) string {
	if !d.Valid() {
		return "not set"
	}
	return d.Time().Format("Monday 2 January 2006")
}

func clock(t time.Time) string { return t.In(offsitebot.London).Format("15:04") }

func stamp(t time.Time) string { return t.In(offsitebot.London).Format("Mon 2 Jan 2006, 15:04") }

// decisionText says what a review decided, in a sentence about the pupil.
func decisionText(o *offsitebot.ReviewOutcome, v voice, home, receiving string) string {
	switch o.Decision {
	case offsitebot.DecisionContinue:
		s := "The off-site direction will continue"
		if o.Until.Valid() {
			s += " until " + longDate(o.Until)
		}
		return s + ": " + v.subject + " keeps attending " + receiving + " as now."
	case offsitebot.DecisionReintegrate:
		return capital(v.subject) + " will return to " + home + ". The school will confirm the date and how the return will work."
	case offsitebot.DecisionManagedMove:
		return capital(v.subject) + " will move to another school through a managed move. The school will be in touch about each step."
	case offsitebot.DecisionSEMH:
		return capital(v.subject) + " will move to an SEMH base or centre. The school will be in touch about each step."
	}
	return "The meeting agreed a different next step, which the school will explain to you."
}

// metText reads the "objectives met" answer.
func metText(met string) string {
	switch strings.ToLower(met) {
	case "yes":
		return "yes"
	case "partly":
		return "partly"
	case "no":
		return "not yet"
	}
	return orNone(met)
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
