package reminders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestPromptsOverAWeek runs the morning prompt at every time a daily schedule
// fires from Fri 27 Mar to Wed 8 Apr 2026 — across the clock change, Good
// Friday, a weekend and Easter Monday — three times at each (a restart and
// a catch-up run) and checks each receiving contact got exactly one prompt
// per case per school day, and none on the other days.
func TestPromptsOverAWeek(t *testing.T) {
	ctx := context.Background()
	refs := []string{"OSD-0001", "OSD-0002", "OSD-0003"}
	var cases []*offsitebot.Case
	for _, r := range refs {
		cases = append(cases, newCase(r, "2026-03-02"))
	}
	notStarted := newCase("OSD-0004", "2026-04-20")
	db := world(t, append(cases, notStarted)...)
	rec := &recorder{}
	clk := &clock{}
	s := newScheduler(t, db, rec, clk.Now, Config{AttendancePrompt: "40 9 * * *"})

	for _, at := range firings(t, "40 9 * * *", london("2026-03-27 00:00"), london("2026-04-08 00:00")) {
		clk.Set(at)
		for range 2 {
			if _, err := s.Run(ctx, JobAttendancePrompt, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RunAt(ctx, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}

	schoolDays := []offsitebot.Date{"2026-03-27", "2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02", "2026-04-07"}
	got := map[string]int{}
	prompts := 0
	for _, d := range reminded(rec.All()) {
		if strings.HasPrefix(d.Reply.Text, "Attendance for") { // RunAt sends the staff nudges too
			got[d.To+" "+d.Reply.Text]++
			prompts++
		}
	}
	want := map[string]int{}
	for _, day := range schoolDays {
		for _, ref := range refs {
			want[recvID+" "+fmt.Sprintf("Attendance for S.T. (%s), %s.\nChoose a button, or type: attendance %s %s AM PM", ref, day.Short(), ref, day)]++
			want[tgRecvID+" "+fmt.Sprintf("Attendance for S.T. (%s), %s.\nChoose a button, or send /attendance to answer step by step.", ref, day.Short())]++
		}
	}
	for k, n := range got {
		if want[k] != n {
			t.Errorf("sent %d × %q, want %d", n, k, want[k])
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("sent %d × %q, want %d", got[k], k, n)
		}
	}
	if prompts != len(schoolDays)*len(refs)*2 {
		t.Errorf("sent %d prompts, want %d", prompts, len(schoolDays)*len(refs)*2)
	}
	// The three prompts of a day came as one digest, each with its Present button.
	d := rec.To(tgRecvID, "OSD-0001), Mon 30 Mar")
	if len(d) != 1 || len(d[0].Reply.Items) != 3 {
		t.Fatalf("no digest of 3 prompts with OSD-0001's on 30 Mar: %v", rec.All())
	}
	want0 := bot.Button{Label: "Present all day", Data: `/attendance OSD-0001 2026-03-30 / \`}
	if a := d[0].Reply.Items[0].Action; a == nil || *a != want0 || d[0].Reply.Sensitive {
		t.Errorf("prompt = %+v, want its Present button %v first, not sensitive", d[0].Reply, want0)
	}

	// The report says why nothing went on a bank holiday.
	rep, err := s.Run(ctx, JobAttendancePrompt, london("2026-04-06 09:40"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Jobs[0].Skipped != "Easter Monday" {
		t.Errorf("report on Easter Monday = %+v, want skipped: Easter Monday", rep.Jobs[0])
	}
}

// TestAttendanceDay covers one school day: a prompt only where the day is
// unconfirmed, the chase with its alert to the home school, and the summary
// with codes and the home register's D.
func TestAttendanceDay(t *testing.T) {
	ctx := context.Background()
	done := newCase("OSD-0001", "2026-11-02")
	done.Attendance = []offsitebot.AttendanceDay{{Date: "2026-12-02", AM: "/", PM: `\`, By: tgRecvID}}
	absent := newCase("OSD-0002", "2026-11-02")
	absent.Pupil = "Jo Bloggs"
	silent := newCase("OSD-0003", "2026-11-02")
	silent.Pupil = "Ann Lee"
	silent.People = nil // nobody linked at the receiving school but its Slack staff
	other := newCase("OSD-0004", "2026-11-02")
	other.HomeURN = "199999"
	db := world(t, done, absent, silent, other)
	rec := &recorder{}
	s := newScheduler(t, db, rec, nil, Config{})

	if _, err := s.RunAt(ctx, london("2026-12-02 09:45")); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.To(tgRecvID, "OSD-0001")) + len(rec.To(recvID, "OSD-0001")); n != 0 {
		t.Errorf("prompted %d times for a day already recorded", n)
	}
	if len(rec.To(tgRecvID, "Attendance for J.B. (OSD-0002), Wed 2 Dec.")) != 1 || len(rec.To(recvID, "(OSD-0003)")) != 1 {
		t.Errorf("prompts = %v", rec.All())
	}

	// The receiving school answers for OSD-0002 before the chase.
	if _, err := db.UpdateCase(ctx, "OSD-0002", func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		c.Attendance = append(c.Attendance, offsitebot.AttendanceDay{Date: "2026-12-02", AM: "N", PM: "N", By: tgRecvID})
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	if _, err := s.RunAt(ctx, london("2026-12-02 13:30")); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.To(recvID, "Still needed: attendance for A.L. (OSD-0003)")); n != 1 {
		t.Errorf("chase for OSD-0003 sent %d times, want 1: %v", n, rec.All())
	}
	alert := rec.To(homeID, "⚠ Attendance for A.L. (OSD-0003) on Wed 2 Dec is not confirmed by 13:30")
	if len(alert) != 1 || !strings.Contains(alert[0].Reply.Text, "safeguarding") {
		t.Errorf("home alert = %v, want one safeguarding alert", rec.To(homeID, ""))
	}
	for _, d := range rec.All() {
		if strings.Contains(d.Reply.Text, "OSD-0002") || strings.Contains(d.Reply.Text, "OSD-0001") {
			t.Errorf("chased a confirmed day: %+v", d)
		}
		if strings.Contains(d.Reply.Text, "Sam") || strings.Contains(d.Reply.Text, "Jo ") || strings.Contains(d.Reply.Text, "Ann") {
			t.Errorf("staff message names a pupil: %q", d.Reply.Text)
		}
	}

	rec.Reset()
	if _, err := s.RunAt(ctx, london("2026-12-02 16:00")); err != nil {
		t.Fatal(err)
	}
	sum := rec.To(homeID, "Attendance today, Wed 2 Dec")
	if len(sum) != 1 {
		t.Fatalf("summaries to home staff = %v, want 1", rec.All())
	}
	for _, line := range []string{
		`• OSD-0001 S.T.: AM /, PM \ — register D D`,
		"• OSD-0002 J.B.: AM N, PM N — register D D ⚠ N",
		"• OSD-0003 A.L.: not confirmed — attendance OSD-0003 2026-12-02 AM PM",
	} {
		if !strings.Contains(sum[0].Reply.Text, line) {
			t.Errorf("summary %q lacks %q", sum[0].Reply.Text, line)
		}
	}
	if strings.Contains(sum[0].Reply.Text, "OSD-0004") {
		t.Errorf("summary lists another school's case: %q", sum[0].Reply.Text)
	}
}

// TestTwoSchedulers runs two schedulers against one database at the same
// instants, side by side, and checks every reminder went out once.
func TestTwoSchedulers(t *testing.T) {
	ctx := context.Background()
	var cases []*offsitebot.Case
	for i := range 25 {
		c := newCase(fmt.Sprintf("OSD-%04d", i), "2026-11-02")
		c.Meetings = []offsitebot.Meeting{{ID: "M1", At: london("2026-12-05 10:00"), Mode: offsitebot.InPerson}}
		cases = append(cases, c)
	}
	db := world(t, cases...)
	a, b := &recorder{}, &recorder{}
	sa := newScheduler(t, db, a, nil, Config{})
	sb := newScheduler(t, db, b, nil, Config{})
	for _, at := range []string{"2026-12-02 08:10", "2026-12-02 09:40", "2026-12-02 13:30", "2026-12-02 17:00"} {
		var wg sync.WaitGroup
		for _, s := range []*Scheduler{sa, sb, sa, sb} {
			wg.Go(func() {
				if _, err := s.RunAt(ctx, london(at)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	all := reminded(append(a.All(), b.All()...))
	if len(a.All()) == 0 || len(b.All()) == 0 {
		t.Logf("one replica sent everything (a %d, b %d)", len(a.All()), len(b.All()))
	}
	seen := map[string]int{}
	for _, d := range all {
		seen[d.To+"|"+d.Reply.Text]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("sent %d times: %q", n, k)
		}
	}
	// Per case: prompts to 2 receiving contacts, chase to 2 + alert to home,
	// feedback invitation to the parent (meeting in 3 days), invitation nudge
	// to home staff (no parent invited yet, due by 29 Nov: overdue).
	perCase := 2 + 3 + 1
	if got := len(seen); got < len(cases)*perCase {
		t.Errorf("%d distinct messages, want at least %d", got, len(cases)*perCase)
	}
	if got := len(reminded(a.To(parentID, ""))) + len(reminded(b.To(parentID, ""))); got != len(cases) {
		t.Errorf("%d feedback invitations, want %d", got, len(cases))
	}
	// In one message: a run's messages grow with people, not cases.
	if got := len(a.To(parentID, "")) + len(b.To(parentID, "")); got != 1 {
		t.Errorf("the parent of %d cases got %d messages, want one digest", len(cases), got)
	}
}

// TestCrashBetweenClaimAndSend stops a run after its claims and its first
// send (a digest of five prompts to one person): the rest are sent once by a
// later run after the claim timeout, not before, and never again.
func TestCrashBetweenClaimAndSend(t *testing.T) {
	ctx := context.Background()
	var cases []*offsitebot.Case
	for i := range 5 {
		cases = append(cases, newCase(fmt.Sprintf("OSD-%04d", i), "2026-11-02"))
	}
	db := world(t, cases...)
	at := london("2026-12-02 09:40")

	// Replica 1 crashes: its context ends during its second send.
	crashCtx, crash := context.WithCancel(ctx)
	n := 0
	r1 := &recorder{Hook: func(ctx context.Context, to string) error {
		if n++; n == 2 {
			crash()
			return ctx.Err()
		}
		return nil
	}}
	s1 := newScheduler(t, db, r1, nil, Config{})
	if _, err := s1.Run(crashCtx, JobAttendancePrompt, at); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashing run: err = %v, want context.Canceled", err)
	}
	if len(r1.All()) != 1 {
		t.Fatalf("crashing run delivered %d, want 1", len(r1.All()))
	}
	var docs []bson.M
	cur, err := db.Database().Collection(outboxCollection).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 { // a digest claimed for each person, the first recorded sent
		t.Fatalf("%d outbox documents after the crash, want 2 claims and 1 outcome", len(docs))
	}

	// Replicas 2 and 3 run the retry job; before the timeout they leave the
	// claims alone, after it exactly one of them sends each, once.
	r2, r3 := &recorder{}, &recorder{}
	s2 := newScheduler(t, db, r2, nil, Config{})
	s3 := newScheduler(t, db, r3, nil, Config{})
	if _, err := s2.Run(ctx, JobRetry, at.Add(9*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(r2.All()) != 0 {
		t.Fatalf("retried before the claim timeout: %v", r2.All())
	}
	var wg sync.WaitGroup
	for _, s := range []*Scheduler{s2, s3} {
		wg.Go(func() {
			if _, err := s.Run(ctx, JobRetry, at.Add(11*time.Minute)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, s := range []*Scheduler{s2, s3, s1} {
		for _, job := range []string{JobAttendancePrompt, JobRetry} {
			if _, err := s.Run(ctx, job, at.Add(40*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := reminded(append(append(r1.All(), r2.All()...), r3.All()...))
	seen := map[string]int{}
	for _, d := range all {
		seen[d.To+"|"+d.Reply.Text]++
	}
	if len(seen) != 10 || len(all) != 10 {
		t.Errorf("%d deliveries of %d distinct prompts, want 10 of 10", len(all), len(seen))
	}
}

// TestRetryOnce: a send that fails is retried once after the timeout, and
// given up if that fails too.
func TestRetryOnce(t *testing.T) {
	ctx := context.Background()
	db := world(t, newCase("OSD-0001", "2026-11-02"))
	at := london("2026-12-02 09:40")
	rec := &recorder{Fail: map[string]error{tgRecvID: errors.New("telegram: 502 bad gateway")}}
	s := newScheduler(t, db, rec, nil, Config{})
	rep, err := s.Run(ctx, JobAttendancePrompt, at)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Jobs[0].Failed != 1 || rep.Jobs[0].Sent != 1 {
		t.Fatalf("report %+v, want 1 sent and 1 failed", rep.Jobs[0])
	}
	rep, err = s.Run(ctx, JobRetry, at.Add(11*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Jobs[0]; r.Due != 1 || r.Failed != 1 {
		t.Fatalf("first retry %+v, want 1 due, 1 failed", r)
	}
	rec.Fail = nil
	for _, m := range []time.Duration{25, 40, 60} {
		if _, err := s.Run(ctx, JobRetry, at.Add(m*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(rec.To(tgRecvID, "")); n != 0 {
		t.Errorf("sent %d times after the one retry failed, want 0", n)
	}
	var doc bson.M
	if err := db.Database().Collection(outboxCollection).FindOne(ctx, bson.D{{Key: "_id", Value: digestKey(tgRecvID, 1) + retrySuffix + doneSuffix}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["status"] != stAbandoned {
		t.Errorf("retry claim status = %v, want %s", doc["status"], stAbandoned)
	}
}

// TestParentBlockedBot: a parent who blocked the bot is marked unreachable
// and reported to home staff once; the rest of the batch still goes.
func TestParentBlockedBot(t *testing.T) {
	ctx := context.Background()
	c := newCase("OSD-7K2Q", "2026-11-02")
	c.People = append(c.People, offsitebot.Person{ID: "telegram:78", Role: offsitebot.RoleParent, Name: "Chris Taylor"})
	c.Meetings = []offsitebot.Meeting{{ID: "M1", At: london("2026-12-07 10:00"), Mode: offsitebot.InPerson,
		Invitations: []offsitebot.Invitation{{To: parentID}}}}
	db := world(t, c)
	rec := &recorder{Fail: map[string]error{parentID: fmt.Errorf("telegram: Forbidden: bot was blocked by the user: %w", bot.ErrUnreachable)}}
	s := newScheduler(t, db, rec, nil, Config{})
	rep, err := s.Run(ctx, JobFeedback, london("2026-12-03 17:00"))
	if err != nil {
		t.Fatal(err)
	}
	inv := rec.To("telegram:78", "review meeting about Sam's off-site direction (OSD-7K2Q) on Mon 7 Dec at 10:00")
	if len(inv) != 1 || !inv[0].Reply.Sensitive || fmt.Sprint(inv[0].Reply.Buttons) != fmt.Sprint([][]bot.Button{{{Label: "Give feedback", Data: "/feedback"}}}) {
		t.Errorf("invitation to the other parent = %+v", inv)
	}
	told := rec.To(homeID, "A parent on OSD-7K2Q (S.T.) can't be reached")
	if len(told) != 1 {
		t.Fatalf("home staff told %d times, want 1; sent %v; report %+v", len(told), rec.All(), rep)
	}
	id, err := db.Identity(ctx, parentID)
	if err != nil || !id.Unreachable {
		t.Errorf("identity %+v (err %v), want unreachable", id, err)
	}
	got, err := db.Case(ctx, "OSD-7K2Q")
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(got.People, func(p offsitebot.Person) bool { return p.ID == parentID }); i < 0 || !got.People[i].Unreachable {
		t.Errorf("people %+v, want %s unreachable", got.People, parentID)
	}
	// The next day nobody tries the blocked parent again, or tells staff twice.
	rec.Fail = nil
	if _, err := s.Run(ctx, JobFeedback, london("2026-12-04 17:00")); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.To(parentID, "")); n != 0 {
		t.Errorf("sent %d to the blocked parent", n)
	}
	if n := len(rec.To(homeID, "can't be reached")); n != 1 {
		t.Errorf("home staff told %d times, want 1", n)
	}
}

// TestWeeklyContact: the last contact between the schools was on Mon 2 Nov
// 2026, so the next is due Mon 9 Nov; on the school day before (Fri 6 Nov)
// home staff get one nudge, on the school day after (Tue 10 Nov) one
// escalation, which reaches the admins too.
func TestWeeklyContact(t *testing.T) {
	ctx := context.Background()
	c := newCase("OSD-7K2Q", "2026-10-01")
	c.LastSchoolContact = london("2026-11-02 11:00")
	for d := offsitebot.Date("2026-10-01"); d <= "2026-11-30"; d = d.AddDays(1) {
		c.Attendance = append(c.Attendance, offsitebot.AttendanceDay{Date: d, AM: "/", PM: "/"})
	}
	db := world(t, c)
	rec := &recorder{}
	s := newScheduler(t, db, rec, nil, Config{})
	perDay := map[offsitebot.Date][]string{}
	for _, at := range firings(t, "0 8 * * 1-5", london("2026-11-03 00:00"), london("2026-11-17 00:00")) {
		before := len(rec.All())
		for range 2 {
			if _, err := s.Run(ctx, JobContact, at); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range rec.All()[before:] {
			perDay[offsitebot.DateOf(at)] = append(perDay[offsitebot.DateOf(at)], d.To+" "+strings.SplitN(d.Reply.Text, ":", 2)[0])
		}
	}
	want := map[offsitebot.Date][]string{
		"2026-11-06": {homeID + " OSD-7K2Q (S.T.)"},
		"2026-11-10": {homeID + " ⚠ Weekly contact overdue — OSD-7K2Q (S.T.)", adminID + " ⚠ Weekly contact overdue — OSD-7K2Q (S.T.)"},
	}
	if fmt.Sprint(perDay) != fmt.Sprint(want) {
		t.Errorf("contact reminders by day = %q, want %q", perDay, want)
	}
	if d := rec.To(homeID, "no contact with the receiving school for 4 days — due by Mon 9 Nov"); len(d) != 1 || !strings.Contains(d[0].Reply.Text, "contact OSD-7K2Q receiving phone") {
		t.Errorf("nudge = %v, want the 4-day text and the command", d)
	}
}

// TestReviewNudges: an invitation deadline with no parent linked is nudged
// once while due and daily once overdue.
func TestReviewNudges(t *testing.T) {
	ctx := context.Background()
	c := newCase("OSD-7K2Q", "2026-11-02")
	c.People = nil
	c.Meetings = []offsitebot.Meeting{{ID: "M1", At: london("2026-12-10 10:00"), Mode: offsitebot.InPerson}}
	// In touch with the family, and the notice given: no nudge about those among these.
	c.Contacts = []offsitebot.Contact{{ID: "C1", At: london("2026-11-30 10:00"), With: "parent", How: "phone", By: homeID, Via: offsitebot.Slack}}
	c.NoticeGiven = london("2026-10-20 10:00")
	db := world(t, c)
	rec := &recorder{}
	s := newScheduler(t, db, rec, nil, Config{})
	for _, day := range []string{"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07", "2026-12-08"} {
		for range 2 {
			if _, err := s.Run(ctx, JobReviews, london(day+" 08:05")); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	for _, d := range remindersTo(rec, homeID, "invitation for the Thu 10 Dec meeting") {
		got = append(got, strings.SplitN(d.Reply.Text, ":", 2)[0])
	}
	// Due by Fri 4 Dec: nudged on 1 Dec, then once on each school day overdue.
	want := []string{"OSD-7K2Q (S.T.)", "⚠ Overdue — OSD-7K2Q (S.T.)", "⚠ Overdue — OSD-7K2Q (S.T.)"}
	if !slices.Equal(got, want) {
		t.Errorf("invitation nudges = %q, want %q", got, want)
	}
}

// TestClockChangeDays: on the Sundays the clocks change, a reminder due that
// day (a parent's feedback invitation, 4 days before a Thursday meeting, on a
// daily schedule) goes out exactly once, at 17:00 London, however often the
// jobs run around the changed hour.
func TestClockChangeDays(t *testing.T) {
	for _, tt := range []struct {
		day, meeting string
		repeated     []time.Time // instants in the hour the clocks skip or repeat
	}{
		{"2026-03-29", "2026-04-02 10:00", []time.Time{
			time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)}},
		{"2026-10-25", "2026-10-29 10:00", []time.Time{ // 01:30 BST, then 01:30 GMT
			time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)}},
	} {
		t.Run(tt.day, func(t *testing.T) {
			ctx := context.Background()
			c := newCase("OSD-7K2Q", "2026-01-05")
			c.Meetings = []offsitebot.Meeting{{ID: "M3", At: london(tt.meeting), Mode: offsitebot.InPerson, Invitations: []offsitebot.Invitation{{To: parentID}}}}
			db := world(t, c)
			rec := &recorder{}
			s := newScheduler(t, db, rec, nil, Config{Feedback: "0 17 * * *"})
			day := offsitebot.Date(tt.day)
			// Catch-up runs in the changed hour: nothing of the day is due yet.
			for _, at := range tt.repeated {
				if _, err := s.RunAt(ctx, at); err != nil {
					t.Fatal(err)
				}
			}
			for _, at := range firings(t, "0 17 * * *", day.AddDays(-2).Time(), day.AddDays(3).Time()) {
				for range 2 {
					if _, err := s.Run(ctx, JobFeedback, at); err != nil {
						t.Fatal(err)
					}
					if _, err := s.RunAt(ctx, at.Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := rec.To(parentID, "(OSD-7K2Q)")
			if len(got) != 1 {
				t.Fatalf("%d feedback invitations, want 1: %v", len(got), got)
			}
			var doc struct {
				ClaimedAt time.Time `bson:"claimedAt"`
			}
			if err := db.Database().Collection(outboxCollection).FindOne(ctx,
				bson.D{{Key: "keys", Value: key(KindFeedback, "OSD-7K2Q", parentID, "M3")}}).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			if at := doc.ClaimedAt.In(offsitebot.London); offsitebot.DateOf(at) != day || at.Format("15:04") != "17:00" {
				t.Errorf("invitation sent at %s, want %s 17:00", at, day)
			}
		})
	}
}

// TestClaimsStampedWithTheClock: a catch-up run (as of 09:40, at 15:00)
// stamps its claims 15:00, so a replica's retry leaves them alone until the
// claim timeout has passed since then, and the crash's leftovers go once.
func TestClaimsStampedWithTheClock(t *testing.T) {
	ctx := context.Background()
	db := world(t, newCase("OSD-0001", "2026-11-02"), newCase("OSD-0002", "2026-11-02"))
	clk := bottest.NewClock(london("2026-12-02 15:00"))
	crashCtx, crash := context.WithCancel(ctx)
	r1 := &recorder{Hook: func(ctx context.Context, to string) error {
		crash()
		return ctx.Err()
	}}
	s1 := newScheduler(t, db, r1, clk.Now, Config{})
	if _, err := s1.Run(crashCtx, JobAttendancePrompt, london("2026-12-02 09:40")); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashing run: err = %v, want context.Canceled", err)
	}
	r2 := &recorder{}
	s2 := newScheduler(t, db, r2, clk.Now, Config{})
	for _, tc := range []struct {
		at   string
		want int // deliveries so far
	}{
		{"2026-12-02 15:05", 0}, // 5 minutes after the claims: not stale
		{"2026-12-02 15:11", 4},
		{"2026-12-02 15:30", 4},
	} {
		clk.Set(london(tc.at))
		if _, err := s2.Run(ctx, JobRetry, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got := len(reminded(r2.All())); got != tc.want {
			t.Errorf("after the retry at %s: %d reminders delivered, want %d", tc.at, got, tc.want)
		}
	}
}

// TestLongBurst: a run still sending when half the claim timeout has passed
// stops, and one retry sends the rest, so no claim is sent by both.
func TestLongBurst(t *testing.T) {
	ctx := context.Background()
	var cases []*offsitebot.Case
	for i := range 3 { // staff get a digest of 3, each case's contact a prompt alone
		cases = append(cases, newCase(fmt.Sprintf("OSD-%04d", i), "2026-11-02"))
	}
	ownContacts(cases)
	db := world(t, cases...)
	clk := bottest.NewClock(london("2026-12-02 09:40"))
	slow := &recorder{Hook: func(context.Context, string) error {
		clk.Set(clk.Now().Add(3 * time.Minute)) // each send takes 3 minutes
		return nil
	}}
	s := newScheduler(t, db, slow, clk.Now, Config{})
	rep, err := s.Run(ctx, JobAttendancePrompt, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The staff digest and the first contact's prompt, then 6 minutes have passed.
	if r := rep.Jobs[0]; r.Due != 6 || r.Sent != 4 || r.Failed != 2 {
		t.Fatalf("burst report %+v, want 6 due, 4 sent, 2 left", r)
	}
	// The retry is slow too, and goes on to the end.
	clk.Set(london("2026-12-02 09:51"))
	rep, err = s.Run(ctx, JobRetry, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Jobs[0]; r.Due != 2 || r.Sent != 2 {
		t.Errorf("retry report %+v, want 2 due and sent", r)
	}
	for k, n := range countByKey(slow.All()) {
		if n != 1 {
			t.Errorf("sent %d times: %s", n, k)
		}
	}
	if n := len(reminded(slow.All())); n != 6 {
		t.Errorf("%d reminders delivered, want 6", n)
	}
}

// TestPurge: claims are forgotten after their purge time by the clock, and a
// run as of a later day forgets nothing the clock still needs.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	db := world(t, newCase("OSD-0001", "2026-11-02"))
	outbox := db.Database().Collection(outboxCollection)
	count := func() int64 {
		t.Helper()
		n, err := outbox.CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	clk := bottest.NewClock(london("2026-12-02 09:40"))
	rec := &recorder{}
	if _, err := newScheduler(t, db, rec, clk.Now, Config{}).Run(ctx, JobAttendancePrompt, clk.Now()); err != nil {
		t.Fatal(err)
	}
	kept := count() // 2 claims and their outcomes
	for _, tc := range []struct {
		clock, at string
		want      int64
	}{
		{"2026-12-02 13:30", "2026-12-20 13:30", kept}, // as of a later day: the clock says keep
		{"2026-12-04 13:30", "2026-12-04 13:30", kept}, // within dayKeep
		{"2026-12-06 13:30", "2026-12-06 13:30", 0},
	} {
		clk.Set(london(tc.clock))
		// A new scheduler for each, as the purge runs once a day per process.
		if _, err := newScheduler(t, db, rec, clk.Now, Config{}).Run(ctx, JobRetry, london(tc.at)); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != tc.want {
			t.Errorf("clock %s, run as of %s: %d outbox documents, want %d", tc.clock, tc.at, got, tc.want)
		}
	}
	if kept != 4 {
		t.Errorf("%d outbox documents after the prompt, want 4", kept)
	}
}

// TestStaffBlockedBot: receiving-school staff found through their school, not
// linked to the case, are marked unreachable without touching the case.
func TestStaffBlockedBot(t *testing.T) {
	ctx := context.Background()
	db := world(t, newCase("OSD-7K2Q", "2026-11-02"))
	rec := &recorder{Fail: map[string]error{recvID: fmt.Errorf("slack: account_inactive: %w", bot.ErrUnreachable)}}
	rep, err := newScheduler(t, db, rec, nil, Config{}).Run(ctx, JobAttendancePrompt, london("2026-12-02 09:40"))
	if err != nil {
		t.Fatalf("run: %v (report %+v)", err, rep)
	}
	if id, err := db.Identity(ctx, recvID); err != nil || !id.Unreachable {
		t.Errorf("identity %+v (err %v), want unreachable", id, err)
	}
	got, err := db.Case(ctx, "OSD-7K2Q")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 {
		t.Errorf("case version %d: want it untouched", got.Version)
	}
	if n := len(rec.To(homeID, "A receiving contact on OSD-7K2Q (S.T.) can't be reached")); n != 1 {
		t.Errorf("home staff told %d times, want 1", n)
	}
}

// TestFeedbackNotAskedTwice: a parent who has given their view since the last
// review is not asked again before the next; the other parent is.
func TestFeedbackNotAskedTwice(t *testing.T) {
	ctx := context.Background()
	c := newCase("OSD-7K2Q", "2026-11-02")
	c.Meetings = []offsitebot.Meeting{{ID: "M1", At: london("2026-12-07 10:00"), Mode: offsitebot.InPerson}}
	for i := range c.People {
		if c.People[i].ID == parentID {
			c.People[i].LastFeedback = london("2026-12-02 12:00")
		}
	}
	const other = "telegram:777"
	c.People = append(c.People, offsitebot.Person{ID: other, Role: offsitebot.RoleParent})
	db := world(t, c)
	rec := &recorder{}
	s := newScheduler(t, db, rec, nil, Config{})
	if _, err := s.Run(ctx, JobFeedback, london("2026-12-03 17:00")); err != nil {
		t.Fatal(err)
	}
	if got := rec.To(parentID, "(OSD-7K2Q)"); len(got) != 0 {
		t.Errorf("the parent who answered was asked again: %v", got)
	}
	if got := rec.To(other, "(OSD-7K2Q)"); len(got) != 1 {
		t.Errorf("the other parent got %d invitations, want 1", len(got))
	}
}

// TestDigest: a run sends each person one message, however many cases and
// jobs have something for them: home staff of 40 cases get their contact and
// review nudges in one digest grouped by job, each receiving contact their
// 40 prompts in another, each an item with the button that answers it. Two
// replicas running the same instant send it once, and a repeat run, at that
// instant or later that day, sends nothing more. The run writes one claim
// and one outcome a person, and one chronology entry a case.
func TestDigest(t *testing.T) {
	ctx := context.Background()
	var cases []*offsitebot.Case
	for i := range 40 {
		c := newCase(fmt.Sprintf("OSD-%04d", i), "2026-11-02")
		c.LastSchoolContact = london("2026-11-20 10:00") // weekly contact overdue
		cases = append(cases, c)
	}
	db := world(t, cases...)
	recs := []*recorder{{}, {}}
	at := london("2026-12-02 09:40")
	var wg sync.WaitGroup
	for _, rec := range recs {
		s := newScheduler(t, db, rec, nil, Config{})
		wg.Go(func() {
			if _, err := s.RunAt(ctx, at); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	all := append(recs[0].All(), recs[1].All()...)
	perPerson := map[string]int{}
	for _, d := range all {
		perPerson[d.To]++
	}
	for _, to := range []string{homeID, adminID, recvID, tgRecvID} {
		if perPerson[to] != 1 {
			t.Errorf("%s got %d messages, want one", to, perPerson[to])
		}
	}
	if len(perPerson) != 4 {
		t.Errorf("messages to %v, want one each to home staff, the admin and the two receiving contacts", perPerson)
	}
	byTo := map[string]bot.Reply{}
	for _, d := range all {
		byTo[d.To] = d.Reply
	}
	home := byTo[homeID]
	if len(home.Items) < 2*len(cases) || !strings.Contains(home.Text, "Weekly contact between the schools:") ||
		!strings.Contains(home.Text, "Reviews, notices and deadlines:") {
		t.Errorf("home staff got %q with %d items, want each case's contact escalation and review nudges grouped by job", home.Title, len(home.Items))
	}
	for _, to := range []string{recvID, tgRecvID} {
		r := byTo[to]
		if r.Title != "40 reminders" || len(r.Items) != 40 {
			t.Fatalf("%s got %q with %d items, want 40 prompts", to, r.Title, len(r.Items))
		}
		for i, it := range r.Items {
			ref := cases[i].Ref
			if !strings.Contains(it.Text, ref) || it.Action == nil || it.Action.Data != "/attendance "+ref+` 2026-12-02 / \` {
				t.Errorf("%s item %d: %q with %+v, want %s's prompt and its Present button", to, i, it.Text, it.Action, ref)
			}
		}
	}

	// Again, at that instant and later that day: nothing more.
	s := newScheduler(t, db, recs[0], nil, Config{})
	for _, again := range []time.Time{at, at.Add(50 * time.Minute)} {
		rep, err := s.RunAt(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range rep.Jobs {
			if j.Sent != 0 || j.Duplicate != j.Due {
				t.Errorf("repeat at %s: %+v, want every reminder already sent", again.Format("15:04"), j)
			}
		}
	}
	if n := len(recs[0].All()) + len(recs[1].All()); n != 4 {
		t.Errorf("%d messages after the repeats, want the 4", n)
	}

	docs, err := db.Database().Collection(outboxCollection).CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if docs != 2*4 {
		t.Errorf("%d outbox documents, want a claim and an outcome for each of 4 people", docs)
	}
	for _, c := range cases[:3] {
		log, err := db.AuditLog(ctx, c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		var sent []string
		for _, e := range log {
			if e.Action == "reminder sent" {
				sent = append(sent, e.Detail)
			}
		}
		if len(sent) != 1 || strings.Count(sent[0], KindAttendancePrompt+" to ") != 2 ||
			!strings.Contains(sent[0], KindAttendancePrompt+" to "+tgRecvID+": Attendance for S.T. ("+c.Ref+")") {
			t.Errorf("%s chronology of reminders = %q, want one entry naming each reminder sent", c.Ref, sent)
		}
	}
}

// TestReceivingSchoolClosed checks that on a day the receiving school alone is
// closed (its INSET day), its cases get no prompt and no summary line, while
// a case at another receiving school is asked as usual.
func TestReceivingSchoolClosed(t *testing.T) {
	ctx := context.Background()
	closed := newCase("OSD-0001", "2026-11-02")
	open := newCase("OSD-0002", "2026-11-02")
	open.ReceivingURN = "188888"
	db := world(t, closed, open)
	rec := &recorder{}
	s := newScheduler(t, db, rec, nil, Config{})
	s.cal = offsitebot.NewCalendar(nil, []offsitebot.Closure{{From: "2026-12-02", To: "2026-12-02", Name: "INSET day", URN: recvURN}})

	for _, tc := range []struct {
		job, at string
	}{
		{JobAttendancePrompt, "2026-12-02 09:40"},
		{JobAttendanceSummary, "2026-12-02 16:00"},
	} {
		if _, err := s.Run(ctx, tc.job, london(tc.at)); err != nil {
			t.Fatalf("%s: %v", tc.job, err)
		}
	}
	if got := rec.To(tgRecvID, "OSD-0001"); len(got) != 0 {
		t.Errorf("prompted for a case whose receiving school is closed: %v", got)
	}
	for _, d := range rec.All() {
		if strings.Contains(d.Reply.Text, "OSD-0001") {
			t.Errorf("sent about OSD-0001 on its receiving school's INSET day: %q to %s", d.Reply.Text, d.To)
		}
	}
	if got := rec.To(tgRecvID, "OSD-0002"); len(got) != 1 {
		t.Errorf("prompts for the case whose receiving school is open = %d, want 1: %v", len(got), rec.All())
	}
}
