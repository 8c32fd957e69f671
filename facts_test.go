package offsitebot

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEdit(t *testing.T) {
	cal := NewCalendar(nil, nil)
	for _, tc := range []struct {
		name    string
		to      map[string]string
		check   func(t *testing.T, c *Case)
		audit   []string // details, in Facts order
		wantErr string
	}{
		{"a later start moves the notice deadline", map[string]string{FactStart: "2026-12-14"}, func(t *testing.T, c *Case) {
			if got := NoticeDeadline(c.Start, cal); got != "2026-12-10" {
				t.Errorf("notice due %s, want 2026-12-10", got)
			}
		}, []string{"start: 2026-11-30 → 2026-12-14"}, ""},
		{"an EHC plan added lets the LA request a review", map[string]string{FactEHCP: "yes"}, func(t *testing.T, c *Case) {
			if err := Can(Identity{Role: RoleLA}, ActRequest, c); err != nil {
				t.Errorf("LA request refused after the plan was added: %v", err)
			}
		}, []string{"ehcp: no → yes"}, ""},
		{"several facts, each audited", map[string]string{FactPupil: "Sam Tailor", FactReceiving: "100003", FactSessions: "08:40–15:10"}, func(t *testing.T, c *Case) {
			if c.Pupil != "Sam Tailor" || c.ReceivingURN != "100003" || c.Sessions != "08:40–15:10" {
				t.Errorf("facts now %+v", c)
			}
		}, []string{"pupil: Sam Taylor → Sam Tailor", "receiving: 100002 → 100003", "sessions: (none) → 08:40–15:10"}, ""},
		{"the end cleared", map[string]string{FactEnd: ""}, nil, nil, "can't be removed"},
		{"start and end moved together", map[string]string{FactStart: "2027-02-01", FactEnd: "2027-03-26"}, nil,
			[]string{"start: 2026-11-30 → 2027-02-01", "end: 2027-01-29 → 2027-03-26"}, ""},
		{"a fact given as it is is left out", map[string]string{FactEHCP: "no", FactDOB: "2012-03-05"}, nil, []string{"dob: 2012-03-04 → 2012-03-05"}, ""},
		{"nothing changed", map[string]string{FactPupil: "Sam Taylor"}, nil, nil, "already says that"},
		{"a start after the end", map[string]string{FactStart: "2027-02-01"}, nil, nil, "end date must be after the first day"},
		{"the same school twice", map[string]string{FactReceiving: "100001"}, nil, nil, "another school"},
		{"not a URN", map[string]string{FactHome: "Oakfield"}, nil, nil, "6 digits"},
		{"not a date", map[string]string{FactDOB: "4/3/2012"}, nil, nil, "isn't a date"},
		{"no name", map[string]string{FactPupil: " "}, nil, nil, "pupil's name"},
		{"an unknown fact", map[string]string{"colour": "red"}, nil, nil, "colour isn't a fact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			before := c.Clone()
			ch, err := c.Edit(as(RoleHome, tNow), tc.to)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tc.wantErr) {
					t.Fatalf("Edit = %v, want %q", err, tc.wantErr)
				}
				if c.Pupil != before.Pupil || c.Start != before.Start || c.End != before.End || c.ReceivingURN != before.ReceivingURN {
					t.Errorf("a refused edit changed the case: %+v", c)
				}
				return
			}
			must(t, err)
			var details []string
			for _, e := range ch.Audit {
				if e.Action != "fact corrected" || e.By != homeID || e.Case != c.Ref {
					t.Errorf("audit %+v", e)
				}
				details = append(details, e.Detail)
			}
			if !slices.Equal(details, tc.audit) {
				t.Errorf("audit details %q, want %q", details, tc.audit)
			}
			if len(ch.Notices) != 0 {
				t.Errorf("notices %v", kinds(ch))
			}
			for k, v := range tc.to {
				if got := c.Fact(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestVoid(t *testing.T) {
	opened := ldn(2026, 11, 26, 9, 0)
	for _, tc := range []struct {
		name    string
		change  func(*Case)
		at      time.Time
		reason  string
		wantErr string
	}{
		{"within 7 days, nobody told", nil, tNow, "opened twice by mistake", ""},
		{"on the 7th day", nil, ldn(2026, 12, 3, 16, 0), "a duplicate", ""},
		{"on the 8th day", nil, ldn(2026, 12, 4, 8, 0), "a duplicate", "more than 7 days ago"},
		{"a parent linked", func(c *Case) {}, tNow, "a duplicate", "family has already heard"},
		{"the notice given", func(c *Case) { c.People = nil; c.NoticeGiven = tNow }, tNow, "a duplicate", "family has already heard"},
		{"a call with the parent", func(c *Case) {
			c.People = nil
			c.Contacts = []Contact{{With: "parent", How: "phone", At: tNow}}
		}, tNow, "a duplicate", "family has already heard"},
		{"no reason", nil, tNow, " ", "say why"},
		{"ended", func(c *Case) { c.People, c.Status = nil, Ended }, tNow, "a duplicate", "has ended"},
		{"already withdrawn", func(c *Case) { c.People, c.Status, c.EndedOn = nil, Void, "2026-12-01" }, tNow, "a duplicate", "already withdrawn on Tue 1 Dec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			c.Opened = opened
			c.People = nil
			if tc.change != nil {
				c.People = testCase().People
				tc.change(c)
			}
			ch, err := c.Void(as(RoleHome, tc.at), tc.reason)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tc.wantErr) {
					t.Fatalf("Void = %v, want %q", err, tc.wantErr)
				}
				return
			}
			must(t, err)
			if c.Status != Void || c.VoidReason != tc.reason || c.EndedOn != DateOf(tc.at) {
				t.Errorf("after Void: status %s, reason %q, on %s", c.Status, c.VoidReason, c.EndedOn)
			}
			if got := actions(ch); !slices.Equal(got, []string{"case withdrawn"}) || ch.Audit[0].Detail != tc.reason {
				t.Errorf("audit %+v", ch.Audit)
			}
			if Due(c, tc.at, NewCalendar(nil, nil), Settings{}) != nil {
				t.Errorf("a withdrawn case still has duties")
			}
			if err := c.CheckActive(); err == nil || !strings.Contains(ErrorMessage(err), "was withdrawn on") {
				t.Errorf("CheckActive on a withdrawn case = %v", err)
			}
			if _, err := c.AddContact(as(RoleHome, tc.at), Contact{With: "receiving", How: "phone"}); err == nil {
				t.Errorf("a contact was recorded on a withdrawn case")
			}
			if _, err := c.Edit(as(RoleHome, tc.at), map[string]string{FactPupil: "Jo"}); err == nil {
				t.Errorf("a withdrawn case was edited")
			}
		})
	}
}

func TestCheckStart(t *testing.T) {
	cal := NewCalendar(nil, nil)
	today := Date("2026-12-02") // a Wednesday
	for _, tc := range []struct {
		name    string
		start   Date
		want    StartCheck
		unusual bool
	}{
		{"a school day to come", "2026-12-07", StartCheck{}, false},
		{"today", "2026-12-02", StartCheck{}, false},
		{"a past school day: nearest is today", "2026-11-23", StartCheck{Passed: true, Nearest: "2026-12-02"}, true},
		{"a Saturday: Friday is nearer", "2026-12-12", StartCheck{Closed: "Saturday", Nearest: "2026-12-11"}, true},
		{"a Sunday: Monday is nearer", "2026-12-13", StartCheck{Closed: "Sunday", Nearest: "2026-12-14"}, true},
		{"Christmas Day: the day before", "2026-12-25", StartCheck{Closed: "Christmas Day", Nearest: "2026-12-24"}, true},
		{"a past Saturday: nearest not passed", "2026-11-28", StartCheck{Passed: true, Closed: "Saturday", Nearest: "2026-12-02"}, true},
		{"Boxing Day substitute, weekend and Christmas around it", "2026-12-28", StartCheck{Closed: "Boxing Day (substitute day)", Nearest: "2026-12-29"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckStart(tc.start, today, cal)
			if got != tc.want || got.Unusual() != tc.unusual {
				t.Errorf("CheckStart(%s) = %+v (unusual %t), want %+v (%t)", tc.start, got, got.Unusual(), tc.want, tc.unusual)
			}
		})
	}
}

func TestUnusualAge(t *testing.T) {
	for _, tc := range []struct {
		dob, start Date
		age        int
		unusual    bool
	}{
		{"2012-03-04", "2026-12-07", 14, false},
		{"2022-12-08", "2026-12-07", 3, true},  // 4 the day after the first day
		{"2022-12-07", "2026-12-07", 4, false}, // 4 on the first day
		{"2007-12-08", "2026-12-07", 18, false},
		{"2006-12-08", "2026-12-07", 19, false},
		{"2006-12-07", "2026-12-07", 20, true},
	} {
		age, unusual := UnusualAge(tc.dob, tc.start)
		if age != tc.age || unusual != tc.unusual {
			t.Errorf("UnusualAge(%s, %s) = %d, %t; want %d, %t", tc.dob, tc.start, age, unusual, tc.age, tc.unusual)
		}
	}
}

func TestReviewGap(t *testing.T) {
	for _, tc := range []struct {
		held, next Date
		days       int
		far        bool
	}{
		{"2026-12-07", "2026-12-21", 14, false},
		{"2026-12-07", "2026-12-22", 15, true},
		{"2026-12-07", "2026-12-28", 21, true},
		{"2026-03-20", "2026-04-03", 14, false}, // across the clock change
	} {
		if days, far := ReviewGap(tc.held, tc.next); days != tc.days || far != tc.far {
			t.Errorf("ReviewGap(%s, %s) = %d, %t; want %d, %t", tc.held, tc.next, days, far, tc.days, tc.far)
		}
	}
}

func TestCorrectOutcome(t *testing.T) {
	told := ReviewOutcome{Met: "yes", Decision: DecisionContinue, Until: "2027-01-29", Next: "2026-12-14", Attended: "Alex", NoticeSent: ldn(2026, 11, 30, 11, 0)}
	untold := told
	untold.NoticeSent = time.Time{}
	ended := ReviewOutcome{Met: "yes", Decision: DecisionReintegrate, Attended: "Alex"}
	with := func(o ReviewOutcome, edit func(*ReviewOutcome)) ReviewOutcome { edit(&o); return o }
	for _, tc := range []struct {
		name    string
		was     ReviewOutcome
		out     ReviewOutcome
		audit   []string
		notices []string
		end     Date
		wantErr string
	}{
		{"the next meeting moved: the family is told", told, with(told, func(o *ReviewOutcome) { o.Next = "2026-12-11" }),
			[]string{"M1 next: 2026-12-14 → 2026-12-11"}, []string{"outcome corrected to family and la M1"}, "2027-01-29", ""},
		{"who attended: nothing to tell", told, with(told, func(o *ReviewOutcome) { o.Attended = "Alex, Kim" }),
			[]string{"M1 attended: Alex → Alex, Kim"}, nil, "2027-01-29", ""},
		{"a later end: the end date follows", told, with(told, func(o *ReviewOutcome) { o.Until = "2027-02-26" }),
			[]string{"M1 until: 2027-01-29 → 2027-02-26", "end date changed"}, []string{"outcome corrected to family and la M1"}, "2027-02-26", ""},
		{"not told yet: the decision is still owed", untold, with(untold, func(o *ReviewOutcome) { o.Next = "2026-12-11" }),
			[]string{"M1 next: 2026-12-14 → 2026-12-11"}, []string{"decision to family and la M1"}, "2027-01-29", ""},
		{"ending instead: no dates kept", told, with(told, func(o *ReviewOutcome) { o.Decision = DecisionReintegrate }),
			[]string{"M1 decision: continue → reintegrate", "M1 until: 2027-01-29 → (none)", "M1 next: 2026-12-14 → (none)"}, []string{"outcome corrected to family and la M1"}, "2027-01-29", ""},
		{"continuing after all: the decision is owed", ended, with(ended, func(o *ReviewOutcome) { o.Decision, o.Next = DecisionContinue, "2026-12-11" }),
			[]string{"M1 decision: reintegrate → continue", "M1 next: (none) → 2026-12-11"}, []string{"decision to family and la M1"}, "2027-01-29", ""},
		{"the same answers", told, told, nil, nil, "", "already says that"},
		{"a next meeting before this one", told, with(told, func(o *ReviewOutcome) { o.Next = "2026-11-27" }), nil, nil, "", "must come after this one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(heldOn("M1", "2026-11-30", InPerson, tc.was))
			m, ch, err := c.CorrectOutcome(as(RoleHome, tNow), "M1", tc.out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tc.wantErr) {
					t.Fatalf("CorrectOutcome = %v, want %q", err, tc.wantErr)
				}
				if *c.Meetings[0].Outcome != tc.was {
					t.Errorf("a refused correction changed the outcome to %+v", c.Meetings[0].Outcome)
				}
				return
			}
			must(t, err)
			var audit []string
			for _, e := range ch.Audit {
				if e.Action == "outcome corrected" {
					audit = append(audit, e.Detail)
				} else {
					audit = append(audit, e.Action)
				}
			}
			if !slices.Equal(audit, tc.audit) {
				t.Errorf("audit %q, want %q", audit, tc.audit)
			}
			if got := kinds(ch); !slices.Equal(got, tc.notices) {
				t.Errorf("notices %q, want %q", got, tc.notices)
			}
			if c.End != tc.end {
				t.Errorf("end %s, want %s", c.End, tc.end)
			}
			if m.Outcome.NoticeSent != tc.was.NoticeSent || m.Outcome.Recorded != tc.was.Recorded {
				t.Errorf("when it was recorded and told changed: %+v", m.Outcome)
			}
			for _, n := range ch.Notices {
				if n.Kind == NoticeCorrected && n.Before != tc.was {
					t.Errorf("the correction's notice has before %+v", n.Before)
				}
			}
		})
	}
	c := testCase(plannedOn("M1", "2026-11-30", 10, 0, InPerson))
	if _, _, err := c.CorrectOutcome(as(RoleHome, tNow), "M1", told); err == nil || !strings.Contains(ErrorMessage(err), "isn't recorded yet") {
		t.Errorf("correcting an outcome not recorded = %v", err)
	}
}

func TestMistypedRef(t *testing.T) {
	for _, tc := range []struct {
		s        string
		mistyped bool
		msg      string
	}{
		{"OSD-7K2", true, "I can't find a case OSD-7K2. Case references look like OSD-7K2Q"},
		{"osd-7kuq", true, "I can't find a case osd-7kuq."},
		{"OSD-7K2Q", false, ""},
		{"osd7k2q", false, ""},
		{"parent", false, `I can't find a case "parent".`},
		{"OSD", false, `I can't find a case "OSD".`},
	} {
		if got := MistypedRef(tc.s); got != tc.mistyped {
			t.Errorf("MistypedRef(%q) = %t", tc.s, got)
		}
		if tc.msg != "" {
			if err := BadRef(tc.s); !strings.HasPrefix(err.Message, tc.msg) || err.Code != ENotFound || err.Next != NextListCases {
				t.Errorf("BadRef(%q) = %+v", tc.s, err)
			}
		}
	}
}
