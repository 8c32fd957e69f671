package offsitebot

import (
	"slices"
	"strings"
	"testing"
)

// currentCodes is the code set as PRODUCT.md rule 3 lists it, by category.
var currentCodes = map[string][]string{
	CatPresent:      {"/", `\`, "L"},
	CatElsewhere:    {"K", "V", "P", "W", "B", "D"},
	CatAuthorised:   {"C1", "M", "J1", "S", "X", "C2", "C", "T", "R", "I", "E"},
	CatUnable:       {"Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"},
	CatUnauthorised: {"G", "N", "O", "U"},
	CatAdmin:        {"Z", "#"},
}

func TestCheckCodeAcceptsEveryCurrentCode(t *testing.T) {
	n := 0
	for cat, codes := range currentCodes {
		for _, code := range codes {
			n++
			for _, typed := range []string{code, strings.ToLower(code), " " + code + "\t"} {
				t.Run(cat+"/"+typed, func(t *testing.T) {
					ci, err := CheckCode(typed)
					if err != nil {
						t.Fatalf("CheckCode(%q): %v", typed, err)
					}
					if ci.Code != code || ci.Category != cat || ci.Meaning == "" {
						t.Errorf("CheckCode(%q) = %+v, want code %s in %q with a meaning", typed, ci, code, cat)
					}
				})
			}
		}
	}
	if got := len(Codes()); got != n {
		t.Errorf("Codes() has %d codes, PRODUCT.md lists %d", got, n)
	}
}

func TestCodeFlags(t *testing.T) {
	present := "/ \\ L K V P W B"
	notPossible := "D X Z # Q Y1 Y2 Y3 Y4 Y5 Y6 Y7"
	alert := "N E"
	flagged := "N E O G U"
	in := func(list, code string) bool {
		for _, f := range strings.Fields(list) {
			if f == code {
				return true
			}
		}
		return false
	}
	for _, ci := range Codes() {
		t.Run(ci.Code, func(t *testing.T) {
			if ci.Present != in(present, ci.Code) {
				t.Errorf("Present = %v", ci.Present)
			}
			if ci.Possible == in(notPossible, ci.Code) {
				t.Errorf("Possible = %v", ci.Possible)
			}
			if ci.Alert != in(alert, ci.Code) {
				t.Errorf("Alert = %v", ci.Alert)
			}
			if (ci.Flag != "") != in(flagged, ci.Code) {
				t.Errorf("Flag = %q", ci.Flag)
			}
			if ci.Present && !ci.Possible {
				t.Error("a present session must be a possible one")
			}
		})
	}
	if HomeRegisterCode != "D" {
		t.Errorf("HomeRegisterCode = %q", HomeRegisterCode)
	}
	c := Codes()
	c[0].Code = "changed"
	if Codes()[0].Code != "/" {
		t.Error("Codes() shares its backing array")
	}
}

func TestDayAlert(t *testing.T) {
	for _, tc := range []struct {
		am, pm string
		want   bool
	}{
		{"N", "N", true},
		{"E", "E", true},
		{"/", "N", true}, // gone after lunch
		{"/", "E", true},
		{"N", `\`, false}, // an absent morning, present in the afternoon
		{"N", "L", false},
		{"E", `\`, false},
		{"N", "I", true}, // the afternoon says nothing of the morning's whereabouts
		{"O", "O", false},
		{"G", "G", false},
		{"U", "U", false},
		{"/", "U", false},
		{"/", `\`, false},
		{"H", "N", true}, // a retired code in old records raises nothing itself
	} {
		if got := (AttendanceDay{AM: tc.am, PM: tc.pm}).Alert(); got != tc.want {
			t.Errorf("AM %s PM %s: Alert() = %v, want %v", tc.am, tc.pm, got, tc.want)
		}
	}
}

func TestCheckCodeRefusesRetiredCodes(t *testing.T) {
	for _, tc := range []struct {
		typed string
		want  []string // all must appear in the message
	}{
		{"H", []string{"H (", "removed", "C ", "G "}},
		{"h", []string{"H (", "removed", "C ", "G "}},
		{"F", []string{"F (", "removed", "C ", "G "}},
		{"J", []string{"J (", "J1"}},
		{" j ", []string{"J (", "J1"}},
		{"Y", []string{"Y ", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"}},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			_, err := CheckCode(tc.typed)
			if ErrorCode(err) != EInvalid {
				t.Fatalf("CheckCode(%q) error = %v, want %s", tc.typed, err, EInvalid)
			}
			msg := ErrorMessage(err)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestCheckCodeRefusesUnknownCodes(t *testing.T) {
	for _, typed := range []string{"XX", "Y8", "C3", "present", "", "  "} {
		t.Run(typed, func(t *testing.T) {
			_, err := CheckCode(typed)
			if ErrorCode(err) != EInvalid {
				t.Fatalf("CheckCode(%q) error = %v, want %s", typed, err, EInvalid)
			}
			msg := ErrorMessage(err)
			for _, w := range []string{"/ present", "N reason not yet known", "I illness"} {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not list the common code %q", msg, w)
				}
			}
		})
	}
}

func TestAttendanceSummary(t *testing.T) {
	day := func(d Date, am, pm string) AttendanceDay { return AttendanceDay{Date: d, AM: am, PM: pm} }
	week := []AttendanceDay{
		day("2026-11-30", "/", `\`), // 2 present
		day("2026-12-01", "L", "I"), // 1 present, 1 absent
		day("2026-12-02", "N", "N"), // 2 absent
		day("2026-12-03", "B", "K"), // approved off-site education counts as present
		day("2026-12-04", "Y2", "#"),
	}
	for _, tc := range []struct {
		name                  string
		days                  []AttendanceDay
		from, to              Date
		wantPresent, wantPoss int
		wantPercent           string
	}{
		{"nothing recorded", nil, "2026-11-30", "2026-12-04", 0, 0, "—"},
		{"the week", week, "2026-11-30", "2026-12-04", 5, 8, "62%"},
		{"one day, both ends inclusive", week, "2026-12-01", "2026-12-01", 1, 2, "50%"},
		{"range before any record", week, "2026-11-01", "2026-11-29", 0, 0, "—"},
		{"only excluded sessions", week, "2026-12-04", "2026-12-04", 0, 0, "—"},
		{"all present", week, "2026-11-30", "2026-11-30", 2, 2, "100%"},
		{"D, X, Z, Q are not possible", []AttendanceDay{day("2026-12-01", "D", "X"), day("2026-12-02", "Z", "Q")}, "2026-12-01", "2026-12-02", 0, 0, "—"},
		{"unauthorised and authorised absence are possible", []AttendanceDay{day("2026-12-01", "G", "O"), day("2026-12-02", "U", "C")}, "2026-12-01", "2026-12-02", 0, 4, "0%"},
		{"lower case and spaces are read", []AttendanceDay{day("2026-12-01", " l", "c1 ")}, "2026-12-01", "2026-12-01", 1, 2, "50%"},
		{"empty and unknown sessions are skipped", []AttendanceDay{day("2026-12-01", "", "H")}, "2026-12-01", "2026-12-01", 0, 0, "—"},
		{"a corrected day counts once, the later entry", []AttendanceDay{day("2026-12-01", "N", "N"), day("2026-12-01", "/", `\`)}, "2026-12-01", "2026-12-01", 2, 2, "100%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, q := AttendanceSummary(tc.days, tc.from, tc.to)
			if p != tc.wantPresent || q != tc.wantPoss {
				t.Errorf("AttendanceSummary = %d/%d, want %d/%d", p, q, tc.wantPresent, tc.wantPoss)
			}
			if got := Percent(p, q); got != tc.wantPercent {
				t.Errorf("Percent(%d, %d) = %q, want %q", p, q, got, tc.wantPercent)
			}
		})
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		name              string
		present, possible int
		want              string
	}{
		{"none possible", 0, 0, "—"},
		{"negative possible", 1, -1, "—"},
		{"all", 10, 10, "100%"},
		{"none", 0, 10, "0%"},
		{"87.5 shows 87", 7, 8, "87%"},
		{"one absence in 400 is not 100", 399, 400, "99%"},
		{"89.9 is under the 90 line", 899, 1000, "89%"},
		{"a third", 1, 3, "33%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percent(tc.present, tc.possible); got != tc.want {
				t.Errorf("Percent(%d, %d) = %q, want %q", tc.present, tc.possible, got, tc.want)
			}
		})
	}
}

// TestReceivingSchoolCodesAsNormal: D and the attending-elsewhere codes are
// the home school's; the receiving school's other codes are taken, and E
// (suspended) alerts the home school at once, and an afternoon absence
// whose whereabouts are not known.
func TestReceivingSchoolCodesAsNormal(t *testing.T) {
	for _, tc := range []struct {
		role    Role
		code    string
		refused string // in the refusal; "" if taken
		alert   bool
	}{
		{RoleReceiving, "D", "home school's code", false},
		{RoleHome, "D", "", false},
		{RoleReceiving, "v", "attending-elsewhere code", false},
		{RoleReceiving, "K", "attending-elsewhere code", false},
		{RoleHome, "K", "", false},
		{RoleReceiving, "/", "", false},
		{RoleReceiving, "I", "", false},
		{RoleReceiving, "O", "", false},
		{RoleReceiving, "E", "", true},
		{RoleReceiving, "N", "", true},
	} {
		t.Run(string(tc.role)+" "+tc.code, func(t *testing.T) {
			c := testCase()
			c.Start = "2026-11-30"
			_, ch, err := c.RecordAttendance(as(tc.role, tNow), AttendanceDay{Date: "2026-12-01", AM: "/", PM: tc.code})
			if tc.refused != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tc.refused) || len(c.Attendance) != 0 {
					t.Fatalf("recorded, or refused without the reason: %v", err)
				}
				return
			}
			must(t, err)
			alerted := slices.ContainsFunc(ch.Notices, func(n Notice) bool { return n.Kind == NoticeAbsence })
			if alerted != (tc.alert && tc.role != RoleHome) {
				t.Errorf("home school alerted: %v", alerted)
			}
		})
	}
}
