package conversations_test

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// BenchmarkLogContact logs a contact through the router (identity, permission
// check, flow, case update with audit, reply) and, interleaved so both see the
// same server state, a bare driver InsertOne of the same contact document.
// The ratio is the cost of everything offsitebot adds.
func BenchmarkLogContact(b *testing.B) {
	ctx := context.Background()
	db := storagetest.New(b)
	clk := bottest.NewClock(london("2026-12-02 10:00"))
	e := conversations.New(conversations.Deps{Store: db, Send: bot.NewDispatcher(), Now: clk.Now, Calendar: offsitebot.NewCalendar(nil, nil)})
	router := e.Router()
	if err := db.PutSchool(ctx, offsitebot.School{URN: "100001", Name: "Oakfield"}); err != nil {
		b.Fatal(err)
	}
	if err := db.PutSchool(ctx, offsitebot.School{URN: "100002", Name: "Riverside"}); err != nil {
		b.Fatal(err)
	}
	if err := db.PutIdentity(ctx, offsitebot.Identity{ID: home, Role: offsitebot.RoleHome, URN: "100001"}); err != nil {
		b.Fatal(err)
	}
	refRE := regexp.MustCompile(`OSD-[0-9A-Z]{4}`)
	say := func(text string) string {
		return router.Handle(ctx, bot.Request{Platform: offsitebot.Shell, UserID: home, Text: text})[0].Text
	}
	newCase := func() string {
		return refRE.FindString(say(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-11-30 startok=yes`))
	}
	bare := db.Database().Collection("bench_contacts")
	const summary = "Spoke to Ms Khan; good first week, one late arrival"
	ref := newCase()
	var viaRouter, viaDriver time.Duration
	n := 0
	for b.Loop() {
		// A real case gathers a few dozen contacts; start a new one every 50 so
		// the document stays the size cases really are.
		if n > 0 && n%50 == 0 {
			ref = newCase()
		}
		n++
		t0 := time.Now()
		reply := say("contact " + ref + " receiving phone " + summary)
		viaRouter += time.Since(t0)
		if reply[:6] != "Logged" {
			b.Fatalf("not logged: %s", reply)
		}
		doc := offsitebot.Contact{ID: fmt.Sprint(n), At: clk.Now(), With: "receiving", How: "phone", Summary: summary, By: home, Via: offsitebot.Shell}
		t1 := time.Now()
		if _, err := bare.InsertOne(ctx, doc); err != nil {
			b.Fatal(err)
		}
		viaDriver += time.Since(t1)
	}
	b.ReportMetric(float64(viaRouter.Microseconds())/float64(n), "router-µs/op")
	b.ReportMetric(float64(viaDriver.Microseconds())/float64(n), "insert-µs/op")
	b.ReportMetric(float64(viaRouter)/float64(viaDriver), "ratio")
}

// BenchmarkDue10k answers `due` for an LA officer who sees 10,000 active cases,
// counting the database round trips per answer: they must not grow with the
// number of cases.
func BenchmarkDue10k(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) { benchmarkDue(b, n) })
	}
}

func benchmarkDue(b *testing.B, cases int) {
	ctx := context.Background()
	var trips atomic.Int64
	db := storagetest.Open(b, storage.Config{Monitor: &event.CommandMonitor{
		Started: func(context.Context, *event.CommandStartedEvent) { trips.Add(1) },
	}})
	now := london("2026-12-02 10:00")
	e := conversations.New(conversations.Deps{Store: db, Send: bot.NewDispatcher(), Now: func() time.Time { return now }, Calendar: offsitebot.NewCalendar(nil, nil)})
	router := e.Router()
	if err := db.PutIdentity(ctx, offsitebot.Identity{ID: la, Role: offsitebot.RoleLA}); err != nil {
		b.Fatal(err)
	}
	docs := make([]any, cases)
	start := offsitebot.Date("2026-11-16")
	for i := range docs {
		c := offsitebot.Case{
			Ref: fmt.Sprintf("OSD-%05d", i), Version: 1, Status: offsitebot.Active, Pupil: "Pupil", DOB: "2012-01-01",
			HomeURN: "100001", ReceivingURN: "100002", Start: start, Opened: now,
			LastSchoolContact: now.Add(-time.Duration(i%10) * 24 * time.Hour),
			Contacts:          []offsitebot.Contact{}, Meetings: []offsitebot.Meeting{}, Requests: []offsitebot.ReviewRequest{},
			Feedback: []offsitebot.Feedback{}, People: []offsitebot.Person{}, Audit: []offsitebot.AuditEvent{},
		}
		for d := start; d < offsitebot.DateOf(now); d = d.AddDays(1) {
			if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && i%7 != 0 {
				c.Attendance = append(c.Attendance, offsitebot.AttendanceDay{Date: d, AM: "/", PM: "/", By: recv, At: d.At(9, 40)})
			}
		}
		docs[i] = c
	}
	if _, err := db.Database().Collection("cases").InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	trips.Store(0)
	ops := 0
	for b.Loop() {
		replies := router.Handle(ctx, bot.Request{Platform: offsitebot.Shell, UserID: la, Text: "due"})
		if len(replies) == 0 || len(replies[0].Text) < 100 {
			b.Fatalf("due answered %+v", replies)
		}
		ops++
	}
	b.ReportMetric(float64(trips.Load())/float64(ops), "roundtrips/op")
}
