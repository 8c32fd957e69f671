package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// row is one active case on the overview.
type row struct {
	Ref, Pupil              string
	HomeURN, ReceivingURN   string
	Home, Receiving         string
	Start, End              offsitebot.Date
	Days                    int // calendar days since the start (negative: not started)
	ToEnd                   int // calendar days to the agreed end (negative: passed)
	Bar                     bar // attendance over the last two weeks
	LastContact             time.Time
	Contact                 string // offsitebot.ContactOK, ContactNudge or ContactOverdue
	Review                  offsitebot.Date
	ReviewBooked            bool
	ReviewLate              bool // due and not booked, and the day has passed
	Duties                  duties
	Breaches                breaches
	Overdue                 bool // something overdue: a duty, or a breach not made good
	attendanceSort, endSort int
}

// duties are a case's open duties, counted, and how late the latest of them is.
type duties struct {
	Open, Overdue int
	Late          int    // calendar days the most overdue is past its deadline
	Level         string // for the colour: "none", "due", "late" or "verylate"
}

// dutiesOf counts the Due items of k; lateness beyond a school week is very late.
func dutiesOf(items []offsitebot.DueItem, today offsitebot.Date) duties {
	d := duties{Open: len(items), Level: "none"}
	for _, it := range items {
		if it.Overdue {
			d.Overdue++
			d.Late = max(d.Late, it.By.DaysUntil(today))
		}
	}
	switch {
	case d.Overdue > 0 && d.Late > 7:
		d.Level = "verylate"
	case d.Overdue > 0:
		d.Level = "late"
	case d.Open > 0:
		d.Level = "due"
	}
	return d
}

// Label words the duties for the table cell: colour is never the only sign.
func (d duties) Label() string {
	switch {
	case d.Open == 0:
		return "none"
	case d.Overdue == 0:
		return fmt.Sprintf("%d due", d.Open)
	}
	return fmt.Sprintf("%d open, %d overdue", d.Open, d.Overdue)
}

// LateText says how late the most overdue duty is, under the count.
func (d duties) LateText() string {
	if d.Overdue == 0 || d.Late <= 0 {
		return ""
	}
	return "up to " + plural(d.Late, "day") + " late"
}

// breaches are a case's breaches (deadlines missed), counted: those not
// made good yet, and how late the latest is or was.
type breaches struct {
	Count, Open int
	Late        int
	Level       string // "none", "past" (all made good, late), "late", "verylate"
}

func breachesOf(bs []offsitebot.Breach, today offsitebot.Date) breaches {
	b := breaches{Count: len(bs), Level: "none"}
	for _, x := range bs {
		end := today
		if x.Done != nil {
			end = *x.Done
		} else {
			b.Open++
		}
		b.Late = max(b.Late, x.Deadline.DaysUntil(end))
	}
	switch {
	case b.Open > 0 && b.Late > 7:
		b.Level = "verylate"
	case b.Open > 0:
		b.Level = "late"
	case b.Count > 0:
		b.Level = "past"
	}
	return b
}

// Label words the breaches for the table cell.
func (b breaches) Label() string {
	switch {
	case b.Count == 0:
		return "none"
	case b.Open == 0:
		return fmt.Sprintf("%d, made good late", b.Count)
	}
	return fmt.Sprintf("%d, %d not made good", b.Count, b.Open)
}

// LateText says how late the latest breach is or was, under the count.
func (b breaches) LateText() string {
	if b.Count == 0 {
		return ""
	}
	return "up to " + plural(b.Late, "day") + " late"
}

// columns of the overview's table, each sortable: key, heading.
var columns = []struct{ Key, Label string }{
	{"ref", "Reference"}, {"pupil", "Pupil"}, {"duties", "Open duties"}, {"breaches", "Breaches"}, {"schools", "Home → receiving"},
	{"start", "Since start"}, {"end", "Agreed end"}, {"attendance", "Attendance, 2 weeks"},
	{"contact", "Last school contact"}, {"review", "Next review"},
}

// less orders rows by the column key, then by reference so the order is stable.
func compareBy(key string) func(a, b row) int {
	by := map[string]func(a, b row) int{
		"ref":   func(a, b row) int { return 0 },
		"pupil": func(a, b row) int { return strings.Compare(strings.ToLower(a.Pupil), strings.ToLower(b.Pupil)) },
		"schools": func(a, b row) int {
			return cmp.Or(strings.Compare(a.Home, b.Home), strings.Compare(a.Receiving, b.Receiving))
		},
		"start":      func(a, b row) int { return cmp.Compare(b.Days, a.Days) }, // longest running first
		"end":        func(a, b row) int { return cmp.Compare(a.endSort, b.endSort) },
		"attendance": func(a, b row) int { return cmp.Compare(a.attendanceSort, b.attendanceSort) },
		"contact":    func(a, b row) int { return a.LastContact.Compare(b.LastContact) },
		"review":     func(a, b row) int { return cmp.Compare(a.Review, b.Review) },
		"breaches": func(a, b row) int {
			return cmp.Or(cmp.Compare(b.Breaches.Open, a.Breaches.Open), cmp.Compare(b.Breaches.Late, a.Breaches.Late), cmp.Compare(b.Breaches.Count, a.Breaches.Count))
		},
		"duties": func(a, b row) int {
			return cmp.Or(cmp.Compare(b.Duties.Overdue, a.Duties.Overdue), cmp.Compare(b.Duties.Late, a.Duties.Late), cmp.Compare(b.Duties.Open, a.Duties.Open))
		},
	}[key]
	return func(a, b row) int { return cmp.Or(by(a, b), strings.Compare(a.Ref, b.Ref)) }
}

// schoolTotal is one school's line of the totals.
type schoolTotal struct {
	URN, Name           string
	AsHome, AsReceiving int
	WithOverdue         int
	Open, Overdue       int
	Breaches            int
	Present, Possible   int
}

func (t schoolTotal) Attendance() string { return offsitebot.Percent(t.Present, t.Possible) }

// ended is one direction that has ended.
type ended struct {
	Ref, Pupil, Home, Receiving string
	Start, On                   offsitebot.Date
	Length                      string
	Outcome                     string
}

// endedShown is how many ended directions the overview lists, latest first.
const endedShown = 100

// overviewData is the overview page.
type overviewData struct {
	Today     offsitebot.Date
	Rows      []row
	All       int // active cases before filtering
	Totals    []schoolTotal
	Ended     []ended
	MoreEnded int                 // ended directions left out, the oldest
	Schools   []offsitebot.School // those the viewer's cases involve, for the filter
	School    string              // the filter's school, or ""
	Overdue   bool
	Sort      string
	Desc      bool
	Headings  []heading
}

// heading is one column's heading: its sort link and its state for aria-sort.
type heading struct {
	Key, Label, Href, AriaSort string
}

// overview is the page of every active case the viewer sees, and the ended ones.
func (s *Server) overview(w http.ResponseWriter, r *http.Request, v viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	active, err := s.visible(ctx, v, offsitebot.Active)
	if err != nil {
		s.failed(w, r, err, "error", 0)
		return
	}
	gone, err := s.visible(ctx, v, offsitebot.Ended)
	if err != nil {
		s.failed(w, r, err, "error", 0)
		return
	}
	names, err := s.schoolNames(ctx)
	if err != nil {
		s.failed(w, r, err, "error", 0)
		return
	}
	d := overviewData{Today: offsitebot.DateOf(v.now), School: q.Get("school"), Overdue: q.Get("overdue") != "", Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", All: len(active)}
	// The filter offers the schools of the viewer's own cases; any other,
	// known or not, is a page not found, as a case they may not see is.
	mine := map[string]bool{}
	for _, k := range slices.Concat(active, gone) {
		mine[k.HomeURN], mine[k.ReceivingURN] = true, true
	}
	for urn := range mine {
		d.Schools = append(d.Schools, offsitebot.School{URN: urn, Name: nameOf(names, urn)})
	}
	slices.SortFunc(d.Schools, func(a, b offsitebot.School) int { return cmp.Compare(a.Name, b.Name) })
	if d.School != "" && !mine[d.School] {
		s.notFound(w, r, &v)
		return
	}
	if !slices.ContainsFunc(columns, func(c struct{ Key, Label string }) bool { return c.Key == d.Sort }) {
		d.Sort = "duties"
	}
	totals := map[string]*schoolTotal{}
	total := func(urn string) *schoolTotal {
		if totals[urn] == nil {
			totals[urn] = &schoolTotal{URN: urn, Name: nameOf(names, urn)}
		}
		return totals[urn]
	}
	for i := range active {
		rw := s.rowOf(&active[i], names, v.now)
		h, rc := total(rw.HomeURN), total(rw.ReceivingURN)
		h.AsHome++
		rc.AsReceiving++
		h.Open, h.Overdue, h.Breaches = h.Open+rw.Duties.Open, h.Overdue+rw.Duties.Overdue, h.Breaches+rw.Breaches.Count
		h.Present, h.Possible = h.Present+rw.Bar.Present, h.Possible+rw.Bar.Possible
		if rw.Overdue {
			h.WithOverdue++
		}
		if d.School != "" && rw.HomeURN != d.School && rw.ReceivingURN != d.School || d.Overdue && !rw.Overdue {
			continue
		}
		d.Rows = append(d.Rows, rw)
	}
	slices.SortStableFunc(d.Rows, compareBy(d.Sort))
	if d.Desc {
		slices.Reverse(d.Rows)
	}
	for _, t := range totals {
		d.Totals = append(d.Totals, *t)
	}
	slices.SortFunc(d.Totals, func(a, b schoolTotal) int { return cmp.Compare(a.Name, b.Name) })
	for _, k := range gone {
		if d.School != "" && k.HomeURN != d.School && k.ReceivingURN != d.School {
			continue
		}
		d.Ended = append(d.Ended, ended{Ref: k.Ref, Pupil: k.Pupil, Home: nameOf(names, k.HomeURN), Receiving: nameOf(names, k.ReceivingURN),
			Start: k.Start, On: k.EndedOn, Length: length(k.Start, k.EndedOn), Outcome: outcomeText(k.Outcome)})
	}
	slices.SortFunc(d.Ended, func(a, b ended) int { return cmp.Or(cmp.Compare(b.On, a.On), cmp.Compare(a.Ref, b.Ref)) })
	if len(d.Ended) > endedShown {
		// An authority's years of ended directions would bury the page: the latest, and how many more.
		d.MoreEnded, d.Ended = len(d.Ended)-endedShown, d.Ended[:endedShown]
	}
	d.Headings = d.headings()
	s.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Who: v.Name, Data: d})
}

// headings link each column to the overview sorted by it, keeping the
// filters; the column sorted by now links to the other direction.
func (d overviewData) headings() []heading {
	var out []heading
	for _, c := range columns {
		q := url.Values{}
		if d.School != "" {
			q.Set("school", d.School)
		}
		if d.Overdue {
			q.Set("overdue", "1")
		}
		q.Set("sort", c.Key)
		h := heading{Key: c.Key, Label: c.Label}
		if c.Key == d.Sort {
			h.AriaSort = "ascending"
			if d.Desc {
				h.AriaSort = "descending"
			} else {
				q.Set("dir", "desc")
			}
		}
		h.Href = "?" + q.Encode()
		out = append(out, h)
	}
	return out
}

// rowOf is the overview's row for k as of now.
func (s *Server) rowOf(k *offsitebot.Case, names map[string]string, now time.Time) row {
	today := offsitebot.DateOf(now)
	rw := row{Ref: k.Ref, Pupil: k.Pupil, HomeURN: k.HomeURN, ReceivingURN: k.ReceivingURN,
		Home: nameOf(names, k.HomeURN), Receiving: nameOf(names, k.ReceivingURN),
		Start: k.Start, End: k.End, Days: k.Start.DaysUntil(today), LastContact: k.LastSchoolContact}
	rw.Bar = barOf(k, s.Calendar, today)
	rw.attendanceSort = -1
	if rw.Bar.Possible > 0 {
		rw.attendanceSort = rw.Bar.Present * 1000 / rw.Bar.Possible
	}
	rw.endSort = 1 << 30
	if k.End.Valid() {
		rw.ToEnd = today.DaysUntil(k.End)
		rw.endSort = rw.ToEnd
	}
	rw.Contact = offsitebot.CheckContact(k, now, s.Calendar).State
	if m, ok := offsitebot.NextMeeting(k, now); ok {
		rw.Review, rw.ReviewBooked = m.Date(), true
	} else {
		rw.Review = offsitebot.ReviewDue(k, now)
		rw.ReviewLate = rw.Review.Valid() && rw.Review < today
	}
	rw.Duties = dutiesOf(offsitebot.Due(k, now, s.Calendar, s.Settings), today)
	rw.Breaches = breachesOf(offsitebot.Breaches(k, now, s.Calendar, s.Settings), today)
	rw.Overdue = rw.Duties.Overdue > 0 || rw.Breaches.Open > 0
	return rw
}

// visible are the cases of status the viewer may see, by the chat's own check.
func (s *Server) visible(ctx context.Context, v viewer, status offsitebot.Status) ([]offsitebot.Case, error) {
	f, none := offsitebot.VisibleCases(v.Identity, status)
	if none {
		return nil, nil
	}
	cs, err := s.Store.Cases(ctx, f)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(k offsitebot.Case) bool { return !offsitebot.Sees(v.Identity, &k) }), nil
}

func (s *Server) schoolNames(ctx context.Context) (map[string]string, error) {
	ss, err := s.Store.Schools(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(ss))
	for _, sc := range ss {
		names[sc.URN] = sc.Name
	}
	return names, nil
}

func nameOf(names map[string]string, urn string) string {
	if n, ok := names[urn]; ok && n != "" {
		return n
	}
	return "school " + urn
}

// length says how long a direction ran, in days and weeks.
func length(from, to offsitebot.Date) string {
	if !from.Valid() || !to.Valid() {
		return "—"
	}
	n := from.DaysUntil(to) + 1
	if n < 14 {
		return plural(n, "day")
	}
	return fmt.Sprintf("%s (%s)", plural(n/7, "week"), plural(n, "day"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// outcomeText words how a direction ended.
func outcomeText(o string) string {
	switch o {
	case offsitebot.OutcomeReintegrated:
		return "back at the home school"
	case offsitebot.OutcomeManagedMove:
		return "managed move"
	case offsitebot.OutcomeSEMH:
		return "SEMH provision"
	case "":
		return "—"
	}
	return o
}
