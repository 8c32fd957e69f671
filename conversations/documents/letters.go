package documents

import (
	"fmt"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
)

// Letter makes one of the letters the regulations call for, as a PDF of one
// page on the home school's name, written to the relevant person: the
// parents, or the pupil once 18. kind is Notice, Invite (in.Meeting, or the
// next meeting) or Decision (in.Meeting, or the last one held).
func Letter(kind string, in Input) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var body func(w *writer)
	var title string
	switch kind {
	case Notice:
		title, body = "Written notice of an off-site direction", in.notice
	case Invite:
		m, ok, err := in.meeting(false)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, showCase(offsitebot.Errorf(offsitebot.EInvalid, "%s has no review meeting scheduled, so there is nobody to invite yet.", in.Case.Ref))
		}
		title, body = "Invitation to a review meeting", func(w *writer) { in.invite(w, m) }
	case Decision:
		m, ok, err := in.meeting(true)
		if err != nil {
			return nil, err
		}
		if !ok || !m.Held() {
			return nil, showCase(offsitebot.Errorf(offsitebot.EInvalid, "No outcome is recorded yet for %s, so there is no decision to write.", orWord(m.ID, "a review meeting of "+in.Case.Ref)))
		}
		title, body = "What the review meeting on "+longDate(m.Date())+" decided", func(w *writer) { in.decision(w, m) }
	default:
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%q isn't a letter I can write. Please choose notice, invite or decision.", kind)
	}
	// One page: a long case record is set smaller rather than spill over,
	// down to a size still easy to read; beyond that it takes a second page.
	var out []byte
	for _, size := range []float64{11, 10.5, 10, 9.5, 9} {
		w := newWriter(title+", "+in.Case.Ref, "", in.Home.Name+" · our reference "+in.Case.Ref, size, in.Now)
		in.letterhead(w, title)
		body(w)
		in.signOff(w)
		pdf, err := w.finish()
		if err != nil {
			return nil, err
		}
		out = pdf
		if w.pdf.PageNo() == 1 {
			break
		}
	}
	return out, nil
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// NoticeGaps lists what the written notice must state (PRODUCT.md rule 9)
// but the case does not hold yet, in words for staff, so that a caller can
// ask for them before the notice goes out.
func NoticeGaps(in Input) []string {
	c := in.Case
	var gaps []string
	for _, g := range []struct {
		missing bool
		what    string
	}{
		{strings.TrimSpace(c.Reasons) == "", "the reasons for the direction (edit " + c.Ref + " reasons=…)"},
		{!c.Start.Valid(), "the first day"},
		{!c.End.Valid(), "the agreed end date or maximum period (edit " + c.Ref + " end=…)"},
		{strings.TrimSpace(in.ReceivingAddress) == "", "the receiving school's address"},
		{strings.TrimSpace(c.Arrival) == "", "whom the pupil reports to on arrival (edit " + c.Ref + " arrival=…)"},
		{strings.TrimSpace(c.Sessions) == "", "the session start, end and break times (edit " + c.Ref + " sessions=…)"},
	} {
		if g.missing {
			gaps = append(gaps, g.what)
		}
	}
	return gaps
}

func (in Input) letterhead(w *writer, title string) {
	c, v := in.Case, in.voice()
	w.text(in.Home.Name, "B", w.size+5, accent, 0)
	w.space(4)
	w.para(longDate(in.today()))
	to := "To: the parents or carers of " + c.Pupil
	if names := in.parentNames(); len(names) > 0 && !v.you {
		to = "To: " + joinAnd(names) + ", " + parentWord(names) + " of " + c.Pupil
	}
	if v.you {
		to = "To: " + c.Pupil
	}
	w.para(to)
	var copies []string
	switch names := in.parentNames(); {
	case !v.you:
	case len(names) > 0:
		copies = append(copies, joinAnd(names)+", as "+possessive(firstName(c.Pupil))+" "+parentWord(names))
	case in.linkedParents() > 0:
		// Linked without a name: the copy is still theirs, said as such.
		word := "parents or carers"
		if in.linkedParents() == 1 {
			word = "parent or carer"
		}
		copies = append(copies, possessive(firstName(c.Pupil))+" "+word)
	}
	if c.EHCP {
		copies = append(copies, "the local authority, as "+firstName(c.Pupil)+" has an EHC plan")
	}
	if len(copies) > 0 {
		w.para("A copy goes to " + strings.Join(copies, ", and to ") + ".")
	}
	w.para("Our reference: " + c.Ref)
	w.space(2)
	w.text(title, "B", w.size+2, ink, 0)
	w.space(2)
	w.para(v.dear + ",")
}

func parentWord(names []string) string {
	if len(names) == 1 {
		return "parent or carer"
	}
	return "parents or carers"
}

func (in Input) signOff(w *writer) {
	w.space(2)
	w.para("If you have any questions, please contact " + in.Home.Name + ".")
	w.para("Yours sincerely,")
	w.space(4)
	w.para("On behalf of the governing body of " + in.Home.Name)
}

// notice is the written notice: everything rule 9 lists it must state.
func (in Input) notice(w *writer) {
	c, v := in.Case, in.voice()
	tbc := "to be confirmed by the school in writing"
	pick := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return tbc
		}
		return s
	}
	w.para(fmt.Sprintf("The governing body of %s has decided that %s will attend %s for a while, to help improve %s behaviour. "+
		"This is called an off-site direction (section 29A of the Education Act 2002). %s %s on the roll of %s throughout.",
		in.Home.Name, v.subject, in.Receiving.Name, pronounOwn(v), capital(v.subject), stay(v), in.Home.Name))
	end := tbc
	if c.End.Valid() {
		end = "until " + longDate(c.End) + " at the latest (the agreed maximum period)"
	}
	place := in.Receiving.Name
	if a := strings.TrimSpace(in.ReceivingAddress); a != "" {
		place += ", " + a
	} else {
		place += " (address " + tbc + ")"
	}
	facts := [][2]string{
		{"Why", pick(c.Reasons)},
		{"First day", longDate(c.Start)},
		{"How long", end},
		{"Where", place},
		{"On arrival, report to", pick(c.Arrival)},
		{"Session times (start, end and breaks)", pick(c.Sessions)},
	}
	if strings.TrimSpace(c.Objectives) != "" {
		facts = append(facts, [2]string{"What it aims to achieve", c.Objectives})
	}
	w.facts(facts)
	first := offsitebot.ReviewDue(c, in.Now)
	w.para(fmt.Sprintf("How it will be reviewed: we will meet to review how it is going at least every two weeks, the first time by %s, and at least once face to face. "+
		"We will invite you at least 6 days before each meeting and ask for your views%s. After each meeting we will tell you in writing what was decided, and if the direction is to continue, within 6 days.",
		longDate(first), andChild(v)))
	w.para(in.rightToRequest(v))
}

func pronounOwn(v voice) string {
	if v.you {
		return "your"
	}
	return "their"
}

func stay(v voice) string {
	if v.you {
		return "stay"
	}
	return "stays"
}

func andChild(v voice) string {
	if v.you {
		return ""
	}
	return " and " + possessive(v.subject)
}

// rightToRequest says who may ask for a review meeting, how, and when the
// governing body must hold one.
func (in Input) rightToRequest(v voice) string {
	how := "by letter or email to " + in.Home.Name
	if in.linkedFamily() {
		how += ", or with /request in the offsitebot chat"
	}
	s := "Your right to ask for a review: you can ask the governing body in writing for a review meeting at any time, " + how + ". " +
		"Unless a review meeting has been held in the 10 weeks before you ask, the governing body must hold one as soon as reasonably practicable."
	if in.Case.EHCP {
		s += " As " + v.subject + " " + has(v) + " an EHC plan, the local authority can ask for one too."
	}
	return s
}

func has(v voice) string {
	if v.you {
		return "have"
	}
	return "has"
}

// invite is the invitation to a review meeting.
func (in Input) invite(w *writer, m offsitebot.Meeting) {
	v := in.voice()
	w.para(fmt.Sprintf("You are invited to a meeting to review %s off-site direction at %s.", v.own, in.Receiving.Name))
	place := "In person"
	if m.Mode == offsitebot.Online {
		place = "Online"
	}
	if m.Place != "" {
		place += ": " + m.Place
	}
	w.facts([][2]string{
		{"When", longDate(m.Date()) + " at " + clock(m.At)},
		{"Where", place},
	})
	w.para(fmt.Sprintf("At the meeting we will look at whether the direction is achieving its aims and whether it should continue, share what has gone well, hear %s views and yours, "+
		"talk about any worries and the support that would help, and plan what happens next, including the return to %s or another next step.", v.own, in.Home.Name))
	answer := "reply to " + in.Home.Name
	if in.linkedFamily() {
		answer = "use the buttons on the invitation in the offsitebot chat, or " + answer
	}
	w.para("Please let us know whether you can come: " + answer + ". If the time does not suit you, please ask for another one, and we will do our best to find a time that does.")
	views := "Before the meeting, please tell us how you feel it is going"
	if !v.you {
		views = "Before the meeting, please tell us how you and " + v.subject + " feel it is going"
	}
	if in.linkedFamily() {
		views += " (with /feedback in the chat, or by contacting the school)"
	}
	w.para(views + ". Your views will be read at the meeting.")
	w.para(in.rightToRequest(v))
}

// decision is the letter after a review: what was decided and agreed, and
// what happens next.
func (in Input) decision(w *writer, m offsitebot.Meeting) {
	v, o := in.voice(), m.Outcome
	w.para(fmt.Sprintf("Here is what was decided at the meeting on %s to review %s off-site direction at %s.", longDate(m.Date()), v.own, in.Receiving.Name))
	w.subheading("What was decided")
	w.para(decisionText(o, v, in.Home.Name, in.Receiving.Name))
	w.subheading("What was agreed")
	w.facts([][2]string{
		{"Is it achieving its aims?", metText(o.Met)},
		{"What has gone well", orNone(o.Successes)},
		{"Worries, and the support agreed", orNone(o.Concerns)},
		{"Strategies to use", orNone(o.Interventions)},
	})
	w.subheading("What happens next")
	next := "The school will be in touch about the next steps."
	if o.Decision == offsitebot.DecisionContinue && o.Next.Valid() {
		next = "The next review meeting is planned for " + longDate(o.Next) + ". We will invite you at least 6 days before it."
	}
	w.para(next)
	w.para(in.rightToRequest(v))
}
