package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/conversations/documents"
)

// caseData is the case page.
type caseData struct {
	Ref, Pupil         string
	Facts              []fact
	Chart              template.HTML // the attendance picture, inline SVG
	ChartLabel         string
	Duties             []dutyLine
	Breaches           []breachLine
	Chronology         []entry
	CanPack, CanExport bool
	Active             bool
}

type fact struct{ Label, Value string }

// dutyLine is one open duty: what, whose, by when, and how late.
type dutyLine struct {
	What, Whose string
	By          offsitebot.Date
	Late        int
	Level       string
}

// breachLine is one breach: what, its deadline, the day it was done (or
// not yet), and how late.
type breachLine struct {
	What     string
	Deadline offsitebot.Date
	Done     offsitebot.Date // "" while not done
	Late     int
	Level    string
}

// breachWhat names a breach of k for the page.
func breachWhat(k *offsitebot.Case, b offsitebot.Breach) string {
	named := conversations.Named(k.Adult(b.Deadline))
	switch b.Kind {
	case offsitebot.BreachNotice:
		return "Written notice to " + named + ", before the first day (" + b.On.Short() + ")"
	case offsitebot.BreachInvitation:
		return "Invitation of " + named + " to " + b.Subject + " (" + b.On.Short() + "), 6 days ahead"
	case offsitebot.BreachDecision:
		return "Decision of " + b.Subject + " (" + b.On.Short() + ") told to " + named
	case offsitebot.BreachRequest:
		s := "Meeting for review request " + b.Subject + " (" + b.On.Short() + ")"
		if b.Booked != "" {
			s += ", booked for " + b.Booked.Short()
		}
		return s
	}
	return b.Kind + " " + b.Subject
}

// entry is one line of the chronology: when, what, who and how.
type entry struct {
	When, Kind, Who, How, Summary string
}

// loadCase reads the case named in the path for v: one they may not see is
// not found, as one that does not exist.
func (s *Server) loadCase(w http.ResponseWriter, r *http.Request, v viewer) *offsitebot.Case {
	ref, ok := offsitebot.ParseRef(r.PathValue("ref"))
	if !ok {
		s.notFound(w, r, &v)
		return nil
	}
	k, err := s.Store.Case(r.Context(), ref)
	if err == nil {
		err = offsitebot.Can(v.Identity, offsitebot.ActView, k)
	}
	switch {
	case offsitebot.ErrorCode(err) == offsitebot.ENotFound, err == nil && k.Status == offsitebot.Void:
		s.notFound(w, r, &v)
		return nil
	case err != nil:
		s.failed(w, r, err, "error", 0)
		return nil
	}
	return k
}

// casePage is one case: its facts, attendance, duties and chronology.
func (s *Server) casePage(w http.ResponseWriter, r *http.Request, v viewer) {
	k := s.loadCase(w, r, v)
	if k == nil {
		return
	}
	ctx, today := r.Context(), offsitebot.DateOf(v.now)
	names, err := s.schoolNames(ctx)
	if err != nil {
		s.failed(w, r, err, "error", 0)
		return
	}
	people, err := s.Files.Names(ctx, k)
	if err != nil {
		s.failed(w, r, err, "error", 0)
		return
	}
	log, err := s.Store.AuditLog(ctx, k.Ref)
	if err != nil {
		s.failed(w, r, err, "error", 0)
		return
	}
	d := caseData{Ref: k.Ref, Pupil: k.Pupil, Active: k.Status == offsitebot.Active,
		CanPack:   offsitebot.Can(v.Identity, offsitebot.ActPack, k) == nil,
		CanExport: offsitebot.Can(v.Identity, offsitebot.ActExport, k) == nil}
	status := "active"
	if k.Status == offsitebot.Ended {
		status = fmt.Sprintf("ended %s: %s", k.EndedOn.Long(), outcomeText(k.Outcome))
	}
	d.Facts = []fact{
		{"Status", status},
		{"Born", orDash(dobText(k.DOB))},
		{"EHC plan", map[bool]string{true: "yes", false: "no"}[k.EHCP]},
		{"Home school", nameOf(names, k.HomeURN)},
		{"Receiving school", nameOf(names, k.ReceivingURN)},
		{"First day", k.Start.Long()},
		{"Agreed end", orDash(k.End.Long())},
		{"Reasons", orDash(k.Reasons)},
		{"Objectives", orDash(k.Objectives)},
		{"On arrival", orDash(k.Arrival)},
		{"Sessions", orDash(k.Sessions)},
	}
	if d.Active {
		rw := s.rowOf(k, names, v.now)
		contact := "none yet"
		if !rw.LastContact.IsZero() {
			contact = rw.LastContact.In(offsitebot.London).Format("Mon 2 Jan 2006 15:04")
		}
		review := "due by " + rw.Review.Long()
		if rw.ReviewBooked {
			review = rw.Review.Long() + " (booked)"
		}
		d.Facts = append(d.Facts, fact{"Last contact between the schools", contact}, fact{"Next review", review},
			fact{"Attendance, last two weeks", rw.Bar.Label()})
	}
	var review offsitebot.Date
	if m, ok := offsitebot.LastHeldMeeting(k, v.now); ok {
		review = m.Date()
	}
	svg, label := documents.AttendanceSVG(k, s.Calendar, today, review)
	d.Chart, d.ChartLabel = template.HTML(svg), label // built from numbers and escaped text only
	for _, it := range offsitebot.Due(k, v.now, s.Calendar, s.Settings) {
		dl := dutyLine{What: dutyWhat(it), Whose: partyText(it.Party), By: it.By, Level: "due"}
		if it.Overdue {
			dl.Late, dl.Level = max(it.By.DaysUntil(today), 0), "late"
			if dl.Late > 7 {
				dl.Level = "verylate"
			}
		}
		d.Duties = append(d.Duties, dl)
	}
	for _, b := range offsitebot.Breaches(k, v.now, s.Calendar, s.Settings) {
		bl := breachLine{What: breachWhat(k, b), Deadline: b.Deadline, Level: "late"}
		end := today
		if b.Done != nil {
			bl.Done, end, bl.Level = *b.Done, *b.Done, "past"
		}
		if bl.Late = b.Deadline.DaysUntil(end); bl.Late > 7 && b.Done == nil {
			bl.Level = "verylate"
		}
		d.Breaches = append(d.Breaches, bl)
	}
	chron := conversations.Chronology(k, log)
	slices.Reverse(chron) // newest first
	for _, en := range chron {
		who := people[en.By]
		if who == "" {
			who = "someone no longer known"
		}
		d.Chronology = append(d.Chronology, entry{When: en.At.In(offsitebot.London).Format("Mon 2 Jan 2006 15:04"),
			Kind: en.Kind, Who: who, How: viaText(en.Via), Summary: en.Summary})
	}
	s.render(w, r, http.StatusOK, "case", page{Title: k.Ref, Who: v.Name, Data: d})
}

// caseFile is the meeting pack or the export of a case, made as the chat makes them.
func (s *Server) caseFile(w http.ResponseWriter, r *http.Request, v viewer) {
	kind := map[string]string{"pack.pdf": conversations.WebPack, "export.csv": conversations.WebExport}[r.PathValue("file")]
	if kind == "" {
		s.notFound(w, r, &v)
		return
	}
	k := s.loadCase(w, r, v)
	if k == nil {
		return
	}
	f, err := s.Files.WebFile(r.Context(), v.Identity, k, kind, v.now)
	if offsitebot.ErrorCode(err) == offsitebot.EForbidden {
		s.render(w, r, http.StatusForbidden, "forbidden", page{Title: "Not for you", Who: v.Name, Message: offsitebot.ErrorMessage(err)})
		return
	} else if err != nil {
		s.failed(w, r, err, "error", http.StatusConflict)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.Name)) // named from the reference only
	_, _ = w.Write(f.Data)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// dutyWhat names a duty for the page.
func dutyWhat(it offsitebot.DueItem) string {
	named := conversations.Named(it.Adult)
	what := map[string]string{
		offsitebot.DueNotice: "Written notice to " + named, offsitebot.DueContact: "Weekly contact between the schools",
		offsitebot.DueAttendance: "Attendance to record", offsitebot.DueReview: "Review meeting to schedule",
		offsitebot.DueInvitation: "Invitation to " + named, offsitebot.DueContinuation: "Decision to continue to tell " + named,
		offsitebot.DueRequest: "Review request to answer", offsitebot.DueOutcome: "Review outcome to record",
		offsitebot.DueFaceToFace: "A face-to-face review", offsitebot.DueEnd: "Direction to end or extend",
	}[it.Kind]
	if what == "" {
		what = it.Kind
	}
	switch it.Kind {
	case offsitebot.DueInvitation, offsitebot.DueContinuation, offsitebot.DueRequest, offsitebot.DueOutcome:
		what += " (" + it.Subject + ")"
	case offsitebot.DueAttendance:
		what += fmt.Sprintf(" (%s from %s)", plural(it.Days, "school day"), it.On.Short())
	}
	return what
}

func partyText(p offsitebot.Party) string {
	switch p {
	case offsitebot.HomeSchool:
		return "home school"
	case offsitebot.ReceivingSchool:
		return "receiving school"
	}
	return "both schools"
}

func viaText(p offsitebot.Platform) string {
	switch p {
	case offsitebot.Slack:
		return "Slack"
	case offsitebot.Telegram:
		return "Telegram"
	case offsitebot.Shell:
		return "terminal"
	case offsitebot.Web:
		return "web overview"
	case offsitebot.System:
		return "offsitebot"
	}
	return string(p) // "" when not recorded
}

// dobText is a birth date without its weekday, which means nothing there.
func dobText(d offsitebot.Date) string {
	if !d.Valid() {
		return ""
	}
	return d.Time().Format("2 January 2006")
}
