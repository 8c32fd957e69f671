package conversations

import (
	"fmt"

	offsitebot "github.com/offsitebot/offsitebot"
)

// breachText words a breach of case c for staff: what, its deadline, and
// when it was done or that it is not done yet.
func breachText(c *offsitebot.Case, b offsitebot.Breach) string {
	done := func(did, not string) string {
		if b.Done != nil {
			return did + " " + b.Done.Short()
		}
		return not
	}
	at := b.Deadline.Time() // whom the regulations named by then
	switch b.Kind {
	case offsitebot.BreachNotice:
		return fmt.Sprintf("Written notice: due by %s (2 school days before the first day, %s); %s.", b.Deadline.Short(), b.On.Short(), done("given", "not given"))
	case offsitebot.BreachInvitation:
		return fmt.Sprintf("Invitation to %s (%s): due by %s (6 days before); %s.", b.Subject, b.On.Short(), b.Deadline.Short(), done("first sent", toldWho(c, at)+" not invited"))
	case offsitebot.BreachDecision:
		return fmt.Sprintf("Decision of %s (%s) told to %s: due by %s (6 days after); %s.", b.Subject, b.On.Short(), relevant(c, at), b.Deadline.Short(), done("told", "not told yet"))
	case offsitebot.BreachRequest:
		not := "no meeting held yet"
		if b.Booked != "" {
			not += ", meeting booked for " + b.Booked.Short()
		}
		return fmt.Sprintf("Meeting for review request %s (%s): due by %s (as soon as reasonably practicable); %s.", b.Subject, b.On.Short(), b.Deadline.Short(), done("held", not))
	}
	return fmt.Sprintf("%s %s: due by %s.", b.Kind, b.Subject, b.Deadline.Short())
}

// breachLines words each breach of c.
func breachLines(c *offsitebot.Case, bs []offsitebot.Breach) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, breachText(c, b))
	}
	return out
}
