package offsitebot

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLastSchoolContact(t *testing.T) {
	mon, tue, wed := ldn(2026, 11, 30, 16, 0), ldn(2026, 12, 1, 9, 0), ldn(2026, 12, 2, 9, 0)
	type contact struct {
		with string
		at   time.Time
	}
	for _, tc := range []struct {
		name     string
		contacts []contact // in the order recorded
		want     time.Time
	}{
		{"in order", []contact{{"receiving", mon}, {"receiving", tue}}, tue},
		{"an earlier one recorded later", []contact{{"receiving", tue}, {"home", mon}}, tue},
		{"the home school counts too", []contact{{"receiving", mon}, {"home", wed}}, wed},
		{"the family does not count", []contact{{"receiving", mon}, {"parent", wed}, {"la", wed}}, mon},
		{"none between the schools", []contact{{"parent", wed}}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			for _, ct := range tc.contacts {
				_, err := c.AddContact(as(RoleHome, tNow), Contact{With: ct.with, How: "phone", At: ct.at, Summary: "s"})
				must(t, err)
			}
			if !c.LastSchoolContact.Equal(tc.want) {
				t.Errorf("last school contact %v, want %v", c.LastSchoolContact, tc.want)
			}
			for i, ct := range c.Contacts {
				if ct.ID != "C"+string(rune('1'+i)) || ct.By != homeID || ct.Via != Slack {
					t.Errorf("contact %+v", ct)
				}
			}
		})
	}
	c := testCase()
	if _, err := c.AddContact(as(RoleHome, tNow), Contact{With: "receiving", How: "phone", At: tNow.Add(time.Minute)}); ErrorCode(err) != EInvalid || len(c.Contacts) != 0 {
		t.Errorf("a contact in the future: %v", err)
	}
	ch, err := c.AddContact(as(RoleHome, tNow), Contact{With: "receiving", How: "visit"})
	must(t, err)
	if !c.Contacts[0].At.Equal(tNow) || ch.Audit[0].Detail != "visit with receiving" {
		t.Errorf("a contact now: %+v %+v", c.Contacts, ch.Audit)
	}
}

func TestRecordAttendance(t *testing.T) {
	for _, tc := range []struct {
		name         string
		role         Role
		days         [][3]string // date, AM, PM, in the order recorded
		want         []string    // the attendance kept
		wantAudit    []string
		wantAlerts   int
		wantResolved int
	}{
		{"one entry a day", RoleReceiving, [][3]string{{"2026-11-30", "/", "/"}, {"2026-12-01", "/", "l"}},
			[]string{"2026-11-30 / /", "2026-12-01 / L"}, []string{"attendance recorded", "attendance recorded"}, 0, 0},
		{"a correction replaces the day and resolves its alert", RoleReceiving, [][3]string{{"2026-11-30", "N", "N"}, {"2026-12-01", "/", "/"}, {"2026-11-30", "I", "I"}},
			[]string{"2026-11-30 I I", "2026-12-01 / /"}, []string{"attendance recorded", "attendance recorded", "attendance corrected"}, 1, 1},
		{"a correction that still alerts alerts again", RoleReceiving, [][3]string{{"2026-11-30", "N", "N"}, {"2026-11-30", "E", "E"}},
			[]string{"2026-11-30 E E"}, []string{"attendance recorded", "attendance corrected"}, 2, 0},
		{"a correction of a day that raised none resolves nothing", RoleReceiving, [][3]string{{"2026-11-30", "O", "O"}, {"2026-11-30", "/", "/"}},
			[]string{"2026-11-30 / /"}, []string{"attendance recorded", "attendance corrected"}, 0, 0},
		{"an absence the home school records itself raises no alert", RoleHome, [][3]string{{"2026-11-30", "N", "O"}},
			[]string{"2026-11-30 N O"}, []string{"attendance recorded"}, 0, 0},
		{"one alert for a day, whichever session", RoleReceiving, [][3]string{{"2026-11-30", "/", "N"}},
			[]string{"2026-11-30 / N"}, []string{"attendance recorded"}, 1, 0},
		{"suspended", RoleReceiving, [][3]string{{"2026-11-30", "E", "E"}},
			[]string{"2026-11-30 E E"}, []string{"attendance recorded"}, 1, 0},
		{"late after the register closed is no alert", RoleReceiving, [][3]string{{"2026-11-30", "U", "/"}},
			[]string{"2026-11-30 U /"}, []string{"attendance recorded"}, 0, 0},
		{"unauthorised absence is no alert", RoleReceiving, [][3]string{{"2026-11-30", "O", "G"}},
			[]string{"2026-11-30 O G"}, []string{"attendance recorded"}, 0, 0},
		{"an absent morning with a present afternoon is no alert", RoleReceiving, [][3]string{{"2026-11-30", "N", `\`}},
			[]string{"2026-11-30 N \\"}, []string{"attendance recorded"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			alerts, resolved := 0, 0
			for _, d := range tc.days {
				_, ch, err := c.RecordAttendance(as(tc.role, tNow), AttendanceDay{Date: Date(d[0]), AM: d[1], PM: d[2]})
				must(t, err)
				for _, n := range ch.Notices {
					if n.To != ToHome || n.Role != tc.role || n.Day.Date != Date(d[0]) {
						t.Errorf("notice %+v", n)
					}
					switch n.Kind {
					case NoticeAbsence:
						alerts++
					case NoticeResolved:
						resolved++
						if !n.DayWas.Alerted || n.DayWas.Date != n.Day.Date {
							t.Errorf("resolved notice without the day that alerted: %+v", n)
						}
					}
				}
				if got := actions(ch); len(got) != 1 || got[0] != tc.wantAudit[0] {
					t.Errorf("audit %v, want %s", got, tc.wantAudit[0])
				}
				tc.wantAudit = tc.wantAudit[1:]
			}
			if resolved != tc.wantResolved {
				t.Errorf("%d resolved, want %d", resolved, tc.wantResolved)
			}
			var got []string
			for _, d := range c.Attendance {
				got = append(got, string(d.Date)+" "+d.AM+" "+d.PM)
				if d.By != as(tc.role, tNow).ID || !d.At.Equal(tNow) {
					t.Errorf("day %+v", d)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("attendance %v, want %v", got, tc.want)
			}
			if alerts != tc.wantAlerts {
				t.Errorf("%d alerts, want %d", alerts, tc.wantAlerts)
			}
		})
	}
	c := testCase()
	_, _, err := c.RecordAttendance(as(RoleReceiving, tNow), AttendanceDay{Date: "2026-11-30", AM: "N", PM: "N"})
	must(t, err)
	was, ch, err := c.RecordAttendance(as(RoleReceiving, tNow), AttendanceDay{Date: "2026-11-30", AM: "/", PM: "/"})
	must(t, err)
	if was == nil || was.AM != "N" || ch.Audit[0].Detail != "2026-11-30 AM / PM / (was AM N, PM N)" {
		t.Errorf("correction: was %+v, audit %+v", was, ch.Audit)
	}
	for _, code := range []string{"H", "xyz", ""} {
		if _, _, err := c.RecordAttendance(as(RoleReceiving, tNow), AttendanceDay{Date: "2026-12-01", AM: "/", PM: code}); ErrorCode(err) != EInvalid {
			t.Errorf("code %q: %v", code, err)
		}
	}
	if len(c.Attendance) != 1 {
		t.Errorf("refused codes were kept: %+v", c.Attendance)
	}
}

func TestAddRequest(t *testing.T) {
	booked := plannedOn("M1", "2026-12-09", 10, 0, InPerson)
	for _, tc := range []struct {
		name         string
		by           Role
		from         string
		meetings     []Meeting
		wantAnswered string
		wantNotice   bool
	}{
		{"a parent's request goes to the home school", RoleParent, FromParent, nil, "", true},
		{"one recorded by the home school stays there", RoleHome, FromParent, nil, "", false},
		{"a meeting already booked answers it", RoleParent, FromParent, []Meeting{booked}, "M1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(tc.meetings...)
			rc, ch, err := c.AddRequest(as(tc.by, tNow), tc.from, "Can we meet?")
			must(t, err)
			r := c.Requests[0]
			if r.ID != "R1" || r.Text != "Can we meet?" || r.Answered != tc.wantAnswered || r.DutyApplies != rc.DutyApplies || !r.At.Equal(tNow) {
				t.Errorf("request %+v", r)
			}
			if got := len(ch.Notices) == 1 && ch.Notices[0].Kind == NoticeRequest && ch.Notices[0].Request.ID == "R1"; got != tc.wantNotice {
				t.Errorf("notices %+v", ch.Notices)
			}
		})
	}
	// The LA's letter with no EHC plan recorded: kept as a letter, with the refusal.
	c := testCase()
	rc, ch, err := c.AddRequest(as(RoleLA, tNow), FromLA, "Please  meet")
	if err != nil || len(c.Requests) != 0 || !strings.Contains(rc.Refused, "EHC plan") || len(ch.Notices) != 0 ||
		len(c.Contacts) != 1 || c.Contacts[0].With != "la" || !strings.HasSuffix(c.Contacts[0].Summary, "Please  meet") {
		t.Errorf("an LA request without an EHC plan: %v %+v %+v", err, rc, c.Contacts)
	}
	c.EHCP = true
	if rc, _, err := c.AddRequest(as(RoleLA, tNow), FromLA, "Please"); err != nil || rc.Refused != "" || len(c.Requests) != 1 || !rc.DutyApplies {
		t.Errorf("an LA request with an EHC plan: %v %+v", err, rc)
	}
}

func TestAddFeedbackAndNotice(t *testing.T) {
	c := testCase()
	_, err := c.AddFeedback(as(RoleParent, tNow), Feedback{Pupil: "happier", Family: "fine", Rating: 4})
	must(t, err)
	if f := c.Feedback[0]; f.ID != "F1" || f.By != parentID || !f.At.Equal(tNow) || !c.People[0].LastFeedback.Equal(tNow) {
		t.Errorf("feedback %+v, person %+v", f, c.People[0])
	}
	if _, err := c.AddFeedback(as(RoleParent, tNow), Feedback{Rating: 6}); ErrorCode(err) != EInvalid || len(c.Feedback) != 1 {
		t.Errorf("a rating of 6: %v", err)
	}

	ch, err := c.RecordNotice(as(RoleHome, tNow), "", "email")
	must(t, err)
	if !c.NoticeGiven.Equal(tNow) || c.Contacts[0].Summary != "Written notice of the direction given" || c.Contacts[0].How != "email" || ch.Audit[0].Detail != "2026-12-02 email" {
		t.Errorf("notice: %v %+v %+v", c.NoticeGiven, c.Contacts, ch.Audit)
	}
	if _, err := c.RecordNotice(as(RoleHome, tNow.Add(time.Hour)), "", "letter"); ErrorCode(err) != EConflict || !c.NoticeGiven.Equal(tNow) {
		t.Errorf("notice given twice: %v", err)
	}
}

func TestLetterSent(t *testing.T) {
	decided := heldOn("M1", "2026-11-25", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-09"})
	next := plannedOn("M2", "2026-12-09", 10, 0, InPerson)
	next.Invitations = []Invitation{{To: parentID, Sent: tNow.Add(-time.Hour), Answer: AnswerYes}}
	for _, tc := range []struct {
		name, kind, id string
		to             []string
		wantErr        string
		wantAudit      string
		wantContact    string
		check          func(*Case) bool
	}{
		{name: "the notice", kind: LetterNotice, to: []string{parentID},
			wantAudit: "letter sent: notice to telegram:100", wantContact: "Letter sent: written notice of the direction",
			check: func(c *Case) bool { return c.NoticeGiven.IsZero() }}, // staff say whether it counts as given
		{name: "an invitation invites those not invited yet", kind: LetterInvite, id: "M2", to: []string{parentID, pupilID},
			wantAudit: "letter sent: invite M2 to telegram:100, telegram:300", wantContact: "Letter sent: invitation to review meeting M2",
			check: func(c *Case) bool {
				m, _ := c.Meeting("M2")
				return len(m.Invitations) == 2 && m.Invitations[0].Answer == AnswerYes && m.Invitations[1].To == pupilID && m.Invitations[1].Sent.Equal(tNow)
			}},
		{name: "a decision to continue is told", kind: LetterDecision, id: "M1", to: []string{parentID},
			wantAudit: "letter sent: decision M1 to telegram:100", wantContact: "Letter sent: decision of review meeting M1",
			check: func(c *Case) bool { m, _ := c.Meeting("M1"); return m.Outcome.NoticeSent.Equal(tNow) }},
		{name: "an unknown meeting", kind: LetterInvite, id: "M7", to: []string{parentID}, wantErr: EInvalid},
		{name: "an unknown letter", kind: "memo", to: []string{parentID}, wantErr: EInvalid},
		{name: "to nobody", kind: LetterNotice, wantErr: EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(decided, next)
			ch, err := c.LetterSent(as(RoleHome, tNow), tc.kind, tc.id, tc.to)
			if tc.wantErr != "" {
				if ErrorCode(err) != tc.wantErr || len(c.Contacts) != 0 || len(ch.Audit) != 0 {
					t.Fatalf("LetterSent = %v, %d contacts, %+v; want a %s error and nothing recorded", err, len(c.Contacts), ch.Audit, tc.wantErr)
				}
				return
			}
			must(t, err)
			if len(ch.Audit) != 1 || ch.Audit[0].Action+": "+ch.Audit[0].Detail != tc.wantAudit || ch.Audit[0].By != homeID {
				t.Errorf("audit %+v, want %q", ch.Audit, tc.wantAudit)
			}
			if len(c.Contacts) != 1 || c.Contacts[0].Summary != tc.wantContact || c.Contacts[0].By != homeID || c.Contacts[0].With != "parent" {
				t.Errorf("contacts %+v, want %q", c.Contacts, tc.wantContact)
			}
			if !tc.check(c) {
				t.Errorf("case after: %+v", c)
			}
		})
	}
}

// TestPeopleTheRegulationsName: from the 18th birthday the pupil, not the
// parent, is the relevant person: a parent's request is recorded and passed
// on but the duty is the school's call; the day before, it is the parent's
// request as usual. With an EHC plan the notice item says the LA must get it.
func TestPeopleTheRegulationsName(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dob       Date
		wantAdult bool
		wantDuty  bool
	}{
		{"17, the day before the 18th birthday", "2008-12-03", false, true},
		{"18 on the day", "2008-12-02", true, false},
		{"no date of birth", "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			c.DOB = tc.dob
			rc, ch, err := c.AddRequest(as(RoleParent, tNow), FromParent, "Please meet")
			must(t, err)
			if rc.Adult != tc.wantAdult || rc.DutyApplies != tc.wantDuty || len(c.Requests) != 1 || len(ch.Notices) != 1 {
				t.Errorf("adult %v duty %v, %d requests, %d notices; want adult %v duty %v, recorded and passed on",
					rc.Adult, rc.DutyApplies, len(c.Requests), len(ch.Notices), tc.wantAdult, tc.wantDuty)
			}
			if tc.wantAdult && !strings.Contains(rc.Explanation, "may also request one themselves") {
				t.Errorf("explanation %q", rc.Explanation)
			}
		})
	}
	for _, ehcp := range []bool{false, true} {
		c := testCase()
		c.EHCP, c.Start = ehcp, "2026-12-14"
		items := Due(c, tNow, testCalendar(), Settings{})
		if len(items) == 0 || items[0].Kind != DueNotice || items[0].EHCP != ehcp {
			t.Errorf("EHC plan %v: notice item %+v", ehcp, items)
		}
	}
}
