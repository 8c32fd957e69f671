package offsitebot

import "slices"

// Link adds a person who joined with a join code; joining again replaces the
// earlier entry. Someone joining late is owed what they should already have
// had: invitations to meetings still to come, and (the family) decisions to
// continue not yet told. Those already sent are not sent again.
func (c *Case) Link(a Actor, jc JoinCode, name string) Change {
	var ch Change
	c.removePerson(a.ID)
	c.People = append(c.People, Person{ID: a.ID, Role: jc.Role, Name: name, Joined: a.At})
	ch.audit(a.event(c, "joined by code", string(jc.Role)+", code made by "+jc.CreatedBy))
	for _, m := range c.Meetings {
		switch {
		case m.upcoming() && m.At.After(a.At) && c.Concerns(jc.Role, ToConcerned):
			ch.owe(Notice{Kind: NoticeInvitation, To: ToConcerned, Meeting: m, At: a.At})
		case m.AwaitsTelling() && c.Concerns(jc.Role, ToParents):
			ch.owe(Notice{Kind: NoticeDecision, To: ToParents, Meeting: m, At: a.At})
		}
	}
	return ch
}

// Concerns reports whether people of role are among audience to on c.
func (c *Case) Concerns(role Role, to Audience) bool {
	switch role {
	case RoleParent, RolePupil:
		return to == ToParents || to == ToFamilyAndLA || to == ToConcerned
	case RoleLA:
		return c.EHCP && (to == ToFamilyAndLA || to == ToConcerned)
	case RoleReceiving:
		return to == ToConcerned
	}
	return false
}

// Audience lists the people linked to c who are among audience to (one of
// ToParents, ToFamilyAndLA and ToConcerned), the family first.
func (c *Case) Audience(to Audience) []Person {
	out := c.Parents()
	for _, p := range c.People {
		if p.Role != RoleParent && p.Role != RolePupil && c.Concerns(p.Role, to) {
			out = append(out, p)
		}
	}
	return out
}

// Adult reports whether the pupil is 18 or over on day d: then the pupil is
// the person the regulations name, where before it was the parents.
func (c *Case) Adult(d Date) bool { return c.DOB.Valid() && AgeOn(c.DOB, d) >= AdultAge }

// Named reports whether someone of role is whom the regulations name on c on
// day d: the pupil once 18; before that, the family (a parent, or the pupil).
func (c *Case) Named(role Role, d Date) bool {
	if c.Adult(d) {
		return role == RolePupil
	}
	return role == RoleParent || role == RolePupil
}

// NamedReach says how the people the regulations name on c on day d can be
// reached by offsitebot: linked is whether any is linked, unreachable
// whether every one linked was found unreachable (they blocked it).
func (c *Case) NamedReach(d Date) (linked, unreachable bool) {
	unreachable = true
	for _, p := range c.People {
		if c.Named(p.Role, d) {
			linked, unreachable = true, unreachable && p.Unreachable
		}
	}
	return linked, linked && unreachable
}

// Unlink removes a, who leaves the case.
func (c *Case) Unlink(a Actor) Change {
	var ch Change
	c.removePerson(a.ID)
	ch.audit(a.event(c, "left the case", string(a.Role)))
	return ch
}

// MarkUnreachable records that the bot can no longer reach a person (they
// blocked it). A family member or receiving contact linked to the case owes
// the home school the news, so nobody waits on messages that never arrive.
// Someone already marked changes nothing: the school is told once.
func (c *Case) MarkUnreachable(a Actor, id string) Change {
	var ch Change
	var role Role
	for i := range c.People {
		if c.People[i].ID == id {
			if c.People[i].Unreachable {
				return ch
			}
			c.People[i].Unreachable = true
			role = c.People[i].Role
		}
	}
	ch.audit(a.event(c, "recipient unreachable", id))
	if role != "" && (!role.Staff() || role == RoleReceiving) {
		ch.owe(Notice{Kind: NoticeUnreachable, To: ToHome, Person: id, Role: role, At: a.At})
	}
	return ch
}

// MarkReachable records that a person marked unreachable wrote to the bot
// again (they unblocked it): messages about the case reach them once more.
// Someone not marked changes nothing.
func (c *Case) MarkReachable(a Actor, id string) Change {
	var ch Change
	for i := range c.People {
		if c.People[i].ID == id && c.People[i].Unreachable {
			c.People[i].Unreachable = false
			ch.audit(a.event(c, "recipient reachable again", id))
		}
	}
	return ch
}

func (c *Case) removePerson(id string) {
	c.People = slices.DeleteFunc(c.People, func(p Person) bool { return p.ID == id })
}
