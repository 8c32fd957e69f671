package offsitebot

import "slices"

// Action is something a person may try to do to a case.
type Action string

const (
	ActView       Action = "view"       // show, cases, due, status
	ActExport     Action = "export"     // the full chronology
	ActOpen       Action = "open"       // new case at a home school
	ActContact    Action = "contact"    // log contact
	ActAttendance Action = "attendance" // record the receiving school's codes
	ActReview     Action = "review"     // schedule a meeting, record an outcome
	ActRequest    Action = "request"    // record a review request
	ActLink       Action = "link"       // make a join code
	ActEnd        Action = "end"        // end the direction
	ActEdit       Action = "edit"       // correct a case's facts, withdraw one opened by mistake
	ActFeedback   Action = "feedback"   // pupil and family voice
	ActAnswer     Action = "answer"     // answer a meeting invitation
	ActAdmin      Action = "admin"      // schools and staff
	// ActPack is the review meeting pack: staff and the LA read the staff
	// version, a family gets only its own version (the command sees to that).
	ActPack   Action = "pack"
	ActLetter Action = "letter" // write the statutory letters and send them to the family
	ActReply  Action = "reply"  // answer a family's, a contact's or the LA's message
	// ActDashboard is the web overview of the cases one sees: staff and the
	// LA only, never a family.
	ActDashboard Action = "dashboard"
)

// Sees reports whether id may see anything of c at all.
func Sees(id Identity, c *Case) bool {
	switch id.Role {
	case RoleAdmin, RoleLA:
		return true
	case RoleHome:
		return id.URN != "" && id.URN == c.HomeURN
	case RoleReceiving:
		return (id.URN != "" && id.URN == c.ReceivingURN) || slices.Contains(id.Cases, c.Ref)
	case RoleParent, RolePupil:
		return slices.Contains(id.Cases, c.Ref)
	}
	return false
}

// roleActions lists what each role may do to a case it can see.
var roleActions = map[Role][]Action{
	RoleAdmin:     {ActView, ActExport, ActOpen, ActContact, ActAttendance, ActReview, ActRequest, ActLink, ActEnd, ActEdit, ActAdmin, ActPack, ActLetter, ActReply, ActDashboard},
	RoleHome:      {ActView, ActExport, ActOpen, ActContact, ActAttendance, ActReview, ActRequest, ActLink, ActEnd, ActEdit, ActPack, ActLetter, ActReply, ActDashboard},
	RoleReceiving: {ActView, ActContact, ActAttendance, ActAnswer, ActDashboard},
	RoleLA:        {ActView, ActExport, ActRequest, ActPack, ActAnswer, ActDashboard},
	RoleParent:    {ActView, ActRequest, ActFeedback, ActAnswer, ActPack},
	RolePupil:     {ActView, ActRequest, ActFeedback, ActAnswer, ActPack},
}

// Allowed reports whether role may ever do act (to some case).
func Allowed(role Role, act Action) bool { return slices.Contains(roleActions[role], act) }

// Can returns nil if id may do act to c. A case id cannot see gets the same
// not-found answer as an unknown reference, so nothing leaks; c may be nil for
// actions not about one case.
func Can(id Identity, act Action, c *Case) error {
	if c != nil && !Sees(id, c) {
		return NotFound(c.Ref)
	}
	if !Allowed(id.Role, act) {
		return &Error{Code: EForbidden, Message: "As " + roleName(id.Role) + " you can't do that.", Next: NextSeeRole}
	}
	if c != nil && act == ActRequest && id.Role == RoleLA && !c.EHCP {
		return Errorf(EForbidden, "The local authority can request a review meeting only where the pupil has an EHC plan, and %s has none recorded, so this request can't be recorded as the LA's.", c.Ref)
	}
	return nil
}

// NotFound is the answer for an unknown case, and for one the person may not see.
func NotFound(ref string) *Error {
	return &Error{Code: ENotFound, Message: "I can't find a case " + ref + " that you can see. Check the reference (it looks like OSD-7K2Q).", Next: NextListCases}
}

func roleName(r Role) string {
	switch r {
	case RoleHome:
		return "home-school staff"
	case RoleReceiving:
		return "receiving-school staff"
	case RoleLA:
		return "a local-authority officer"
	case RoleParent:
		return "a parent or carer"
	case RolePupil:
		return "a pupil"
	case RoleAdmin:
		return "an admin"
	}
	return "someone without a role yet"
}
