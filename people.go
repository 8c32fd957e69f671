package offsitebot

import "slices"

// Link adds a person who joined with a join code; joining again replaces the
// earlier entry. A parent or pupil joining late is owed what the family
// should already have had: invitations to meetings still to come, and
// decisions to continue not yet told.
func (c *Case) Link(a Actor, jc JoinCode, name string) Change {
	var ch Change
	c.removePerson(a.ID)
	c.People = append(c.People, Person{ID: a.ID, Role: jc.Role, Name: name, Joined: a.At})
	ch.audit(a.event(c, "joined by code", string(jc.Role)+", code made by "+jc.CreatedBy))
	if jc.Role != RoleParent && jc.Role != RolePupil {
		return ch
	}
	for _, m := range c.Meetings {
		switch {
		case m.upcoming() && m.At.After(a.At):
			ch.owe(Notice{Kind: NoticeInvitation, To: ToParents, Meeting: m, At: a.At})
		case m.AwaitsTelling():
			ch.owe(Notice{Kind: NoticeDecision, To: ToParents, Meeting: m, At: a.At})
		}
	}
	return ch
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

func (c *Case) removePerson(id string) {
	c.People = slices.DeleteFunc(c.People, func(p Person) bool { return p.ID == id })
}
