package seed

import (
	"fmt"
	"math/rand/v2"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// builder makes one case's history, change by change, as staff, the family
// and the bot would have made it.
type builder struct {
	cal                offsitebot.Calendar
	rng                *rand.Rand
	home, recv, parent string // who acts
	c                  *offsitebot.Case
	err                error
}

// schoolDay is d, or the school day before it.
func (b *builder) schoolDay(d offsitebot.Date) offsitebot.Date {
	for !b.cal.IsSchoolDay(d) {
		d = d.AddDays(-1)
	}
	return d
}

func (b *builder) actor(id string, role offsitebot.Role, at time.Time) offsitebot.Actor {
	return offsitebot.Actor{ID: id, Role: role, Via: offsitebot.Shell, At: at}
}

// keep records a change's audit entries and what the bot sent for its
// notices, and keeps the first error.
func (b *builder) keep(ch offsitebot.Change, err error) {
	if b.err != nil {
		return
	}
	if b.err = err; err != nil {
		return
	}
	b.c.Audit = append(b.c.Audit, ch.Audit...)
	for _, n := range ch.Notices {
		to := []string{b.parent}
		if n.To == offsitebot.ToHome {
			to = []string{b.home}
		}
		b.c.Audit = append(b.c.Audit, b.c.Delivered(n, to, n.At.Add(time.Minute)).Audit...)
	}
}

// Words the records use; the rest of each is numbered.
var (
	summaries = []string{
		"Spoke to the head of year: settled week, working well in maths and science, one late arrival on Tuesday.",
		"Call with the pastoral lead: a difficult Wednesday after a falling-out at lunch, resolved with a mentor session.",
		"Email exchange about the timetable for next week and the trip on Friday; transport confirmed with the family.",
		"Visit to the receiving school: observed two lessons, pupil engaged and polite, homework club attended twice.",
	}
	family = []string{
		"Weekly call with the family: they report the pupil is calmer at home and talks about the science teacher.",
		"Weekly call with the family: a hard Monday morning getting out of the door; bus times checked together.",
		"Weekly call with the family: pleased with the mentor sessions; asked about the trip on Friday.",
	}
	alerts = []string{"N", "O", "U", "G"}
	// The pupils' first names; every surname is Demo.
	firstNames = []string{"Amir", "Bea", "Cal", "Dina", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kit", "Lena", "Milo", "Nia", "Omar", "Pia", "Quin", "Rosa", "Sami", "Tess"}
)

// code is one session's attendance code: mostly present, some late, some
// illness or appointments, now and then an absence that alerts the home school.
func (b *builder) code(present string) string {
	switch r := b.rng.IntN(100); {
	case r < 88:
		return present
	case r < 92:
		return "L"
	case r < 96:
		return "I"
	case r < 98:
		return "M"
	default:
		return alerts[b.rng.IntN(len(alerts))]
	}
}

// build makes case ref from start to last: opened ten days before, with the
// notice given; attendance every school day; contact with the receiving
// school every week and a weekly call with the family; a review every
// fortnight, scheduled eight school days ahead, with the family invited,
// answering and giving their views, and its outcome; a review request in one
// case of four. An ended case ends after last.
func (b *builder) build(ref, home, recv string, start, last offsitebot.Date, active bool, i int) (*offsitebot.Case, error) {
	opened := start.AddDays(-10).At(10, 0)
	c, err := offsitebot.Open(b.actor(b.home, offsitebot.RoleHome, opened), offsitebot.Case{
		Ref: ref, Demo: true, Pupil: firstNames[i%len(firstNames)] + " Demo", DOB: start.AddYears(-11 - i%5).AddDays(-i % 300),
		EHCP: i%6 == 0, HomeURN: home, ReceivingURN: recv, Start: start, End: last.AddDays(28),
		Reasons:    "DEMO: persistent disruption in lessons and two fixed-term suspensions this year",
		Objectives: "DEMO: attend every day on time; no removals from class; complete the anger management sessions",
		Arrival:    "Head of year at reception (demo)", Sessions: "08:40–15:10",
	})
	if err != nil {
		return nil, err
	}
	b.c = c
	hr, rr := offsitebot.RoleHome, offsitebot.RoleReceiving
	b.keep(c.Link(b.actor(b.parent, offsitebot.RoleParent, opened.Add(26*time.Hour)), offsitebot.JoinCode{Role: offsitebot.RoleParent, CreatedBy: b.home}, fmt.Sprintf("Demo parent %d", i+1)), nil)
	b.keep(c.RecordNotice(b.actor(b.home, hr, start.AddDays(-5).At(11, 0)), "", "letter"))

	var days []offsitebot.Date
	for d := start; d <= last; d = d.AddDays(1) {
		if b.cal.IsSchoolDay(d) {
			days = append(days, d)
		}
	}
	// Review n is on school day 10n+9, scheduled on day 10n+1.
	meetingOn := func(n int) (offsitebot.Date, bool) {
		k := 10*n + 9
		if k < len(days) {
			return days[k], true
		}
		// Past the records: the next school day two weeks after the last review.
		return b.schoolDay(days[len(days)-1].AddDays(14)), false
	}
	for k, d := range days {
		at := d.At(9, 40)
		_, ch, err := c.RecordAttendance(b.actor(b.recv, rr, at), offsitebot.AttendanceDay{Date: d, AM: b.code("/"), PM: b.code(`\`)})
		b.keep(ch, err)
		if k%5 == 4 {
			b.keep(c.AddContact(b.actor(b.home, hr, d.At(15, 30)), offsitebot.Contact{With: "receiving", How: offsitebot.ContactHow[k%2], Summary: "DEMO: " + summaries[b.rng.IntN(len(summaries))]}))
		}
		if k%5 == 2 {
			b.keep(c.AddContact(b.actor(b.home, hr, d.At(16, 0)), offsitebot.Contact{With: "parent", How: "phone", Summary: "DEMO: " + family[b.rng.IntN(len(family))]}))
		}
		if k == 23 && i%4 == 0 {
			_, ch, err := c.AddRequest(b.actor(b.home, hr, d.At(12, 0)), offsitebot.FromParent, "DEMO: We would like a review meeting soon please, to talk about coming back to the home school after half term.")
			b.keep(ch, err)
		}
		n := (k - 1) / 10
		switch k % 10 {
		case 1: // schedule review n
			if on, ok := meetingOn(n); (ok || active) && on.At(10, 0).After(d.At(14, 0)) {
				mode := offsitebot.InPerson
				if n%2 == 1 {
					mode = offsitebot.Online
				}
				m, ch, err := c.ScheduleMeeting(b.actor(b.home, hr, d.At(14, 0)), on.At(10, 0), mode, "Meeting room 2")
				b.keep(ch, err)
				if err == nil {
					_, ch, err := c.AnswerInvitation(b.actor(b.parent, offsitebot.RoleParent, d.At(19, 0)), m.ID, offsitebot.AnswerYes, "")
					b.keep(ch, err)
				}
			}
		case 7: // the family's views before it
			if _, ok := meetingOn(n); ok {
				b.keep(c.AddFeedback(b.actor(b.parent, offsitebot.RoleParent, d.At(18, 30)), offsitebot.Feedback{
					Pupil: "DEMO: I like the science teacher and I have a friend in my form now.", Family: "DEMO: Mornings are easier; we would like more notice of trips.", Rating: 3 + b.rng.IntN(3)}))
			}
		case 9: // review n held
			b.outcome(c, d, n, k, len(days), active, meetingOn)
		}
	}
	if !active {
		out := []string{offsitebot.OutcomeReintegrated, offsitebot.OutcomeManagedMove, offsitebot.OutcomeSEMH, offsitebot.OutcomeOther}[i%4]
		b.keep(c.EndDirection(b.actor(b.home, hr, last.At(17, 0)), out))
	}
	if b.err != nil {
		return nil, b.err
	}
	return c, nil
}

// outcome records what review n, held on d (school day k of all), found and
// decided: to continue until the next review, or, at the last review of a
// case that ends, to reintegrate.
func (b *builder) outcome(c *offsitebot.Case, d offsitebot.Date, n, k, all int, active bool, meetingOn func(int) (offsitebot.Date, bool)) {
	id := fmt.Sprintf("M%d", n+1)
	if _, ok := c.Meeting(id); !ok {
		return
	}
	out := offsitebot.ReviewOutcome{
		Met: []string{"yes", "partly", "partly", "no"}[b.rng.IntN(4)], Attended: "Parent, home and receiving school staff, the pupil",
		Successes:     "DEMO: attendance above 90%; completed all homework; a positive call home from the form tutor.",
		Voice:         "DEMO: the pupil says lessons are easier to follow in smaller groups and wants to stay until half term.",
		Concerns:      "DEMO: two late arrivals after the bus changed; one argument at lunchtime that needed staff.",
		Interventions: "DEMO: weekly mentor session; a bus pass; a quiet room at lunchtimes when needed.",
		Decision:      offsitebot.DecisionContinue,
	}
	if !active && k+10 >= all {
		out.Decision = offsitebot.DecisionReintegrate
	} else {
		next, _ := meetingOn(n + 1)
		out.Next = next
	}
	_, ch, err := c.RecordOutcome(b.actor(b.home, offsitebot.RoleHome, d.At(16, 0)), id, out)
	b.keep(ch, err)
}
