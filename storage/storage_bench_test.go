package storage_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// benchCases is the number of active cases the sweeps are timed over: far
// more than one local authority has, to show how the cost grows.
const benchCases = 10_000

// BenchmarkCasesActive10k times the reminders' sweep read: every active case,
// without contacts, feedback and audit, in one query.
func BenchmarkCasesActive10k(b *testing.B) {
	ctx := context.Background()
	db, commands := benchDB(b, benchCases)
	var got []offsitebot.Case
	var err error
	start := commands.Load()
	n := 0
	for b.Loop() {
		if got, err = db.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if len(got) != benchCases {
		b.Fatalf("read %d cases, want %d", len(got), benchCases)
	}
	b.ReportMetric(float64(commands.Load()-start)/float64(n), "roundtrips/op")
}

// BenchmarkCasesActive10kBareDriver is the same read with the driver's
// defaults (whole documents, default batch size), for comparison.
func BenchmarkCasesActive10kBareDriver(b *testing.B) {
	ctx := context.Background()
	db, commands := benchDB(b, benchCases)
	start := commands.Load()
	n := 0
	for b.Loop() {
		cur, err := db.Database().Collection("cases").Find(ctx, bson.D{{Key: "status", Value: offsitebot.Active}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			b.Fatal(err)
		}
		var got []offsitebot.Case
		if err := cur.All(ctx, &got); err != nil {
			b.Fatal(err)
		}
		if len(got) != benchCases {
			b.Fatalf("read %d cases, want %d", len(got), benchCases)
		}
		n++
	}
	b.ReportMetric(float64(commands.Load()-start)/float64(n), "roundtrips/op")
}

// BenchmarkUpdateCase1k changes one case among 1,100 the way every command
// does: read by _id, check the version, update by _id. On the embedded
// server each of those is an index search, not a scan, so it must not grow
// with the number of cases.
func BenchmarkUpdateCase1k(b *testing.B) {
	db, commands := benchDB(b, 1000)
	ctx := context.Background()
	start, n := commands.Load(), 0
	for b.Loop() {
		ref := fmt.Sprintf("OSD-B%05d", n%1000)
		_, err := db.UpdateCase(ctx, ref, func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
			c.Arrival = fmt.Sprint("Reception, visit ", n)
			return nil, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(commands.Load()-start)/float64(n), "roundtrips/op")
}

// benchDB returns a database holding n active cases (and a tenth as many
// ended ones, which a sweep must skip), and a count of the commands its
// client has sent.
func benchDB(b *testing.B, n int) (*storage.DB, *atomic.Int64) {
	b.Helper()
	var commands atomic.Int64
	db := storagetest.Open(b, storage.Config{Monitor: &event.CommandMonitor{
		Started: func(context.Context, *event.CommandStartedEvent) { commands.Add(1) },
	}})
	docs := make([]any, 0, n+n/10)
	for i := range cap(docs) {
		c := benchCase(i)
		if i >= n {
			c.Status = offsitebot.Ended
		}
		docs = append(docs, c)
	}
	ctx := context.Background()
	if _, err := db.Database().Collection("cases").InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	return db, &commands
}

// benchCase is a case three weeks in: a fortnight of attendance, a review
// held and one scheduled, a request, two people, and the contacts and audit
// trail that the sweep leaves out.
func benchCase(i int) *offsitebot.Case {
	c := testCase(fmt.Sprintf("OSD-B%05d", i), offsitebot.Active, fmt.Sprintf("1%05d", i%200), fmt.Sprintf("2%05d", i%40))
	c.Version = 1
	c.People = append(c.People, offsitebot.Person{ID: "slack:T1:U9", Role: offsitebot.RoleReceiving, Name: "Jo Smith", Joined: t0})
	day := offsitebot.Date("2025-03-10")
	c.Attendance = c.Attendance[:0]
	for d := range 14 {
		c.Attendance = append(c.Attendance, offsitebot.AttendanceDay{Date: day.AddDays(d), AM: "/", PM: "\\", By: "slack:T1:U9", At: t0, Via: offsitebot.Slack})
	}
	held := c.Meetings[0]
	held.ID, held.At = "m0", t0.Add(-7*24*time.Hour)
	held.Invitations = []offsitebot.Invitation{{To: "telegram:1", Sent: t0, Answer: offsitebot.AnswerYes, Answered: t0}}
	held.Outcome = &offsitebot.ReviewOutcome{Met: "partly", Successes: "Attends every day.", Voice: "Likes the small groups.", Concerns: "Maths.",
		Interventions: "Tutoring.", Decision: offsitebot.DecisionContinue, Attended: "home, receiving, parent", Recorded: t0, By: "slack:T1:U1"}
	c.Meetings = append([]offsitebot.Meeting{held}, c.Meetings...)
	for k := range 10 {
		c.Contacts = append(c.Contacts, offsitebot.Contact{ID: fmt.Sprint("c", k+2), At: t0, With: "home", How: "phone",
			Summary: "A weekly call about how the week went, what worked and what the plan is for next week.", By: "slack:T1:U9", Via: offsitebot.Slack})
		c.Audit = append(c.Audit, offsitebot.AuditEvent{At: t0, By: "slack:T1:U9", Via: offsitebot.Slack, Action: "contact", Case: c.Ref})
	}
	return c
}
