package reminders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/embedded"
)

// TestTwoEnginesOneServer runs two whole engines (a router and a reminder
// scheduler each) against one MongoDB-wire server reached by URI, as two
// replicas would: without the embedded server's in-process lock, on a server
// that does not make a filtered update atomic. They race to redeem join
// codes, to log contacts on the same cases and to send the same reminders:
// no code links two people, every contact acknowledged is stored, and every
// reminder goes once.
func TestTwoEnginesOneServer(t *testing.T) {
	ctx := context.Background()
	srv, err := embedded.Start(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	clk := bottest.NewClock(london("2026-12-02 09:40"))
	open := func() *storage.DB {
		db, err := storage.Open(ctx, storage.Config{URI: srv.URI(), Database: "twoengines", Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(ctx) })
		return db
	}
	dbs := []*storage.DB{open(), open()}
	const ncases = 3
	var refs []string
	var cases []*offsitebot.Case
	for i := range ncases {
		ref := fmt.Sprintf("OSD-TW0%d", i)
		refs = append(refs, ref)
		cases = append(cases, newCase(ref, "2026-11-02"))
	}
	seed(t, dbs[0], cases...)
	const writers = 3 // home staff per engine
	for r := range dbs {
		for w := range writers {
			id := offsitebot.Identity{ID: fmt.Sprintf("slack:T1:UH%d%d", r, w), Role: offsitebot.RoleHome, Name: "Staff", URN: homeURN}
			if err := dbs[0].PutIdentity(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, ref := range refs {
		jc := offsitebot.JoinCode{Code: fmt.Sprint("JOIN", i), Case: ref, Role: offsitebot.RoleParent,
			Created: clk.Now(), CreatedBy: homeID, Expires: clk.Now().Add(offsitebot.JoinCodeLife)}
		if err := dbs[0].CreateJoinCode(ctx, jc); err != nil {
			t.Fatal(err)
		}
	}
	var routers []*bot.Router
	var scheds []*Scheduler
	var recs []*recorder
	for _, db := range dbs {
		rec := &recorder{}
		recs = append(recs, rec)
		routers = append(routers, conversations.New(conversations.Deps{Store: db, Send: rec, Now: clk.Now,
			Calendar: offsitebot.NewCalendar(nil, nil), Log: discard()}).Router())
		scheds = append(scheds, newScheduler(t, db, rec, clk.Now, Config{}))
	}

	var mu sync.Mutex
	acked := map[string][]string{} // case -> contact summaries acknowledged
	var wg sync.WaitGroup
	for r, router := range routers {
		// Three people per engine try every code.
		for i := range ncases {
			for k := range 3 {
				wg.Go(func() {
					router.Handle(ctx, bot.Request{Platform: offsitebot.Telegram, UserID: fmt.Sprintf("telegram:9%d%d%d", r, i, k),
						Name: "Parent", Text: fmt.Sprint("/start JOIN", i)})
				})
			}
		}
		// Each staff member logs a contact on every case.
		for w := range writers {
			wg.Go(func() {
				for _, ref := range refs {
					summary := fmt.Sprintf("Call r%dw%d", r, w)
					replies := router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: fmt.Sprintf("slack:T1:UH%d%d", r, w),
						Text: fmt.Sprintf("contact %s receiving phone %s", ref, summary), Command: true})
					if len(replies) > 0 && strings.Contains(replies[0].Text, "Logged for") {
						mu.Lock()
						acked[ref] = append(acked[ref], summary)
						mu.Unlock()
					}
				}
			})
		}
		// Both schedulers send the morning prompts meanwhile.
		wg.Go(func() {
			if _, err := scheds[r].Run(ctx, JobAttendancePrompt, clk.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	for i, ref := range refs {
		c, err := dbs[1].Case(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		var parents []string
		for _, p := range c.People {
			if p.Role == offsitebot.RoleParent && p.ID != parentID {
				parents = append(parents, p.ID)
			}
		}
		if len(parents) != 1 {
			t.Errorf("JOIN%d linked %v to %s, want exactly one person", i, parents, ref)
		}
		var stored []string
		for _, ct := range c.Contacts {
			stored = append(stored, ct.Summary)
		}
		want := acked[ref]
		slices.Sort(stored)
		slices.Sort(want)
		if !slices.Equal(stored, want) {
			t.Errorf("%s: contacts stored %q, acknowledged %q", ref, stored, want)
		}
		t.Logf("%s: %d contacts acknowledged and stored, linked %v", ref, len(want), parents)
		if len(want) < writers {
			t.Errorf("%s: only %d of %d contacts acknowledged", ref, len(want), 2*writers)
		}
	}
	sent := countByKey(append(recs[0].All(), recs[1].All()...))
	prompts := 0
	for k, n := range sent {
		if strings.HasPrefix(k, tgRecvID+"|") {
			prompts++
			if n != 1 {
				t.Errorf("sent %d times: %s", n, k)
			}
		}
	}
	if prompts != ncases {
		t.Errorf("%d attendance prompts sent, want %d", prompts, ncases)
	}
}
