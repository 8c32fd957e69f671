package shell_test

import (
	"strings"
	"testing"
)

// breachesExported reads the breaches of a case's JSON export.
func (s *session) breachesExported(ref string) []map[string]any {
	s.t.Helper()
	var x struct {
		Breaches []map[string]any `json:"breaches"`
	}
	s.exportInto(ref, &x)
	return x.Breaches
}

// TestLateDutiesStayOnTheRecord: the notice and a decision told late are
// recorded on the day they were given, the reply says they were late, and
// show and export keep them as breaches with deadline and day done (issue
// 10, points 1, 2 and 6).
func TestLateDutiesStayOnTheRecord(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	ref := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`))
	// Due by Thu 3 Dec, two school days before Mon 7 Dec; never a day to come.
	s.expect("notice "+ref+" given 4/12/2026 letter", "Fri 4 Dec 2026 is in the future")

	s.clk.Set(at("2026-12-04 09:00"))
	late := s.expect("notice "+ref+" given 4/12/2026 letter", "written notice for "+ref+" reached the parents (letter, Fri 4 Dec)",
		"That is late: it was due by Thu 3 Dec, 2 school days before the first day (Mon 7 Dec)")
	_ = late
	s.expect("show "+ref, "Breaches", "Written notice: due by Thu 3 Dec (2 school days before the first day, Mon 7 Dec); given Fri 4 Dec.")

	// On time, the other side of the line: no word of lateness.
	other := s.opened(s.say(`new pupil="Ann Cole" dob=2013-03-14 ehcp=no receiving=riverside start=9/12/2026 end=29/1/2027`))
	if got := s.expect("notice "+other+" given yesterday email", "reached the parents (email, Thu 3 Dec)"); strings.Contains(got, "late") {
		t.Fatalf("a notice on time was called late:\n%s", got)
	}

	// Opened too late for the notice: the earliest lawful first day is offered.
	s.expect(`new pupil="Kit Moss" dob=2013-05-06 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`,
		"so it is late", "Given today, the notice allows a first day of Tue 8 Dec at the earliest", "start=2026-12-08")

	// A meeting nobody was invited to (no family linked).
	s.expect("review "+ref+" schedule 9/12/2026 15:30 in-person", "5 days away", "Schedule it anyway?")
	s.expect("yes", "Review meeting M1 for "+ref+" scheduled")
	s.clk.Set(at("2026-12-09 17:00"))
	s.expect("review "+ref+` outcome met=partly successes="Good start" voice="Likes art" concerns=Journey interventions=Mentor decision=continue until=29/1/2027 next=22/12/2026 attended="Alex"`,
		"The parents were not invited to M1: they should have been by Thu 3 Dec")

	// Told on the 7th day after the meeting: late, and said so.
	s.clk.Set(at("2026-12-16 10:00"))
	s.expect("review "+ref+" told M1 16/12/2026 phone", "were told of the decision to continue after M1 (phone, Wed 16 Dec)",
		"That is late: it was due by Tue 15 Dec, 6 days after the meeting")
	got := s.expect("show "+ref, "Invitation to M1 (Wed 9 Dec): due by Thu 3 Dec (6 days before); the parents were not invited.",
		"Decision of M1 (Wed 9 Dec) told to the parents: due by Tue 15 Dec (6 days after); told Wed 16 Dec.")
	if strings.Contains(got, "written notice to the parents") {
		t.Fatalf("due lists a duty already done:\n%s", got)
	}

	// An outcome recorded more than 6 days after its meeting says the deadline passed.
	s.expect("review "+ref+" schedule 22/12/2026 15:30 in-person", "Review meeting M2")
	s.clk.Set(at("2026-12-29 09:00"))
	s.expect("review "+ref+` outcome M2 met=yes successes=Settled voice=Happy concerns=None interventions=Mentor decision=continue until=29/1/2027 next=5/1/2027 attended="Alex"`,
		"The deadline to tell the parents of the decision to continue passed on Mon 28 Dec")

	want := map[string]string{"notice": "2026-12-04", "invitation": "", "decision": "2026-12-16"}
	seen := map[string]bool{}
	for _, b := range s.breachesExported(ref) {
		kind, _ := b["kind"].(string)
		if b["subject"] == "M2" {
			continue
		}
		w, ok := want[kind]
		done, _ := b["done"].(string)
		if !ok || done != w || b["deadline"] == "" {
			t.Errorf("exported breach %v, want done %q", b, w)
		}
		seen[kind] = true
	}
	if len(seen) != len(want) {
		t.Errorf("exported breaches %v, want %v", seen, want)
	}
}

// TestRequestsVerbatimAndOpenUntilHeld: a request is kept as typed; it stays
// open until a meeting is held, a far one flagged; a far meeting hides no
// review due sooner; a meeting whose time came counts as held (issue 10,
// points 3, 4 and 5).
func TestRequestsVerbatimAndOpenUntilHeld(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	ref := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`))
	code := codeRE.FindStringSubmatch(s.expect("link "+ref+" parent", "https://t.me/"))[1]
	s.expect("request "+ref+" parent Dear governors,  from=Pat and text=see attached", "Review request from the parent recorded word for word")

	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/start "+code, "You're now connected")
	s.expect("/request Please can we meet, ref=LTR-22 (our letter) thanks", "received")

	s.expect("/as home:Alex", "home:Alex")
	var x struct {
		Case struct {
			Requests []struct{ Text string } `json:"requests"`
		} `json:"case"`
	}
	s.exportInto(ref, &x)
	want := []string{"Dear governors,  from=Pat and text=see attached", "Please can we meet, ref=LTR-22 (our letter) thanks"}
	if len(x.Case.Requests) != 2 || x.Case.Requests[0].Text != want[0] || x.Case.Requests[1].Text != want[1] {
		t.Fatalf("requests stored %+v, want %q", x.Case.Requests, want)
	}

	// 15 school days from Wed 2 Dec is Wed 23 Dec: 1 March is flagged.
	s.expect("review "+ref+" schedule 1/3/2027 15:30 in-person", "Review meeting M1", "This answers 2 open review requests; a request stays open until its meeting is held",
		"Note: review request R1 came on Wed 2 Dec; a meeting held by Wed 23 Dec (15 school days after it) counts as soon as reasonably practicable. Mon 1 Mar is later")
	s.clk.Set(at("2026-12-14 09:00"))
	got := s.expect("show "+ref, "Open review request R1 from the parent, Wed 2 Dec (duty applies), meeting booked for Mon 1 Mar",
		"review request from parent, Wed 2 Dec — meeting booked for Mon 1 Mar, later than Wed 23 Dec: not as soon as reasonably practicable",
		"next review meeting due by Mon 21 Dec — the meeting booked for Mon 1 Mar is later than that")
	_ = got

	// A sooner meeting is held (its outcome not recorded yet): the requests are met.
	s.expect("review "+ref+" schedule 21/12/2026 10:00 in-person", "Review meeting M2")
	s.clk.Set(at("2026-12-21 11:00"))
	if got := s.expect("show "+ref, ref); strings.Contains(got, "Open review request") || strings.Contains(got, "Meeting for review request") {
		t.Fatalf("requests still open after a meeting was held:\n%s", got)
	}
	// That meeting counts for the 10-week rule, outcome or not.
	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/request Another meeting please", "within the last 10 weeks")
}

// TestWeeklyContactIsSevenDays: contact between the schools is due 7
// calendar days after the last, or the next school day when that is not one
// (Christmas Day and the Boxing Day substitute); nudged the school day
// before, overdue the day after (issue 10, point 8).
func TestWeeklyContactIsSevenDays(t *testing.T) {
	s := newSession(t) // Wed 2 Dec 2026
	s.admitted()
	ref := s.opened(s.say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no receiving=riverside start=7/12/2026 end=29/1/2027`))
	s.clk.Set(at("2026-12-18 10:00"))
	s.expect("contact "+ref+" receiving phone Spoke to Ms Khan", "Next contact between the schools due by Tue 29 Dec")
	for _, tc := range []struct {
		at, want string
	}{
		{"2026-12-23 09:00", ""},
		{"2026-12-24 09:00", "no contact with the receiving school for 6 days — due by Tue 29 Dec (weekly)"},
		{"2026-12-29 16:00", "no contact with the receiving school for 11 days — due by Tue 29 Dec (weekly)"},
		{"2026-12-30 09:00", "no contact with the receiving school for 12 days — overdue, was due by Tue 29 Dec (weekly)"},
	} {
		s.clk.Set(at(tc.at))
		got := s.say("due")
		if tc.want == "" && strings.Contains(got, "no contact with the receiving school") || !strings.Contains(got, tc.want) {
			t.Errorf("due on %s:\n%s\nwant %q", tc.at, got, tc.want)
		}
	}
}
