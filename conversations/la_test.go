package conversations_test

import (
	"regexp"
	"strings"
	"testing"
)

// nextSteps are the words after each "→" in a reply: a command, whose duty it
// is, or (in show) the receiving school.
var (
	nextSteps = regexp.MustCompile(`→ ([^\n]*)`)
	command   = regexp.MustCompile(`^[a-z]+ OSD-`)
)

// TestLAReadsDuties: an LA officer is told what is due and overdue and whose
// duty it is, never a command they cannot run; cases are grouped by home
// school, named, with how many duties are overdue there.
func TestLAReadsDuties(t *testing.T) {
	w := newWorld(t) // w.ref started Mon 23 Nov at Oakfield Primary: notice and attendance overdue
	other := w.open(otherHome, `new pupil="Jo Bloggs" dob=2012-05-06 ehcp=yes home=100003 receiving=100002 start=2026-12-14 end=2027-01-25`)
	if other == "" {
		t.Fatal("second case not opened")
	}
	onlyWhose := func(t *testing.T, got string) {
		t.Helper()
		if !strings.Contains(got, "→ for the ") {
			t.Fatalf("nothing due shown with whose duty it is: %s", got)
		}
		for _, s := range nextSteps.FindAllStringSubmatch(got, -1) {
			if command.MatchString(s[1]) {
				t.Errorf("the LA is shown the command %q:\n%s", s[1], got)
			}
		}
		for _, staffOnly := range []string{"give it now", "notice " + w.ref, "attendance " + w.ref, "review " + w.ref, "contact " + w.ref} {
			if strings.Contains(got, staffOnly) {
				t.Errorf("the LA is told %q:\n%s", staffOnly, got)
			}
		}
	}

	t.Run("due", func(t *testing.T) {
		got := w.say(la, "due")
		onlyWhose(t, got)
		for _, want := range []string{
			"Overdue:\n" + w.ref + "  written notice to the parents was due by Thu 19 Nov (2 school days before the start on Mon 23 Nov) and is not recorded as given  → for the home school",
			w.ref + "  attendance not confirmed for 7 school days, the earliest Mon 23 Nov  → for the receiving school",
			w.ref + "  no contact between the schools for 9 days — overdue, was due by Mon 30 Nov (weekly)  → for both schools",
			"Coming up:\n" + w.ref + "  next review meeting due by Mon 7 Dec",
			other + "  written notice to the parents must reach them by Thu 10 Dec",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("due lacks %q:\n%s", want, got)
			}
		}
	})
	t.Run("show", func(t *testing.T) {
		got := w.say(la, "show "+w.ref)
		onlyWhose(t, got)
		if !strings.Contains(got, "Overdue:\n  • written notice to the parents was due by Thu 19 Nov") || !strings.Contains(got, "Coming up:\n  • next review meeting due by Mon 7 Dec") {
			t.Errorf("show lacks the overdue and coming-up duties:\n%s", got)
		}
	})
	t.Run("cases by home school", func(t *testing.T) {
		got := w.say(la, "cases")
		onlyWhose(t, got)
		want := regexp.MustCompile(`(?s)^Active cases \(2\), by home school:\n` +
			`Hillside School \(100003\) — 1 case, nothing overdue\n  ` + other + `  Jo Bloggs  starts Mon 14 Dec · due: written notice [^\n]* → for the home school\n` +
			`Oakfield Primary \(100001\) — 1 case, 3 duties overdue\n  ` + w.ref + `  Sam Taylor  since Mon 23 Nov · 4 things due, most urgent: written notice [^\n]* → for the home school$`)
		if !want.MatchString(got) {
			t.Errorf("cases:\n%s\nwant to match\n%s", got, want)
		}
	})
	t.Run("a command the LA cannot run says so without naming others", func(t *testing.T) {
		got := w.say(la, "review "+w.ref+" schedule")
		if !strings.Contains(got, "As a local-authority officer you can't do that. Type help to see what you can do") {
			t.Errorf("review by the LA: %s", got)
		}
	})
}

// TestStaffDueNamesTheirCommand: home staff keep the command for each duty;
// receiving staff see their own duties and those of both schools, from
// where they stand.
func TestStaffDueNamesTheirCommand(t *testing.T) {
	w := newWorld(t)
	got := w.say(home, "due")
	for _, want := range []string{
		w.ref + "  written notice to the parents was due by Thu 19 Nov (2 school days before the start on Mon 23 Nov) and is not recorded as given — give it now  → notice " + w.ref + " given",
		w.ref + "  no contact with the receiving school for 9 days — overdue, was due by Mon 30 Nov (weekly)  → contact " + w.ref + " receiving phone …",
		"→ review " + w.ref + " schedule DATE TIME in-person",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("home due lacks %q:\n%s", want, got)
		}
	}
	got = w.say(recv, "due")
	want := w.ref + "  attendance not confirmed for 7 school days, the earliest Mon 23 Nov  → attendance " + w.ref + " 2026-11-23 AM PM\n" +
		w.ref + "  no contact with the home school for 9 days — overdue, was due by Mon 30 Nov (weekly)  → contact " + w.ref + " home phone …"
	if got != want {
		t.Errorf("receiving due:\n%s\nwant\n%s", got, want)
	}
}
