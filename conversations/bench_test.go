package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage/seed"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// BenchmarkCommands answers staff commands through the router, end to end
// (identity, permission check, flow, storage, reply), on the embedded server
// holding the seed fixture: 1,000 term-long cases of which 200 are active
// (10,000 and 2,000 with OFFSITEBOT_BENCH_LARGE=1). Each reports its round
// trips, and the floor: the bare driver read of the documents the command
// needs (one case; the active cases of the school, or all of them for the
// LA), or the bare read and update of the one case it changes.
//
//	go test ./conversations -run '^$' -bench Commands -benchtime 3x
func BenchmarkCommands(b *testing.B) {
	for _, o := range storagetest.BenchSizes() {
		b.Run(storagetest.Name(o), func(b *testing.B) { benchCommands(b, o) })
	}
}

func benchCommands(b *testing.B, o seed.Options) {
	ctx := context.Background()
	db, f, trips := storagetest.Seeded(b, o)
	now := o.Now
	e := conversations.New(conversations.Deps{Store: db, Send: bot.NewDispatcher(), Now: func() time.Time { return now }, Calendar: o.Calendar})
	router := e.Router()
	staff := seed.HomeStaff(seed.HomeURN)
	var mine []string // the home staff's active cases
	for _, c := range f.Cases {
		if c.Status == offsitebot.Active && c.HomeURN == seed.HomeURN {
			mine = append(mine, c.Ref)
		}
	}
	say := func(who, text, want string) {
		replies := router.Handle(ctx, bot.Request{Platform: offsitebot.Shell, UserID: who, Text: text})
		if len(replies) == 0 || !strings.Contains(replies[0].Text, want) {
			b.Fatalf("%s: %q answered %+v, want %q", who, text, replies, want)
		}
	}
	// The floors: the documents read by _id, lean as lists read them (a
	// filter would decode every case stored, ended ones too: a minute here);
	// and one case read and updated, in a copy of its own, so that the
	// cases storage keeps are changed by storage only.
	cases := db.Database().Collection("cases")
	lean := options.FindOne().SetProjection(bson.D{{Key: "contacts", Value: 0}, {Key: "feedback", Value: 0}, {Key: "audit", Value: 0}})
	readAll := func(refs []string) func() {
		return func() {
			for _, ref := range refs {
				var c offsitebot.Case
				if err := cases.FindOne(ctx, bson.D{{Key: "_id", Value: ref}}, lean).Decode(&c); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if raw, err := cases.FindOne(ctx, bson.D{{Key: "_id", Value: mine[0]}}).Raw(); err == nil {
		b.Logf("%s as stored: %d bytes of BSON", mine[0], len(raw))
	}
	floorCase := db.Database().Collection("bench_floor")
	if _, err := floorCase.InsertOne(ctx, f.Cases[0]); err != nil {
		b.Fatal(err)
	}
	readOne := func(coll *mongo.Collection) {
		var c offsitebot.Case
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: mine[0]}}).Decode(&c); err != nil {
			b.Fatal(err)
		}
	}
	readUpdate := func(push bson.D) {
		readOne(floorCase)
		if _, err := floorCase.UpdateOne(ctx, bson.D{{Key: "_id", Value: mine[0]}}, bson.D{{Key: "$push", Value: push}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
			b.Fatal(err)
		}
	}
	var active []string
	for _, c := range f.Cases {
		if c.Status == offsitebot.Active {
			active = append(active, c.Ref)
		}
	}
	// The first list after start reads the active cases into memory.
	t0 := time.Now()
	say(seed.LA, "due", "due")
	b.Logf("first due after start (reads the %d active cases): %v", o.Active, time.Since(t0))
	i := 0
	next := func() string { i++; return mine[i%len(mine)] }
	for _, bc := range []struct {
		name      string
		who, want string
		text      func() string
		floor     func()
	}{
		// The fixture is kept up to date: home staff have nothing due (it
		// would show had a list lost what due reads, such as the last
		// contact with the family); the LA sees what falls due today.
		{"due", staff, fmt.Sprintf("Nothing is due or overdue from you on your %d active cases.", len(mine)), func() string { return "due" }, readAll(mine)},
		{"due-la", seed.LA, "Coming up:", func() string { return "due" }, readAll(active)},
		{"cases", staff, mine[0], func() string { return "cases" }, readAll(mine)},
		{"cases-la", seed.LA, mine[0], func() string { return "cases" }, readAll(active)},
		{"show", staff, "DEMO CASE", func() string { return "show " + next() }, func() { readOne(cases) }},
		{"contact", staff, "Logged for", func() string {
			return "contact " + next() + " receiving phone Spoke to the head of year: a settled week."
		},
			func() {
				readUpdate(bson.D{{Key: "contacts", Value: offsitebot.Contact{ID: "C99", At: now, With: "receiving", How: "phone", Summary: "Spoke to the head of year: a settled week.", By: staff}}})
			}},
		{"attendance", staff, "Recorded for", func() string { return "attendance " + next() + ` today / \` },
			func() {
				readUpdate(bson.D{{Key: "attendance", Value: offsitebot.AttendanceDay{Date: offsitebot.DateOf(now), AM: "/", PM: `\`, By: staff, At: now}}})
			}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			storagetest.Measure(b, trips, nil, func() { say(bc.who, bc.text(), bc.want) }, bc.floor)
		})
	}
}
