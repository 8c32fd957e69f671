package offsitebot

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// Who makes the changes in these tests.
const (
	homeID   = "slack:T1:UHOME"
	recvID   = "telegram:200"
	parentID = "telegram:100"
	pupilID  = "telegram:300"
)

// tNow is when the changes in these tests are made: Wed 2 Dec 2026, 10:00 London.
var tNow = ldn(2026, 12, 2, 10, 0)

// as is the actor of that role at t.
func as(role Role, t time.Time) Actor {
	switch role {
	case RoleHome:
		return Actor{ID: homeID, Role: role, Via: Slack, At: t}
	case RoleReceiving:
		return Actor{ID: recvID, Role: role, Via: Telegram, At: t}
	case RolePupil:
		return Actor{ID: pupilID, Role: role, Via: Telegram, At: t}
	}
	return Actor{ID: parentID, Role: role, Via: Telegram, At: t}
}

// testCase is an active case, begun on Mon 30 Nov 2026, with one parent linked.
func testCase(meetings ...Meeting) *Case {
	return &Case{
		Ref: "OSD-TEST", Status: Active, Pupil: "Sam Taylor", DOB: "2012-03-04",
		HomeURN: "100001", ReceivingURN: "100002", Start: "2026-11-30", End: "2027-01-29",
		People:   []Person{{ID: parentID, Role: RoleParent, Name: "Pat", Joined: ldn(2026, 11, 27, 9, 0)}},
		Meetings: meetings,
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func actions(ch Change) []string {
	var out []string
	for _, e := range ch.Audit {
		out = append(out, e.Action)
	}
	return out
}

func kinds(ch Change) []string {
	var out []string
	for _, n := range ch.Notices {
		out = append(out, string(n.Kind)+" to "+string(n.To)+" "+n.Meeting.ID)
	}
	return out
}

func TestOpen(t *testing.T) {
	facts := Case{Pupil: "Sam Taylor", DOB: "2012-03-04", HomeURN: "100001", ReceivingURN: "100002", Start: "2026-12-07", End: "2027-01-29",
		Status: Ended, Outcome: OutcomeOther, Meetings: []Meeting{{ID: "M9"}}, LastSchoolContact: tNow}
	for _, tc := range []struct {
		name    string
		change  func(*Case)
		wantErr bool
	}{
		{"the facts new asks for", func(*Case) {}, false},
		{"no end date", func(c *Case) { c.End = "" }, true},
		{"a reference given", func(c *Case) { c.Ref = "OSD-DEM0" }, false},
		{"no first day", func(c *Case) { c.Start = "" }, true},
		{"the same school twice", func(c *Case) { c.ReceivingURN = c.HomeURN }, true},
		{"an end on the first day", func(c *Case) { c.End = c.Start }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := facts
			tc.change(&f)
			c, err := Open(as(RoleHome, tNow), f)
			if tc.wantErr {
				if ErrorCode(err) != EInvalid {
					t.Fatalf("Open = %v, want an invalid error", err)
				}
				return
			}
			must(t, err)
			if _, ok := ParseRef(c.Ref); !ok || f.Ref != "" && c.Ref != f.Ref {
				t.Errorf("ref %q", c.Ref)
			}
			// Only the facts are taken: a new case is active with nothing recorded yet.
			if c.Status != Active || c.Outcome != "" || c.Meetings != nil || !c.LastSchoolContact.IsZero() {
				t.Errorf("opened as %+v", c)
			}
			if c.Pupil != f.Pupil || c.Start != f.Start || c.End != f.End || c.Opened != tNow || c.OpenedBy != homeID {
				t.Errorf("facts %+v", c)
			}
			if len(c.Audit) != 1 || c.Audit[0].Action != "case opened" || c.Audit[0].Case != c.Ref {
				t.Errorf("audit %+v", c.Audit)
			}
		})
	}
}

// fullCase has every slice and pointer of a case set, so Clone is tested on all of them.
func fullCase() *Case {
	out := ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-14"}
	return &Case{
		Ref: "OSD-FULL", Status: Active, Start: "2026-11-30",
		People:     []Person{{ID: parentID, Role: RoleParent}},
		Contacts:   []Contact{{ID: "C1", With: "parent", At: tNow, Media: MediaPhoto, File: &FileRef{Source: "telegram:photo:P1"}}},
		Attendance: []AttendanceDay{{Date: "2026-11-30", AM: "/", PM: "/"}},
		Meetings:   []Meeting{{ID: "M1", At: tNow, Invitations: []Invitation{{To: parentID}}, Outcome: &out}},
		Requests:   []ReviewRequest{{ID: "R1"}},
		Awaiting:   []Awaiting{{From: "parent"}},
		Feedback:   []Feedback{{ID: "F1"}},
		Audit:      []AuditEvent{{Action: "case opened"}},
	}
}

var timeType = reflect.TypeFor[time.Time]()

// unset returns the path of the first nil slice or pointer in v.
func unset(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if v.IsNil() || v.Kind() == reflect.Slice && v.Len() == 0 {
			return path
		}
		if v.Kind() == reflect.Pointer {
			return unset(v.Elem(), path)
		}
		if v.Kind() == reflect.Slice {
			return unset(v.Index(0), path+"[0]")
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return ""
		}
		for i := range v.NumField() {
			if p := unset(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

// shared returns the path of the first slice, map or pointer a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if a.IsNil() || b.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		switch a.Kind() {
		case reflect.Pointer:
			return shared(a.Elem(), b.Elem(), path)
		case reflect.Slice:
			for i := range min(a.Len(), b.Len()) {
				if p := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
		}
	case reflect.Struct:
		if a.Type() == timeType {
			return "" // its location is shared and never changed
		}
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

func TestClone(t *testing.T) {
	c := fullCase()
	if p := unset(reflect.ValueOf(c).Elem(), "Case"); p != "" {
		t.Fatalf("fullCase leaves %s unset: set it, so Clone is tested on it", p)
	}
	cp := c.Clone()
	if !reflect.DeepEqual(c, cp) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, cp)
	}
	if p := shared(reflect.ValueOf(c).Elem(), reflect.ValueOf(cp).Elem(), "Case"); p != "" {
		t.Fatalf("the clone shares %s with the original", p)
	}
	// Changing the clone through the core leaves the original as it was.
	before := fullCase()
	cp.Meetings[0].Outcome.Voice = "changed"
	cp.Meetings[0].Invitations[0].Answer = AnswerYes
	_, err := cp.AddContact(as(RoleHome, tNow), Contact{With: "receiving", How: "phone"})
	must(t, err)
	if !reflect.DeepEqual(c, before) {
		t.Fatalf("the original changed with its clone:\n%+v", c)
	}
	var empty Case
	if got := empty.Clone(); !reflect.DeepEqual(got, &empty) {
		t.Errorf("clone of an empty case: %+v", got)
	}
}

// TestEndedCaseRefuses checks that an ended case takes nothing new, and is
// left exactly as it was.
func TestEndedCaseRefuses(t *testing.T) {
	later := ldn(2026, 12, 10, 10, 0)
	for _, tc := range []struct {
		name string
		do   func(c *Case) error
	}{
		{"contact", func(c *Case) error {
			_, err := c.AddContact(as(RoleHome, tNow), Contact{With: "receiving", How: "phone"})
			return err
		}},
		{"attendance", func(c *Case) error {
			_, _, err := c.RecordAttendance(as(RoleReceiving, tNow), AttendanceDay{Date: "2026-12-01", AM: "/", PM: "/"})
			return err
		}},
		{"schedule", func(c *Case) error {
			_, _, err := c.ScheduleMeeting(as(RoleHome, tNow), later, InPerson, "")
			return err
		}},
		{"move", func(c *Case) error {
			_, _, err := c.MoveMeeting(as(RoleHome, tNow), "M1", later, "")
			return err
		}},
		{"request", func(c *Case) error {
			_, _, err := c.AddRequest(as(RoleParent, tNow), FromParent, "Please meet")
			return err
		}},
		{"feedback", func(c *Case) error {
			_, err := c.AddFeedback(as(RoleParent, tNow), Feedback{Pupil: "ok", Family: "ok"})
			return err
		}},
		{"answer", func(c *Case) error {
			_, _, err := c.AnswerInvitation(as(RoleParent, tNow), "M1", AnswerYes, "")
			return err
		}},
		{"invited", func(c *Case) error {
			_, _, err := c.Invited(as(RoleHome, tNow), "M1", "letter")
			return err
		}},
		{"end again", func(c *Case) error {
			_, err := c.EndDirection(as(RoleHome, tNow), OutcomeOther)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(plannedOn("M1", "2026-12-09", 10, 0, InPerson))
			c.Status, c.Outcome, c.EndedOn = Ended, OutcomeReintegrated, "2026-12-01"
			before := c.Clone()
			err := tc.do(c)
			if ErrorCode(err) != EInvalid || ErrorMessage(err) != "OSD-TEST ended on Tue 1 Dec, so nothing more can be recorded on it." {
				t.Fatalf("on an ended case: %v", err)
			}
			if !reflect.DeepEqual(c, before) {
				t.Fatalf("an ended case changed:\n%+v", c)
			}
		})
	}
}

// TestAfterTheEnd checks what may still be recorded once a case has ended:
// what happened before, and people coming and going.
func TestAfterTheEnd(t *testing.T) {
	held := heldOn("M2", "2026-11-30", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-14"})
	for _, tc := range []struct {
		name string
		do   func(c *Case) (Change, error)
		want string
	}{
		{"the outcome of a meeting held before", func(c *Case) (Change, error) {
			_, ch, err := c.RecordOutcome(as(RoleHome, tNow), "M1", ReviewOutcome{Decision: DecisionReintegrate})
			return ch, err
		}, "review outcome recorded"},
		{"a meeting begun but not held, called off", func(c *Case) (Change, error) {
			_, ch, err := c.CancelMeeting(as(RoleHome, tNow), "M1")
			return ch, err
		}, "review cancelled"},
		{"a decision told another way", func(c *Case) (Change, error) { return c.DecisionTold(as(RoleHome, tNow), "M2", "", "") }, "decision notice given"},
		{"the notice given", func(c *Case) (Change, error) { return c.RecordNotice(as(RoleHome, tNow), "", "letter") }, "notice given"},
		{"a parent leaving", func(c *Case) (Change, error) { return c.Unlink(as(RoleParent, tNow)), nil }, "left the case"},
		{"someone unreachable", func(c *Case) (Change, error) {
			return c.MarkUnreachable(BotActor(tNow), parentID), nil
		}, "recipient unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(plannedOn("M1", "2026-12-01", 10, 0, InPerson), held)
			c.Status, c.Outcome, c.EndedOn = Ended, OutcomeReintegrated, "2026-12-01"
			ch, err := tc.do(c)
			must(t, err)
			if got := actions(ch); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("audit %v, want %s", got, tc.want)
			}
		})
	}
}

func TestLink(t *testing.T) {
	upcoming := plannedOn("M3", "2026-12-09", 10, 0, InPerson)
	untold := heldOn("M1", "2026-11-18", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-02"})
	told := heldOn("M2", "2026-11-25", Online, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-09", NoticeSent: tNow})
	off := plannedOn("M4", "2026-12-16", 10, 0, InPerson)
	off.Cancelled = true
	for _, tc := range []struct {
		name string
		role Role
		want []string
	}{
		{"a parent joining late is owed the invitation and the untold decision", RoleParent,
			[]string{"decision to parents M1", "invitation to concerned M3"}},
		{"so is a pupil of 18", RolePupil, []string{"decision to parents M1", "invitation to concerned M3"}},
		{"a receiving contact is owed the invitation only", RoleReceiving, []string{"invitation to concerned M3"}},
		{"the LA, without an EHC plan, nothing", RoleLA, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(untold, told, upcoming, off)
			a := as(tc.role, tNow)
			ch := c.Link(a, JoinCode{Role: tc.role, CreatedBy: homeID}, "Kim")
			if got := kinds(ch); !slices.Equal(got, tc.want) {
				t.Errorf("notices %v, want %v", got, tc.want)
			}
			if p, ok := c.Person(a.ID); !ok || p.Role != tc.role || p.Name != "Kim" || !p.Joined.Equal(tNow) {
				t.Errorf("person %+v", p)
			}
			if ch.Audit[0].Detail != string(tc.role)+", code made by "+homeID {
				t.Errorf("audit %+v", ch.Audit)
			}
		})
	}
	// Joining again replaces the earlier entry.
	c := testCase()
	c.People[0].Unreachable = true
	c.Link(as(RoleParent, tNow), JoinCode{Role: RoleParent}, "Pat")
	if len(c.People) != 1 || c.People[0].Unreachable {
		t.Errorf("joined again: %+v", c.People)
	}
}

func TestMarkUnreachable(t *testing.T) {
	for _, tc := range []struct {
		role       Role // "" for someone not linked to the case
		marked     bool // already marked unreachable
		wantNotice bool
		wantAudit  bool
	}{
		{RoleParent, false, true, true}, {RolePupil, false, true, true}, {RoleReceiving, false, true, true},
		{RoleLA, false, false, true}, {"", false, false, true},
		{RoleParent, true, false, false}, // told once: the second report changes nothing
	} {
		t.Run(fmt.Sprintf("%s marked=%v", tc.role, tc.marked), func(t *testing.T) {
			c := testCase()
			c.People = nil
			if tc.role != "" {
				c.People = []Person{{ID: "telegram:9", Role: tc.role, Unreachable: tc.marked}}
			}
			ch := c.MarkUnreachable(BotActor(tNow), "telegram:9")
			if p, _ := c.Person("telegram:9"); tc.role != "" && !p.Unreachable {
				t.Error("not marked")
			}
			if got := len(ch.Notices) == 1 && ch.Notices[0].To == ToHome && ch.Notices[0].Role == tc.role; got != tc.wantNotice {
				t.Errorf("notices %+v", ch.Notices)
			}
			if !tc.wantAudit {
				if len(ch.Audit) != 0 {
					t.Errorf("audit %+v, want none", ch.Audit)
				}
				return
			}
			if actions(ch)[0] != "recipient unreachable" || ch.Audit[0].By != "offsitebot" || ch.Audit[0].Via != System {
				t.Errorf("audit %+v", ch.Audit)
			}
		})
	}
}

func TestMarkReachable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		people    []Person
		wantAudit bool
	}{
		{"marked", []Person{{ID: "telegram:9", Role: RoleParent, Unreachable: true}}, true},
		{"not marked", []Person{{ID: "telegram:9", Role: RoleParent}}, false},
		{"not linked", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			c.People = tc.people
			ch := c.MarkReachable(BotActor(tNow), "telegram:9")
			if p, ok := c.Person("telegram:9"); ok && p.Unreachable {
				t.Error("still marked")
			}
			if got := len(ch.Audit) == 1 && ch.Audit[0].Action == "recipient reachable again"; got != tc.wantAudit || len(ch.Notices) != 0 {
				t.Errorf("change %+v, want an audit record: %v, no notice", ch, tc.wantAudit)
			}
		})
	}
}

func TestDelivered(t *testing.T) {
	at := tNow.Add(time.Minute)
	decided := heldOn("M1", "2026-11-25", InPerson, ReviewOutcome{Decision: DecisionContinue, Next: "2026-12-09"})
	next := plannedOn("M2", "2026-12-09", 10, 0, InPerson)
	next.Invitations = []Invitation{{To: parentID, Sent: tNow.Add(-time.Hour), Answer: AnswerYes}}
	for _, tc := range []struct {
		name        string
		n           Notice
		to          []string
		wantAudit   string
		wantContact string
		check       func(*Case) bool
	}{
		{"an invitation", Notice{Kind: NoticeInvitation, Meeting: next}, []string{pupilID, "telegram:400"},
			"invitation sent: M2 to telegram:300, telegram:400", "Invitation to review meeting M2 sent",
			func(c *Case) bool {
				m, _ := c.Meeting("M2")
				return len(m.Invitations) == 3 && m.WasInvited(pupilID) && m.Invitations[2].Sent.Equal(at)
			}},
		{"a decision", Notice{Kind: NoticeDecision, Meeting: decided}, []string{parentID},
			"decision notice sent: M1", "Decision after M1 (continue) sent",
			func(c *Case) bool {
				m, _ := c.Meeting("M1")
				return m.Outcome.NoticeSent.Equal(at) && !m.AwaitsTelling()
			}},
		{"a cancellation", Notice{Kind: NoticeCancelled, Meeting: next}, []string{parentID},
			"cancellation sent: M2", "Cancellation of review meeting M2 sent", nil},
		{"a new time", Notice{Kind: NoticeMoved, Meeting: next}, []string{parentID},
			"new time sent: M2", "New time of review meeting M2 sent",
			func(c *Case) bool { m, _ := c.Meeting("M2"); return m.Invitations[0].Sent.Equal(at) }},
		{"a request passed on", Notice{Kind: NoticeRequest}, []string{homeID, "slack:T1:U2"}, "review request passed on: to 2 home-school staff", "", nil},
		{"a time suggested", Notice{Kind: NoticeSuggestion}, []string{homeID}, "time suggestion passed on: to 1 home-school staff", "", nil},
		{"an absence", Notice{Kind: NoticeAbsence}, []string{homeID}, "attendance alert: to 1 home-school staff", "", nil},
		{"the end: nothing kept", Notice{Kind: NoticeEnded}, []string{parentID}, "", "", nil},
		{"nobody reached: nothing kept", Notice{Kind: NoticeInvitation, Meeting: next}, nil, "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase(decided, next)
			ch := c.Delivered(tc.n, tc.to, at)
			var got string
			for _, e := range ch.Audit {
				got = e.Action + ": " + e.Detail
				if e.By != "offsitebot" || e.Via != System || !e.At.Equal(at) || e.Case != c.Ref {
					t.Errorf("audit entry %+v", e)
				}
			}
			if got != tc.wantAudit {
				t.Errorf("audit %q, want %q", got, tc.wantAudit)
			}
			var contact string
			if len(c.Contacts) > 0 {
				ct := c.Contacts[0]
				contact = ct.Summary
				if !ct.Auto || ct.With != "parent" || ct.How != "message" || !ct.At.Equal(at) || ct.ID != "C1" {
					t.Errorf("contact %+v", ct)
				}
			}
			if contact != tc.wantContact {
				t.Errorf("contact %q, want %q", contact, tc.wantContact)
			}
			if tc.check != nil && !tc.check(c) {
				t.Errorf("case after: %+v", c.Meetings)
			}
		})
	}
}
