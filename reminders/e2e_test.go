package reminders

import (
	"context"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
)

// TestPromptButtonsRecordAttendance presses the prompt's buttons through the
// real command engine, as the Telegram adapter would pass them, and checks
// the day is recorded, so the chase leaves that case alone.
func TestPromptButtonsRecordAttendance(t *testing.T) {
	ctx := context.Background()
	// Each case its own contact, so each prompt comes alone, with all its
	// buttons (a digest's items have the first: TestDigest).
	const otherID = "telegram:43"
	second := newCase("OSD-0002", "2026-11-02")
	second.People[0].ID = otherID
	db := world(t, newCase("OSD-0001", "2026-11-02"), second)
	if err := db.PutIdentity(ctx, offsitebot.Identity{ID: otherID, Role: offsitebot.RoleReceiving, Name: "Mr Lee"}); err != nil {
		t.Fatal(err)
	}
	contact := map[string]string{"OSD-0001": tgRecvID, "OSD-0002": otherID}
	for ref, to := range contact {
		if err := db.LinkCase(ctx, to, ref); err != nil {
			t.Fatal(err)
		}
	}
	clk := bottest.NewClock(london("2026-12-02 09:40"))
	rec := &recorder{}
	s := newScheduler(t, db, rec, clk.Now, Config{})
	cal := offsitebot.NewCalendar(nil, nil)
	router := conversations.New(conversations.Deps{Store: db, Send: rec, Now: clk.Now, Calendar: cal, Log: discard()}).Router()

	if _, err := s.Run(ctx, JobAttendancePrompt, clk.Now()); err != nil {
		t.Fatal(err)
	}
	prompt := func(ref string) bot.Reply {
		t.Helper()
		d := rec.To(contact[ref], "("+ref+")")
		if len(d) != 1 {
			t.Fatalf("prompts for %s: %v", ref, d)
		}
		return d[0].Reply
	}
	press := func(ref, data string) []bot.Reply {
		clk.Set(clk.Now().Add(1))
		to := contact[ref]
		return router.Handle(ctx, bot.Request{Platform: offsitebot.Telegram, UserID: to, Chat: strings.TrimPrefix(to, "telegram:"),
			Data: data, Command: strings.HasPrefix(data, "/")})
	}

	// Present all day.
	clk.Set(london("2026-12-02 09:50"))
	replies := press("OSD-0001", prompt("OSD-0001").Buttons[0][0].Data)
	if len(replies) == 0 || !strings.Contains(replies[0].Text, "Recorded") {
		t.Fatalf("present all day: replies %+v", replies)
	}
	// Absent…, then the code.
	press("OSD-0002", prompt("OSD-0002").Buttons[0][1].Data)
	replies = press("OSD-0002", "N")
	if len(replies) == 0 || !strings.Contains(replies[0].Text, "AM N, PM N") {
		t.Fatalf("absent N: replies %+v", replies)
	}
	for ref, want := range map[string][2]string{"OSD-0001": {"/", `\`}, "OSD-0002": {"N", "N"}} {
		c, err := db.Case(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := attendanceOn(c, "2026-12-02")
		if !ok || a.AM != want[0] || a.PM != want[1] {
			t.Errorf("%s attendance %+v, want AM %s PM %s", ref, a, want[0], want[1])
		}
	}

	rec.Reset()
	if _, err := s.Run(ctx, JobAttendanceChase, london("2026-12-02 13:30")); err != nil {
		t.Fatal(err)
	}
	if got := rec.All(); len(got) != 0 {
		t.Errorf("chase after both days were recorded sent %v", got)
	}
}
