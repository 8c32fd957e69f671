package documents

import (
	"fmt"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
)

// Pack makes the review meeting pack for the meeting in.Meeting names (or the
// next one): the staff version, or with in.Family the family's, written to
// them. It grows as many pages as the case needs; nothing is left out
// without the pack saying so.
func Pack(in Input) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	c := in.Case
	m, scheduled, err := in.meeting(false)
	if err != nil {
		return nil, err
	}
	last, reviewed := in.lastReview(m, scheduled)
	var review offsitebot.Date
	if reviewed {
		review = last.Date()
	}
	title, version, header := "Review meeting pack, "+c.Ref, "staff version", "Confidential: about "+c.Pupil+" ("+c.Ref+"), for those at the review meeting"
	if in.Family {
		title, version, header = "Review meeting pack for the family, "+c.Ref, "for the family", "About "+c.Pupil+" ("+c.Ref+"), for you and your family"
	}
	w := newWriter(title, header, c.Ref+" · review meeting pack · "+version+" · made "+stamp(in.Now), 10, in.Now)
	p := pack{in: in, w: w, v: in.voice(), m: m, scheduled: scheduled, last: last, reviewed: reviewed,
		att: tally(c, in.Calendar, in.today(), review)}
	p.intro()
	p.facts()
	p.attendance()
	p.contacts()
	p.views()
	p.requests()
	p.decisions()
	p.duties()
	p.invited()
	return w.finish()
}

type pack struct {
	in        Input
	w         *writer
	v         voice
	m, last   offsitebot.Meeting
	scheduled bool
	reviewed  bool
	att       attendance
}

// since names the period the pack looks back on.
func (p *pack) since() string {
	if p.reviewed {
		return "since the last review on " + p.last.Date().Short()
	}
	return "since the start on " + p.in.Case.Start.Short()
}

func (p *pack) meetingText() string {
	if !p.scheduled {
		due := offsitebot.ReviewDue(p.in.Case, p.in.Now)
		if due.IsZero() {
			return "No review meeting is scheduled yet."
		}
		return "No review meeting is scheduled yet; the next is due by " + longDate(due) + "."
	}
	return fmt.Sprintf("%s at %s, %s", longDate(p.m.Date()), clock(p.m.At), p.m.Where())
}

func (p *pack) intro() {
	c, w := p.in.Case, p.w
	w.title("Review meeting pack")
	if !p.in.Family {
		w.text(c.Pupil+" · "+c.Ref, "B", w.size+2, ink, 0)
		w.space(1)
		meeting := p.meetingText()
		if p.scheduled {
			meeting = "Meeting " + p.m.ID + ": " + meeting + "."
		}
		w.para(meeting)
		w.note("Made " + stamp(p.in.Now) + " from the case record. It holds personal information about a child: share it only with those at the meeting, and destroy spare copies after it.")
		return
	}
	w.text(c.Pupil, "B", w.size+2, ink, 0)
	w.space(1)
	w.para(p.v.dear + ",")
	about := "the review meeting about " + p.v.own + " off-site direction"
	if p.scheduled {
		w.para("This is what the school will look at in " + about + " on " + p.meetingText() + ".")
	} else {
		w.para("This is what the school will look at in " + about + ". " + p.meetingText())
	}
	w.para("It has " + p.v.own + " attendance, the contact between you and the schools, the views you gave, and what was agreed before. " +
		"Notes written between the schools and notes from other professionals are for staff, so they are not included. " +
		"If anything here is wrong, or you would like to add something, please tell " + p.in.Home.Name + " before the meeting.")
}

func (p *pack) facts() {
	c, in := p.in.Case, p.in
	p.w.heading("The direction")
	dob := "not recorded"
	if c.DOB.Valid() {
		dob = fmt.Sprintf("%s (aged %d)", longDate(c.DOB), offsitebot.AgeOn(c.DOB, in.today()))
	}
	ehcp := "no"
	if c.EHCP {
		ehcp = "yes"
	}
	status := "active"
	if c.Status == offsitebot.Ended {
		status = "ended on " + longDate(c.EndedOn) + " (" + c.Outcome + ")"
	} else if c.Start > in.today() {
		status = "starts on " + longDate(c.Start)
	} else if c.Start.Valid() {
		status = fmt.Sprintf("active, week %d", c.Start.DaysUntil(in.today())/7+1)
	}
	notice := "not recorded as given yet"
	if !c.NoticeGiven.IsZero() {
		notice = "given " + stamp(c.NoticeGiven)
	}
	p.w.facts([][2]string{
		{"Pupil", c.Pupil},
		{"Date of birth", dob},
		{"EHC plan", ehcp},
		{"Home school", in.Home.Name},
		{"Receiving school", in.Receiving.Name},
		{"First day", longDate(c.Start)},
		{"Agreed end or maximum", longDate(c.End)},
		{"Status", status},
		{"Reasons", orNone(c.Reasons)},
		{"Objectives", orNone(c.Objectives)},
		{"Reports to", orNone(c.Arrival)},
		{"Session times", orNone(c.Sessions)},
		{"Written notice", notice},
	})
}

func (p *pack) attendance() {
	a, w := p.att, p.w
	if len(a.weeks) > 0 {
		w.need(w.lh()*4 + w.width*chartH/chartW + 4) // the heading goes with the picture
	}
	w.heading("Attendance")
	if len(a.weeks) == 0 {
		if p.in.Case.Start.Valid() {
			w.para("No attendance yet: the direction starts on " + longDate(p.in.Case.Start) + ".")
		} else {
			w.para("No attendance yet: the case has no first day recorded.")
		}
		return
	}
	overall := fmt.Sprintf("Since the start on %s: %s (%d of %d sessions).", a.from.Short(), offsitebot.Percent(a.all[0], a.all[1]), a.all[0], a.all[1])
	if p.reviewed {
		overall += fmt.Sprintf(" Since the last review on %s: %s (%d of %d sessions).", p.last.Date().Short(), offsitebot.Percent(a.since[0], a.since[1]), a.since[0], a.since[1])
	}
	w.para(overall)
	if a.cut {
		w.note("The picture and the table begin on " + a.from.Short() + "; earlier weeks are left out.")
	}
	h := w.width * chartH / chartW
	w.need(h + 4)
	a.draw(pdfCanvas{pdf: w.pdf, x0: w.left, y0: w.y(), scale: w.width / chartW}, "")
	w.pdf.SetY(w.y() + h + 3)
	sinceTitle := "Since the last review"
	if !p.reviewed {
		sinceTitle = "—"
	}
	var rows [][]string
	for _, ci := range offsitebot.Codes() {
		n, ok := a.codes[ci.Code]
		if !ok {
			continue
		}
		recent := fmt.Sprint(n[1])
		if !p.reviewed {
			recent = ""
		}
		rows = append(rows, []string{ci.Code, ci.Meaning, ci.Category, fmt.Sprint(n[0]), recent})
	}
	if a.notRecord[0] > 0 {
		recent := fmt.Sprint(a.notRecord[1])
		if !p.reviewed {
			recent = ""
		}
		rows = append(rows, []string{"", "nothing recorded on a school day", "not recorded", fmt.Sprint(a.notRecord[0]), recent})
	}
	w.table([]column{{"Code", 0.08}, {"Meaning", 0.4}, {"Counted as", 0.22}, {"Since the start", 0.15}, {sinceTitle, 0.15}}, rows)
	w.note("Attendance is the share of sessions present (or at an approved activity) out of those the pupil could attend; sessions not counted (unable to attend, closures) are left out of it. " +
		"The receiving school records these codes; the home school's register shows " + offsitebot.HomeRegisterCode + " for the same sessions.")
}

// contacts lists contact since the last review. The family's version keeps
// the fact of contact between the schools (weekly contact is a rule they may
// check) but not what was said, and leaves out professionals' notes.
func (p *pack) contacts() {
	c, w := p.in.Case, p.w
	w.heading("Contact " + p.since())
	from := c.Start.Time()
	if p.reviewed {
		from = p.last.At
	}
	var rows [][]string
	for _, k := range c.Contacts {
		if k.At.Before(from) || k.At.After(p.in.Now) {
			continue
		}
		summary := k.Summary
		switch {
		case p.in.Family && k.With == "professional":
			continue
		case p.in.Family && (k.BetweenSchools() || k.With == offsitebot.FromLA):
			summary = "(notes between the schools are for staff)"
		case !p.in.Family:
			if who := p.in.name(k.By); who != "" {
				summary += " — recorded by " + who
			}
		}
		rows = append(rows, []string{stamp(k.At), withName(k.With), k.How, summary})
	}
	if len(rows) == 0 {
		w.para("No contact recorded " + p.since() + ".")
		return
	}
	w.note(fmt.Sprintf("%d recorded, oldest first, all listed.", len(rows)))
	w.table([]column{{"When", 0.2}, {"With", 0.16}, {"How", 0.12}, {"Summary", 0.52}}, rows)
}

func withName(with string) string {
	switch with {
	case "receiving":
		return "receiving school"
	case "home":
		return "home school"
	case offsitebot.FromLA:
		return "local authority"
	}
	return with
}

// views are the pupil's and the family's words given before the meeting, as given.
func (p *pack) views() {
	c, w := p.in.Case, p.w
	w.heading("The pupil's and the family's views")
	var from = c.Opened
	if p.reviewed {
		from = p.last.At
	}
	n := 0
	for _, f := range c.Feedback {
		if f.At.Before(from) || f.At.After(p.in.Now) {
			continue
		}
		n++
		by := p.in.name(f.By)
		if by == "" {
			by = "the family"
		}
		w.subheading("Given by " + by + " on " + stamp(f.At))
		pupil, family := "The pupil's view", "The family's view"
		if p.in.Family && !p.v.you {
			pupil, family = possessive(p.v.subject)+" view", "Your view"
		} else if p.v.you {
			pupil, family = "Your view", "Anything else you said"
		}
		w.text(pupil+", word for word:", "", w.size-1, muted, 0)
		w.quote(orNone(f.Pupil))
		w.text(family+", word for word:", "", w.size-1, muted, 0)
		w.quote(orNone(f.Family))
		if f.Rating > 0 {
			w.para(fmt.Sprintf("How it is going: %d out of 5.", f.Rating))
		}
	}
	if n == 0 {
		if p.in.Family {
			w.para("You have not given your views yet " + p.since() + ". You can send them with /feedback in the chat, or tell the school; they will be read at the meeting.")
		} else {
			w.para("No views given " + p.since() + ". The family is asked before each meeting, and can also be heard at it.")
		}
	}
}

// requests are the open review requests, and those this meeting answers,
// word for word with what the requester was told.
func (p *pack) requests() {
	c, w := p.in.Case, p.w
	w.heading("Requests for a review meeting")
	n := 0
	for _, r := range c.Requests {
		if !r.Open() && !(p.scheduled && r.Answered == p.m.ID) {
			continue
		}
		n++
		w.subheading(fmt.Sprintf("From the %s, received %s", withName(r.From), stamp(r.At)))
		whose := "Their request"
		if p.in.Family && r.From != offsitebot.FromLA {
			whose = "Your request"
		}
		w.text(whose+", word for word:", "", w.size-1, muted, 0)
		w.quote(r.Text)
		if rc, err := offsitebot.CheckRequest(c, r.From, r.At); err == nil {
			told := "What they were told: "
			if whose == "Your request" {
				told = "What you were told: "
			}
			w.para(told + rc.Explanation)
		}
		if r.Open() {
			w.para("Still open: no meeting has been arranged for it yet.")
		} else {
			w.para("This meeting answers it.")
		}
	}
	if n == 0 {
		w.para("No open requests.")
	}
}

// decisions are the earlier reviews' outcomes. The family's version keeps
// the concerns and support recorded there: they were agreed at a meeting the
// family is a party to and are told to them after it.
func (p *pack) decisions() {
	c, w := p.in.Case, p.w
	w.heading("Earlier reviews and what was agreed")
	n := 0
	for _, m := range c.Meetings {
		if !m.Held() || m.Cancelled || (p.scheduled && m.ID == p.m.ID) || m.At.After(p.in.Now) {
			continue
		}
		n++
		o := m.Outcome
		w.subheading(fmt.Sprintf("%s at %s, %s", longDate(m.Date()), clock(m.At), m.Where()))
		next := "—"
		if o.Next.Valid() {
			next = longDate(o.Next)
		}
		facts := [][2]string{
			{"Objectives being met", metText(o.Met)},
			{"What went well", orNone(o.Successes)},
			{"The pupil's and family's voice", orNone(o.Voice)},
			{"Concerns and support", orNone(o.Concerns)},
			{"Interventions and strategies", orNone(o.Interventions)},
			{"Decision", decisionText(o, p.in.voice(), p.in.Home.Name, p.in.Receiving.Name)},
			{"Next meeting", next},
			{"Who attended", orNone(o.Attended)},
		}
		if o.Plan != "" {
			facts = append(facts, [2]string{"Reintegration or onward plan", o.Plan})
		}
		w.facts(facts)
	}
	if n == 0 {
		w.para("This is the first review.")
	}
}

func (p *pack) duties() {
	w := p.w
	if p.in.Family {
		w.heading("What the school still owes you")
	} else {
		w.heading("Open duties and breaches")
	}
	items := p.in.breaches()
	if p.in.Family {
		items = append(items, p.in.familyDuties()...)
	} else {
		items = append(items, p.in.Duties...)
	}
	if len(items) == 0 {
		w.para("Nothing is due or overdue.")
		return
	}
	for _, s := range items {
		w.bullet(s)
	}
	w.space(2)
}

// familyDuties lists what the school still owes the family, in words for
// them, from the duties offsitebot.Due finds; staff duties (contact between
// the schools, attendance, outcomes) are not theirs to chase.
func (in Input) familyDuties() []string {
	var out []string
	for _, d := range offsitebot.Due(in.Case, in.Now, in.Calendar, in.Settings) {
		by := "due by " + d.By.Short()
		if d.Overdue {
			by = "due by " + d.By.Short() + ", late"
		}
		switch d.Kind {
		case offsitebot.DueNotice:
			out = append(out, "The written notice of the direction, "+by+".")
		case offsitebot.DueReview:
			out = append(out, "The next review meeting, "+by+".")
		case offsitebot.DueInvitation:
			out = append(out, "An invitation to the review meeting on "+d.On.Short()+", "+by+".")
		case offsitebot.DueContinuation:
			out = append(out, "A letter saying what the meeting on "+d.On.Short()+" decided, "+by+".")
		case offsitebot.DueRequest:
			if d.DutyApplies {
				out = append(out, "The review meeting asked for on "+d.On.Short()+", as soon as reasonably practicable.")
			} else {
				out = append(out, "A reply to the request for a review meeting of "+d.On.Short()+".")
			}
		}
	}
	return out
}

// breaches lists duties done late or not at all, each with its deadline and
// when it was done, as the caller worded them.
func (in Input) breaches() []string { return in.Breaches }

// invited lists who was invited to the meeting and what they answered.
func (p *pack) invited() {
	w := p.w
	w.heading("Invited to this meeting")
	if !p.scheduled {
		w.para(p.meetingText())
		return
	}
	var rows [][]string
	for _, inv := range p.m.Invitations {
		who := p.in.name(inv.To)
		if how, ok := inv.Outside(); ok {
			who = "Given another way (" + how + ")"
		} else if who == "" {
			who = map[offsitebot.Role]string{offsitebot.RolePupil: "the pupil", offsitebot.RoleParent: "a linked parent"}[inv.Role]
		}
		if who == "" {
			who = "a linked family member"
		}
		answer := "not answered yet"
		switch inv.Answer {
		case offsitebot.AnswerYes:
			answer = "coming (" + stamp(inv.Answered) + ")"
		case offsitebot.AnswerOtherTime:
			answer = "asked for another time (" + stamp(inv.Answered) + ")"
			if inv.Suggestion != "" {
				answer += ": " + inv.Suggestion
			}
		}
		rows = append(rows, []string{who, stamp(inv.Sent), answer})
	}
	if len(rows) == 0 {
		w.para("Nobody has been invited through offsitebot yet.")
		return
	}
	w.table([]column{{"Who", 0.3}, {"Invited", 0.25}, {"Answer", 0.45}}, rows)
	if p.in.Family {
		return
	}
	var others []string
	for _, person := range p.in.Case.People {
		if person.Role == offsitebot.RoleReceiving || person.Role == offsitebot.RoleLA {
			others = append(others, person.Name+" ("+string(person.Role)+")")
		}
	}
	if len(others) > 0 {
		w.note("Also linked to the case: " + strings.Join(others, ", ") + ".")
	}
}
