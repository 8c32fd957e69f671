package reminders

import (
	"context"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
)

// The school day before a review meeting, everyone invited is reminded of
// it once, with the time and the place or the link; a repeat run at the same
// instant sends nothing more, and someone invited another way is not sent
// anything. A meeting on Monday is reminded on the Friday.
func TestMeetingReminderTheSchoolDayBefore(t *testing.T) {
	ctx := context.Background()
	c := newCase("OSD-7K2Q", "2026-11-02")
	c.Meetings = []offsitebot.Meeting{
		{ID: "M1", At: london("2026-12-07 10:00"), Mode: offsitebot.Online, Place: "https://meet.example/abc", Invitations: []offsitebot.Invitation{
			{To: parentID}, {To: tgRecvID, Role: offsitebot.RoleReceiving}, {To: "outside offsitebot: letter"},
		}},
		{ID: "M2", At: london("2026-12-09 10:00"), Mode: offsitebot.Online, Invitations: []offsitebot.Invitation{{To: parentID}}},
	}
	db := world(t, c)
	rec := &recorder{}
	s := newScheduler(t, db, rec, nil, Config{})
	tests := []struct {
		name, at string
		want     map[string]int // recipient -> reminders sent
		text     string
	}{
		{"Thursday: too early", "2026-12-03 15:00", nil, ""},
		{"Friday, for Monday", "2026-12-04 15:00", map[string]int{parentID: 1, tgRecvID: 1}, "is on Mon 7 Dec at 10:00, online: https://meet.example/abc"},
		{"Friday again: nothing more", "2026-12-04 15:00", nil, ""},
		{"Tuesday, for Wednesday, with no link yet", "2026-12-08 15:00", map[string]int{parentID: 1, homeID: 1}, ""},
	}
	for _, tt := range tests {
		rec.Reset()
		if _, err := s.Run(ctx, JobMeetings, london(tt.at)); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, d := range rec.All() {
			got[d.To]++
			want := tt.text
			switch {
			case d.To == homeID:
				want = "those invited have no link yet. Send it with: review OSD-7K2Q place M2 https://…"
			case want == "":
				want = "tomorrow, Wed 9 Dec at 10:00, online (the link will follow). The school will send the link"
			}
			if !strings.Contains(d.Reply.Text, want) || (d.To != homeID && len(d.Reply.Buttons) == 0) {
				t.Errorf("%s: %s got %q with %v\nwant %q and buttons to answer", tt.name, d.To, d.Reply.Text, d.Reply.Buttons, want)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: sent %v, want %v", tt.name, got, tt.want)
		}
		for to, n := range tt.want {
			if got[to] != n {
				t.Errorf("%s: %s got %d, want %d", tt.name, to, got[to], n)
			}
		}
	}
}
