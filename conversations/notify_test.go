package conversations

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// sentTo records what is sent to whom.
type sentTo struct {
	mu   sync.Mutex
	msgs map[string][]bot.Reply
}

func (s *sentTo) Send(_ context.Context, to string, r bot.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs[to] = append(s.msgs[to], r)
	return nil
}

// TestTellMovedMeeting moves a meeting through the core: those invited are
// told the new time with buttons to answer, and the case records that they were.
func TestTellMovedMeeting(t *testing.T) {
	ctx := context.Background()
	db := storagetest.New(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London)
	out := &sentTo{msgs: map[string][]bot.Reply{}}
	e := New(Deps{Store: db, Send: out, Now: func() time.Time { return now }, Calendar: offsitebot.NewCalendar(nil, nil)})
	staff := offsitebot.Actor{ID: "shell:home:Alex", Role: offsitebot.RoleHome, Via: offsitebot.Shell, At: now}
	const parent = "telegram:501"

	c, err := offsitebot.Open(staff, offsitebot.Case{Pupil: "Sam Taylor", DOB: "2012-03-04", HomeURN: "100001", ReceivingURN: "100002", Start: "2026-11-30", End: "2027-01-29"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	c, _, err = e.changeRef(ctx, c.Ref, func(k *offsitebot.Case) (offsitebot.Change, error) {
		return k.Link(offsitebot.Actor{ID: parent, Role: offsitebot.RoleParent, Via: offsitebot.Telegram, At: now}, offsitebot.JoinCode{Role: offsitebot.RoleParent}, "Pat"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, ch, err := e.change(ctx, c, func(k *offsitebot.Case) (offsitebot.Change, error) {
		_, ch, err := k.ScheduleMeeting(staff, time.Date(2026, 12, 9, 10, 0, 0, 0, offsitebot.London), offsitebot.InPerson, "")
		return ch, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.notify.tell(ctx, c, ch.Notices); n != 1 {
		t.Fatalf("invitation went to %d", n)
	}

	// Reading the case back: the invitation was recorded by tell.
	c, err = db.Case(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	before := c.Clone()
	k, ch, err := e.change(ctx, c, func(k *offsitebot.Case) (offsitebot.Change, error) {
		_, ch, err := k.MoveMeeting(staff, "M1", time.Date(2026, 12, 10, 15, 30, 0, 0, offsitebot.London), "Library")
		return ch, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, before) {
		t.Fatal("the change altered the caller's copy of the case")
	}
	if n := e.notify.tell(ctx, k, ch.Notices); n != 1 {
		t.Fatalf("the new time went to %d", n)
	}
	msgs := out.msgs[parent]
	got := msgs[len(msgs)-1]
	if want := "The review meeting about Sam's off-site direction (" + c.Ref + ") on Wed 9 Dec 10:00 has moved to Thu 10 Dec 15:30, in person, Library. Can you come?"; got.Text != want || len(got.Buttons) != 1 {
		t.Errorf("parent told %q %v, want %q", got.Text, got.Buttons, want)
	}
	k, err = db.Case(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	log, err := db.AuditLog(ctx, c.Ref)
	if err != nil || len(log) < 2 {
		t.Fatalf("audit %+v, %v", log, err)
	}
	last := k.Contacts[len(k.Contacts)-1]
	if last.Summary != "New time of review meeting M1 sent" || log[len(log)-1].Action != "new time sent" {
		t.Errorf("recorded %+v, audit %+v", last, log[len(log)-1])
	}
	if m, _ := k.Meeting("M1"); !m.At.Equal(time.Date(2026, 12, 10, 15, 30, 0, 0, offsitebot.London)) || !strings.Contains(log[len(log)-2].Detail, "M1 from 2026-12-09 10:00 to 2026-12-10 15:30") {
		t.Errorf("meeting %+v, audit %+v", m, log)
	}
}
