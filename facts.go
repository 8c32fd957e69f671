package offsitebot

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// The facts of a case that `new` asks for and `edit` corrects, by the keys
// people type.
const (
	FactPupil      = "pupil"
	FactDOB        = "dob"
	FactEHCP       = "ehcp"
	FactHome       = "home"
	FactReceiving  = "receiving"
	FactStart      = "start"
	FactEnd        = "end"
	FactReasons    = "reasons"
	FactObjectives = "objectives"
	FactArrival    = "arrival"
	FactSessions   = "sessions"
)

// Facts lists the facts in the order `new` asks for them.
var Facts = []string{FactPupil, FactDOB, FactEHCP, FactHome, FactReceiving, FactStart, FactEnd, FactReasons, FactObjectives, FactArrival, FactSessions}

// fact is where one fact lives in a case: as a string, "yes" or "no" for the
// EHC plan, "YYYY-MM-DD" for dates.
func (c *Case) fact(key string) *string {
	switch key {
	case FactPupil:
		return &c.Pupil
	case FactHome:
		return &c.HomeURN
	case FactReceiving:
		return &c.ReceivingURN
	case FactReasons:
		return &c.Reasons
	case FactObjectives:
		return &c.Objectives
	case FactArrival:
		return &c.Arrival
	case FactSessions:
		return &c.Sessions
	}
	return nil
}

// Fact returns the fact named key as people type it: "yes" or "no" for the
// EHC plan, "YYYY-MM-DD" for dates, "" if unset or unknown.
func (c *Case) Fact(key string) string {
	switch key {
	case FactDOB:
		return string(c.DOB)
	case FactStart:
		return string(c.Start)
	case FactEnd:
		return string(c.End)
	case FactEHCP:
		if c.EHCP {
			return "yes"
		}
		return "no"
	}
	if p := c.fact(key); p != nil {
		return *p
	}
	return ""
}

func (c *Case) setFact(key, v string) {
	switch key {
	case FactDOB:
		c.DOB = Date(v)
	case FactStart:
		c.Start = Date(v)
	case FactEnd:
		c.End = Date(v)
	case FactEHCP:
		c.EHCP = v == "yes"
	default:
		*c.fact(key) = v
	}
}

var urnRE = regexp.MustCompile(`^\d{6}$`)

// checkFact says what is wrong with v as the fact key, given as a flow
// normalises it; the checks between facts are in checkFacts.
func checkFact(key, v string) error {
	switch key {
	case FactPupil:
		if strings.TrimSpace(v) == "" {
			return Errorf(EInvalid, "A case needs the pupil's name.")
		}
	case FactDOB, FactStart:
		if !Date(v).Valid() {
			return Errorf(EInvalid, "%q isn't a date (YYYY-MM-DD).", v)
		}
	case FactEnd:
		if v == "" {
			return Errorf(EInvalid, "The end date can't be removed: the written notice must state when the direction ends. Give the new one as end=YYYY-MM-DD.")
		}
		if !Date(v).Valid() {
			return Errorf(EInvalid, "%q isn't a date (YYYY-MM-DD).", v)
		}
	case FactEHCP:
		if v != "yes" && v != "no" {
			return Errorf(EInvalid, "Does the pupil have an EHC plan: yes or no?")
		}
	case FactHome, FactReceiving:
		if !urnRE.MatchString(v) {
			return Errorf(EInvalid, "%q isn't a URN: a school's URN has 6 digits.", v)
		}
	default:
		if utf8.RuneCountInString(v) > MaxSummary {
			return Errorf(EInvalid, "That is longer than the %d characters I can keep.", MaxSummary)
		}
	}
	return nil
}

// checkFacts checks what must hold between a case's facts.
func (c *Case) checkFacts() error {
	switch {
	case c.HomeURN == c.ReceivingURN:
		return Errorf(EInvalid, "The receiving school must be another school than the home school.")
	case c.End != "" && c.End <= c.Start:
		return Errorf(EInvalid, "The end date must be after the first day (%s).", c.Start.Short())
	}
	return nil
}

// Edit corrects facts of the case (keys from Facts, values as Fact gives
// them; the end can be moved but not removed). Each fact changed is in the audit trail with
// its old and new value; what the rules work out from the facts (the notice
// deadline from the first day, who may request a review from the EHC plan)
// follows, since it is worked out afresh from them. Facts given as they
// already are change nothing; nothing changed at all is an error.
func (c *Case) Edit(a Actor, to map[string]string) (Change, error) {
	var ch Change
	if c.Status == Void {
		return ch, c.CheckActive()
	}
	for k := range to {
		if !slices.Contains(Facts, k) {
			return ch, Errorf(EInvalid, "%s isn't a fact of a case I can correct.", k)
		}
	}
	next := c.Clone()
	var keys []string
	for _, k := range Facts {
		v, ok := to[k]
		if !ok || v == c.Fact(k) {
			continue
		}
		if err := checkFact(k, v); err != nil {
			return ch, err
		}
		next.setFact(k, v)
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return ch, Errorf(EInvalid, "%s already says that, so nothing was changed.", c.Ref)
	}
	if err := next.checkFacts(); err != nil {
		return ch, err
	}
	for _, k := range keys {
		ch.audit(a.event(c, "fact corrected", fmt.Sprintf("%s: %s → %s", k, orNone(c.Fact(k)), orNone(next.Fact(k)))))
		c.setFact(k, next.Fact(k))
	}
	return ch, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// VoidDays is how long after opening a case opened by mistake may be withdrawn.
const VoidDays = 7

// Void withdraws a case opened by mistake (a duplicate, the wrong pupil):
// within VoidDays of opening, and only before the family heard anything of
// it (linked, sent a message, given the notice or any contact). It leaves
// every list and reminder; the case and its audit trail stay, for the record.
func (c *Case) Void(a Actor, reason string) (Change, error) {
	var ch Change
	reason = strings.TrimSpace(reason)
	switch {
	case c.Status == Void:
		return ch, Errorf(EConflict, "%s was already withdrawn on %s.", c.Ref, c.EndedOn.Short())
	case c.Status != Active:
		return ch, Errorf(EInvalid, "%s has ended, so it stays on the record as it is and can't be withdrawn.", c.Ref)
	case DateOf(c.Opened).DaysUntil(DateOf(a.At)) > VoidDays:
		return ch, Errorf(EInvalid, "%s was opened on %s, more than %d days ago, so it can't be withdrawn: end the direction instead, with the outcome other.", c.Ref, DateOf(c.Opened).Long(), VoidDays)
	case c.familyHeard():
		return ch, Errorf(EInvalid, "The family has already heard about %s, so it can't be withdrawn: end the direction instead, with the outcome other.", c.Ref)
	case reason == "":
		return ch, Errorf(EInvalid, "Please say why %s is withdrawn, for example: opened by mistake, a duplicate.", c.Ref)
	}
	c.Status, c.EndedOn, c.VoidReason = Void, DateOf(a.At), reason
	ch.audit(a.event(c, "case withdrawn", reason))
	return ch, nil
}

// familyHeard reports whether anything of the case reached the family: a
// parent or the pupil linked, the notice given, any contact with them.
func (c *Case) familyHeard() bool {
	return len(c.Parents()) > 0 || !c.NoticeGiven.IsZero() || slices.ContainsFunc(c.Contacts, func(ct Contact) bool {
		return ct.With == "parent" || ct.With == "pupil"
	})
}

// StartCheck is what is unusual about a first day, for the person giving it
// to confirm: it has passed, or it is not a school day (Closed says why).
// Nearest is the school day nearest to it that has not passed.
type StartCheck struct {
	Passed  bool
	Closed  string
	Nearest Date
}

// Unusual reports whether the first day needs confirming.
func (sc StartCheck) Unusual() bool { return sc.Passed || sc.Closed != "" }

// CheckStart checks a first day against today and the calendar.
func CheckStart(start, today Date, cal Calendar) StartCheck {
	sc := StartCheck{Passed: start < today, Closed: cal.NotSchoolDay(start)}
	if !sc.Unusual() {
		return sc
	}
	from := max(start, today)
	for i := 0; i < MaxDays; i++ {
		// Later first on a tie: it leaves more time for the notice.
		if d := from.AddDays(i); cal.IsSchoolDay(d) {
			sc.Nearest = d
			break
		}
		if d := from.AddDays(-i); d >= today && cal.IsSchoolDay(d) {
			sc.Nearest = d
			break
		}
	}
	return sc
}

// The ages, on the first day, at which pupils are usually directed off-site:
// outside them a date of birth is likely mistyped, so it is confirmed.
const (
	UsualMinAge = 4
	UsualMaxAge = 19
)

// UnusualAge returns the pupil's age on the first day and whether it is
// outside UsualMinAge–UsualMaxAge.
func UnusualAge(dob, start Date) (age int, unusual bool) {
	age = AgeOn(dob, start)
	return age, age < UsualMinAge || age > UsualMaxAge
}
