package conversations

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

func (e *Engine) show(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if !c.Who.Role.Staff() {
		return e.status(ctx, c) // families get their own view, never the staff one
	}
	k := c.Case
	if k == nil {
		return text("Which case? Type show followed by its reference, e.g. show OSD-7K2Q (cases lists yours)."), nil
	}
	today := offsitebot.DateOf(c.Now)
	b := card{r: bot.Reply{Sensitive: true, Case: k.Ref}}
	born := k.DOB.Time().Format("2 Jan 2006")
	b.head(fmt.Sprintf("%s — %s (born %s, %s)%s", k.Ref, k.Pupil, born, ehcpText(k.EHCP), demoText(k.Demo)),
		k.Ref+" — "+k.Pupil, bot.Fact{Label: "Born", Value: born}, bot.Fact{Label: "EHC plan", Value: yesNoText(k.EHCP)})
	if k.Demo {
		b.r.Facts = append(b.r.Facts, bot.Fact{Value: strings.Trim(demoText(true), " []")})
	}
	status := "active since " + k.Start.Short()
	if k.Status == offsitebot.Ended {
		status = fmt.Sprintf("ended %s (%s)", k.EndedOn.Short(), k.Outcome)
	} else if k.Status == offsitebot.Void {
		status = fmt.Sprintf("withdrawn %s (%s): kept for the record only", k.EndedOn.Short(), k.VoidReason)
	} else if k.Start > today {
		status = "starts " + k.Start.Short()
	}
	if k.End != "" {
		status += ", agreed end " + k.End.Short()
	}
	schools := e.schoolName(ctx, k.HomeURN) + " → " + e.schoolName(ctx, k.ReceivingURN)
	b.line(schools+" · "+status, bot.Fact{Label: "Schools", Value: schools}, bot.Fact{Label: "Status", Value: status})

	last := "none yet"
	if !k.LastSchoolContact.IsZero() {
		last = k.LastSchoolContact.In(offsitebot.London).Format("Mon 2 Jan 15:04")
	}
	if k.Status == offsitebot.Active {
		last += fmt.Sprintf(" (next due by %s)", offsitebot.CheckContact(k, c.Now, e.Calendar).DueBy.Short())
	}
	b.fact("Last contact between the schools", last)
	family := "none yet"
	if ct, ok := offsitebot.LastFamilyContact(k); ok {
		family = fmt.Sprintf("%s ago (%s, %s with %s)", plural(offsitebot.DateOf(ct.At).DaysUntil(today), "day", "days"), offsitebot.DateOf(ct.At).Short(), ct.How, withName(ct.With))
		if offsitebot.DateOf(ct.At) == today {
			family = fmt.Sprintf("today (%s with %s)", ct.How, withName(ct.With))
		}
	}
	b.fact("Last contact with the family", family)

	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	wp, wposs := offsitebot.AttendanceSummary(k.Attendance, monday, today)
	op, oposs := offsitebot.AttendanceSummary(k.Attendance, k.Start, today)
	attendance := fmt.Sprintf("this week %s (%d of %d sessions), overall %s (%d of %d). Home register: %s.",
		offsitebot.Percent(wp, wposs), wp, wposs, offsitebot.Percent(op, oposs), op, oposs, offsitebot.HomeRegisterCode)
	if k.Status == offsitebot.Void && len(k.Attendance) == 0 {
		attendance = "none recorded (the case was withdrawn)" // not an empty summary
	}
	b.fact("Attendance", attendance)
	if n := len(k.Attendance); n > 0 {
		d := latestDay(k.Attendance)
		b.fact("Latest day recorded", fmt.Sprintf("%s, AM %s, PM %s", d.Date.Short(), d.AM, d.PM))
	}
	next, hasNext := offsitebot.NextMeeting(k, c.Now)
	if hasNext && k.Status == offsitebot.Active {
		b.fact("Next review", fmt.Sprintf("%s %s, %s (%s)", next.ID, when(next), where(next), answersText(k, next, e.inviteeNames(ctx, k, next))))
	} else if last, held := offsitebot.LastHeldMeeting(k, c.Now); k.Status == offsitebot.Active && (!held || last.Outcome.Decision == offsitebot.DecisionContinue) {
		b.fact("Next review", "none scheduled — due by "+offsitebot.ReviewDue(k, c.Now).Short())
	}
	for _, m := range k.Meetings {
		if m.Held() {
			held := fmt.Sprintf("%s (%s): %s", m.Date().Short(), m.Mode, decisionName(m.Outcome.Decision))
			b.line(fmt.Sprintf("Held %s %s", m.ID, held), bot.Fact{Label: "Held " + m.ID, Value: held})
		}
	}
	if !offsitebot.FaceToFace(k) && k.Status != offsitebot.Void {
		s := "No face-to-face review yet (at least one should be)."
		b.line(s, bot.Fact{Value: s})
	}
	for _, r := range k.Requests {
		if _, met := offsitebot.RequestMet(k, r, c.Now); !met && (r.DutyApplies || r.Open()) {
			open := fmt.Sprintf("from the %s, %s (duty %s)", whoName(r.From), offsitebot.DateOf(r.At).Short(), dutyText(r.DutyApplies))
			if m, ok := offsitebot.RequestBooked(k, r, c.Now); ok && r.DutyApplies {
				open += ", meeting booked for " + m.Date().Short()
			}
			b.line(fmt.Sprintf("Open review request %s %s", r.ID, open), bot.Fact{Label: "Open review request " + r.ID, Value: open})
		}
	}
	if fb := latestFeedback(k); fb != "" {
		b.line("Pupil's and family's view since the last review (for the meeting pack):\n  "+strings.ReplaceAll(fb, "\n", "\n  "),
			bot.Fact{Label: "Pupil's and family's view since the last review", Value: fb})
	}
	var people []string
	for _, p := range k.People {
		s := string(p.Role) + " " + p.Name
		if p.Unreachable {
			s += " (unreachable)"
		}
		people = append(people, s)
	}
	if len(people) > 0 {
		b.fact("Linked", strings.Join(people, ", "))
	}
	if bs := offsitebot.Breaches(k, c.Now, e.Calendar, e.Settings); len(bs) > 0 {
		b.heading("Breaches (deadlines missed, kept on the record):", "Breaches")
		for _, line := range breachLines(k, bs) {
			b.item("  • "+line, bot.Item{Text: line})
		}
	}
	// The family's own words, for those who answer them (the home school).
	if waiting := k.Unanswered(); len(waiting) > 0 && offsitebot.Allowed(c.Who.Role, offsitebot.ActReply) {
		b.heading("Awaiting a reply:", "Awaiting a reply")
		for _, ct := range waiting[max(len(waiting)-maxUnanswered, 0):] {
			line := unansweredLine(k, ct)
			b.item("  • "+line, bot.Item{Text: line})
		}
	}
	if due := e.dueFor(c.Who, k, c.Now); len(due) > 0 {
		if c.Who.Role != offsitebot.RoleLA { // the LA's lines come under their own headings
			b.heading("Due:", "Due")
		}
		addDue(&b, due, c.Who.Role, true)
	}
	b.r.Buttons = showActions(k, c.Who.Role, next, hasNext)
	return []bot.Reply{b.reply()}, nil
}

// showActions are the buttons under a running case for what the reader may
// do to it at any time: log contact, and call off the next meeting.
func showActions(k *offsitebot.Case, role offsitebot.Role, next offsitebot.Meeting, hasNext bool) [][]bot.Button {
	if k.Status != offsitebot.Active {
		return nil
	}
	var row []bot.Button
	if offsitebot.Allowed(role, offsitebot.ActContact) {
		other := "receiving"
		if role == offsitebot.RoleReceiving {
			other = "home"
		}
		row = append(row, bot.Button{Label: "Log contact", Data: "/contact " + k.Ref + " " + other})
	}
	if hasNext && offsitebot.Allowed(role, offsitebot.ActReview) {
		row = append(row, bot.Button{Label: "Cancel " + next.ID, Data: "/review " + k.Ref + " cancel " + next.ID,
			Confirm: fmt.Sprintf("Cancel review meeting %s on %s? Everyone invited is told at once.", next.ID, when(next))})
	}
	if len(row) == 0 {
		return nil
	}
	return [][]bot.Button{row}
}

func yesNoText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func latestDay(days []offsitebot.AttendanceDay) offsitebot.AttendanceDay {
	return slices.MaxFunc(days, func(a, b offsitebot.AttendanceDay) int { return cmp.Compare(a.Date, b.Date) })
}

func ehcpText(b bool) string {
	if b {
		return "EHC plan"
	}
	return "no EHC plan"
}

func demoText(b bool) string {
	if b {
		return " [DEMO CASE — not a real pupil]"
	}
	return ""
}

func dutyText(b bool) string {
	if b {
		return "applies"
	}
	return "does not apply"
}

// answersText says who was invited to m and what each answered: who can
// come, who cannot (and asked for another time), who has not said. Staff
// invited as staff are named from names; the family invited another way
// as well as here is counted once.
func answersText(k *offsitebot.Case, m offsitebot.Meeting, names map[string]string) string {
	if len(m.Invitations) == 0 {
		return "nobody invited yet"
	}
	linked := slices.ContainsFunc(m.Invitations, func(i offsitebot.Invitation) bool { return k.IsFamily(i.To) })
	var yes, other, none, also []string
	n := 0
	for _, i := range m.Invitations {
		who, ok := i.Outside()
		switch {
		case ok && linked:
			also = append(also, who)
			continue
		case ok:
			who = relevant(k, i.Sent) + ", by " + who
		case i.Role.Staff() && !isLinked(k, i.To):
			who = fmt.Sprintf("%s (%s staff)", cmp.Or(names[i.To], "someone"), i.Role)
		default:
			if p, found := k.Person(i.To); found {
				who = fmt.Sprintf("%s (%s)", p.Name, p.Role)
			}
		}
		n++
		switch i.Answer {
		case offsitebot.AnswerYes:
			yes = append(yes, who)
		case offsitebot.AnswerOtherTime:
			other = append(other, who)
		default:
			none = append(none, who)
		}
	}
	var parts []string
	for _, g := range []struct {
		label string
		who   []string
	}{{"can come", yes}, {"cannot come, asked for another time", other}, {"not said yet", none}} {
		if len(g.who) > 0 {
			parts = append(parts, g.label+": "+strings.Join(g.who, ", "))
		}
	}
	s := fmt.Sprintf("invited %d — %s", n, strings.Join(parts, "; "))
	if len(also) > 0 {
		s += "; the family also invited by " + strings.Join(also, ", ")
	}
	return s
}

// maxUnanswered bounds the messages show lists as awaiting a reply: the
// latest; export has them all.
const maxUnanswered = 5

// unansweredLine is a message awaiting a reply, in show: when, from whom,
// the words, and the file that came with it (the command that brings it).
func unansweredLine(k *offsitebot.Case, ct offsitebot.Contact) string {
	var said []string
	if ct.Summary != "" {
		said = append(said, "“"+ct.Summary+"”")
	}
	switch f := ct.File; {
	case ct.Media == offsitebot.MediaVoice:
		said = append(said, "a voice message (please phone them)")
	case f != nil && f.Source != "":
		said = append(said, fmt.Sprintf("a %s (file %s %s brings it)", ct.Media, k.Ref, ct.ID))
	case ct.Media != "":
		said = append(said, fmt.Sprintf("a %s, not passed on (ask them to email it)", ct.Media))
	}
	return fmt.Sprintf("%s (%s), from %s: %s", ct.At.In(offsitebot.London).Format("Mon 2 Jan 15:04"), ct.ID, withName(ct.With), strings.Join(said, " with "))
}

func isLinked(k *offsitebot.Case, id string) bool {
	_, ok := k.Person(id)
	return ok
}

// inviteeNames are the names of the staff invited to m as staff, read in
// one query, and only if there are any.
func (e *Engine) inviteeNames(ctx context.Context, k *offsitebot.Case, m offsitebot.Meeting) map[string]string {
	var ids []string
	for _, i := range m.Invitations {
		if i.Role.Staff() && !isLinked(k, i.To) {
			ids = append(ids, i.To)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	people, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{IDs: ids})
	if err != nil {
		return nil // named "someone": the rest of show still helps
	}
	names := map[string]string{}
	for _, p := range people {
		names[p.ID] = p.Name
	}
	return names
}

func (e *Engine) export(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if c.Case == nil {
		return text("Which case? Type export followed by its reference, e.g. export OSD-7K2Q."), nil
	}
	// The export itself is recorded, and so appears in its own audit trail.
	k, err := e.Store.UpdateCase(ctx, c.Case.Ref, func(*offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		return []offsitebot.AuditEvent{{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "exported", Case: c.Case.Ref}}, nil
	})
	if err != nil {
		return nil, err
	}
	log, err := e.Store.AuditLog(ctx, k.Ref)
	if err != nil {
		return nil, err
	}
	bs := offsitebot.Breaches(k, c.Now, e.Calendar, e.Settings)
	data, err := ExportJSON(k, log, bs)
	if err != nil {
		return nil, err
	}
	csvData, err := ExportCSV(k, log, bs)
	if err != nil {
		return nil, err
	}
	return []bot.Reply{
		{Text: fmt.Sprintf("Chronology of %s (%d entries), as JSON.", k.Ref, len(Chronology(k, log))), File: &bot.File{Name: k.Ref + ".json", ContentType: "application/json", Data: data}, Sensitive: true, Case: k.Ref},
		{Text: "And as CSV, for a spreadsheet.", File: &bot.File{Name: k.Ref + ".csv", ContentType: "text/csv", Data: csvData}, Sensitive: true, Case: k.Ref},
	}, nil
}

// Entry is one step in a case's chronology.
type Entry struct {
	At      time.Time           `json:"at"`
	Kind    string              `json:"kind"`
	By      string              `json:"by"`
	Via     offsitebot.Platform `json:"via,omitempty"`
	Summary string              `json:"summary"`
}

// Chronology lists everything recorded on a case, oldest first (rule 1),
// with the messages recorded about it in the audit log (reminders sent).
// Entries are gathered in causal order so that ties in time keep it.
func Chronology(k *offsitebot.Case, log []offsitebot.AuditEvent) []Entry {
	out := []Entry{{At: k.Opened, Kind: "opened", By: k.OpenedBy, Summary: fmt.Sprintf("Direction opened: %s → %s from %s", k.HomeURN, k.ReceivingURN, k.Start)}}
	for _, p := range k.People {
		out = append(out, Entry{At: p.Joined, Kind: "joined", By: p.ID, Via: offsitebot.Platform(strings.SplitN(p.ID, ":", 2)[0]), Summary: string(p.Role) + " joined with a code"})
	}
	for _, m := range k.Meetings {
		out = append(out, Entry{At: m.Scheduled, Kind: "review scheduled", By: m.By, Summary: fmt.Sprintf("%s on %s, %s", m.ID, m.At.In(offsitebot.London).Format("2006-01-02 15:04"), where(m))})
		for _, inv := range m.Invitations {
			if !inv.Answered.IsZero() {
				out = append(out, Entry{At: inv.Answered, Kind: "invitation answered", By: inv.To, Summary: fmt.Sprintf("%s: %s %s", m.ID, inv.Answer, inv.Suggestion)})
			}
		}
		if o := m.Outcome; o != nil {
			sum := fmt.Sprintf("%s: objectives met %s; decision %s", m.ID, o.Met, o.Decision)
			if o.Until != "" {
				sum += fmt.Sprintf(" until %s", o.Until)
			}
			if o.Next != "" {
				sum += fmt.Sprintf("; next meeting %s", o.Next)
			}
			if o.Plan != "" {
				sum += "; plan: " + o.Plan
			}
			out = append(out, Entry{At: o.Recorded, Kind: "review held", By: o.By, Summary: sum + "; attended: " + o.Attended})
		}
	}
	for _, ct := range k.Contacts {
		out = append(out, Entry{At: ct.At, Kind: "contact", By: ct.By, Via: ct.Via, Summary: fmt.Sprintf("%s with %s: %s", ct.How, ct.With, ct.Summary)})
	}
	// Attendance as each person recorded it, corrections included, from the
	// audit trail; days recorded without one (imported, the demo) from the case.
	trail := slices.Concat(k.Audit, log) // a trail stored in the case before, and the rest
	audited := map[offsitebot.Date]bool{}
	for _, a := range trail {
		if a.Action == "attendance recorded" || a.Action == "attendance corrected" {
			day, _, _ := strings.Cut(a.Detail, " ")
			audited[offsitebot.Date(day)] = true
			out = append(out, Entry{At: a.At, Kind: "attendance", By: a.By, Via: a.Via, Summary: a.Detail + " (home register " + offsitebot.HomeRegisterCode + ")"})
		}
	}
	for _, d := range k.Attendance {
		if !audited[d.Date] {
			out = append(out, Entry{At: d.At, Kind: "attendance", By: d.By, Via: d.Via, Summary: fmt.Sprintf("%s AM %s PM %s (home register %s)", d.Date, d.AM, d.PM, offsitebot.HomeRegisterCode)})
		}
	}
	for _, r := range k.Requests {
		out = append(out, Entry{At: r.At, Kind: "review request", By: r.By, Via: r.Via, Summary: fmt.Sprintf("%s from %s (duty %s): %s", r.ID, r.From, dutyText(r.DutyApplies), r.Text)})
	}
	for _, f := range k.Feedback {
		sum := fmt.Sprintf("pupil: %s / family: %s", f.Pupil, f.Family)
		if f.Rating > 0 {
			sum += fmt.Sprintf(" / how it's going: %d of 5", f.Rating)
		}
		out = append(out, Entry{At: f.At, Kind: "feedback", By: f.By, Summary: sum})
	}
	// Messages the bot sent about the case, and corrections, are in the audit
	// trail; they belong in the chronology too (rule 1).
	for _, a := range trail {
		if kind, ok := chronicled[a.Action]; ok {
			out = append(out, Entry{At: a.At, Kind: kind, By: a.By, Via: a.Via, Summary: a.Action + ": " + a.Detail})
		}
	}

	for i := range out {
		out[i].At = out[i].At.UTC().Truncate(time.Millisecond) // one form, as stored
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.At.Compare(b.At) })
	return out
}

// chronicled are the audit actions that also stand in the chronology, by kind.
var chronicled = map[string]string{
	"attendance alert":          "message",
	"attendance alert resolved": "message",
	"review request passed on":  "message",
	"time suggestion passed on": "message",
	"recipient unreachable":     "message",
	"review cancelled":          "review cancelled",
	"notice given":              "notice",
	"decision notice given":     "notice",
	"invitation given":          "notice",
	"direction ended":           "ended",
	"reminder sent":             "message",
}

// Export is the whole record of a case: its facts, breaches, chronology and
// audit trail.
type Export struct {
	Case       *offsitebot.Case        `json:"case"`
	Breaches   []offsitebot.Breach     `json:"breaches"`
	Chronology []Entry                 `json:"chronology"`
	Audit      []offsitebot.AuditEvent `json:"audit"`
}

// audit merges the case's own trail with the global one, oldest first.
func auditTrail(k *offsitebot.Case, log []offsitebot.AuditEvent) []offsitebot.AuditEvent {
	all := slices.Concat(k.Audit, log)
	for i := range all {
		all[i].At = all[i].At.UTC().Truncate(time.Millisecond)
	}
	slices.SortStableFunc(all, func(a, b offsitebot.AuditEvent) int { return a.At.Compare(b.At) })
	return all
}

// ExportJSON renders a case for `export`, with its breaches (offsitebot.Breaches).
func ExportJSON(k *offsitebot.Case, log []offsitebot.AuditEvent, breaches []offsitebot.Breach) ([]byte, error) {
	body := *k
	body.Audit = nil // listed once, merged with the global log, below
	if breaches == nil {
		breaches = []offsitebot.Breach{} // "none", not "not worked out"
	}
	x := Export{Case: &body, Breaches: breaches, Chronology: Chronology(k, log), Audit: auditTrail(k, log)}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, fmt.Errorf("export %s: %w", k.Ref, err)
	}
	return buf.Bytes(), nil
}

// csvCell is s as a spreadsheet should show it: a cell beginning with = + -
// or @ (or a tab or CR, which some strip first) would be run as a formula,
// so it is prefixed with ', which shows it as typed; control characters
// stored before input was cleaned are dropped.
func csvCell(s string) string {
	s = offsitebot.CleanText(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportCSV renders the breaches, chronology and audit trail as one CSV
// table; a breach is at its deadline.
func ExportCSV(k *offsitebot.Case, log []offsitebot.AuditEvent, breaches []offsitebot.Breach) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(cells ...string) {
		for i := range cells {
			cells[i] = csvCell(cells[i])
		}
		_ = w.Write(cells)
	}
	row("at", "record", "kind", "by", "via", "summary")
	for _, b := range breaches {
		row(string(b.Deadline), "breach", b.Kind, "", "", breachText(k, b))
	}
	for _, en := range Chronology(k, log) {
		row(en.At.In(offsitebot.London).Format(time.RFC3339), "chronology", en.Kind, en.By, string(en.Via), en.Summary)
	}
	for _, a := range auditTrail(k, log) {
		row(a.At.In(offsitebot.London).Format(time.RFC3339), "audit", a.Action, a.By, string(a.Via), a.Detail)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("export %s as csv: %w", k.Ref, err)
	}
	return buf.Bytes(), nil
}
