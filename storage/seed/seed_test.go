package seed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage/seed"
	"github.com/offsitebot/offsitebot/storage/storagetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

var now = offsitebot.Date("2026-12-03").At(10, 0)

// TestBuild checks the fixture is what a term of real work leaves: every
// school day's attendance, contact with the other school and the family
// every week, reviews every fortnight with
// outcomes and the family's views, demo markings, cases of the size the
// benchmarks claim, and nothing overdue on an active case but today's work.
func TestBuild(t *testing.T) {
	t.Parallel()
	cal := offsitebot.NewCalendar(offsitebot.EnglandWalesBankHolidays(), nil)
	f, err := seed.Build(seed.Options{Cases: 12, Active: 5, Weeks: 13, Now: now, Calendar: cal})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 12 || len(f.Parents) != 12 {
		t.Fatalf("%d cases, %d parents; want 12 each", len(f.Cases), len(f.Parents))
	}
	refs := map[string]bool{}
	for i, c := range f.Cases {
		if ref, ok := offsitebot.ParseRef(c.Ref); !ok || ref != c.Ref || refs[c.Ref] {
			t.Errorf("case %d: reference %q not a unique reference", i, c.Ref)
		}
		refs[c.Ref] = true
		if !c.Demo {
			t.Errorf("%s: not marked as a demo case", c.Ref)
		}
		wantStatus := offsitebot.Ended
		if i < 5 {
			wantStatus = offsitebot.Active
		}
		if c.Status != wantStatus {
			t.Errorf("%s: status %s, want %s", c.Ref, c.Status, wantStatus)
		}
		var schoolDays int
		last := offsitebot.DateOf(now).AddDays(-1)
		if c.Status == offsitebot.Ended {
			last = c.EndedOn
		}
		for d := c.Start; d <= last; d = d.AddDays(1) {
			if cal.IsSchoolDay(d) {
				schoolDays++
			}
		}
		held := 0
		for _, m := range c.Meetings {
			if m.Held() {
				held++
			}
		}
		for _, tc := range []struct {
			what      string
			got, want int
		}{
			{"attendance days", len(c.Attendance), schoolDays},
			{"reviews held", held, schoolDays / 10},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %d %s, want %d", c.Ref, tc.got, tc.what, tc.want)
			}
		}
		if min(len(c.Contacts), len(c.Feedback), len(c.People), len(c.Audit)) == 0 {
			t.Errorf("%s: %d contacts, %d feedback, %d people, %d audit entries; want some of each", c.Ref, len(c.Contacts), len(c.Feedback), len(c.People), len(c.Audit))
		}
		if c.Status != offsitebot.Active {
			continue
		}
		listed := *c // as lists read it, without its contacts
		listed.Contacts = nil
		for _, k := range []*offsitebot.Case{c, &listed} {
			for _, d := range offsitebot.Due(k, now, cal, offsitebot.Settings{}) {
				if d.Overdue || d.Kind == offsitebot.DueFamily {
					t.Errorf("%s (%d contacts): %s %s due in a case kept up to date", c.Ref, len(k.Contacts), d.Kind, d.Subject)
				}
			}
		}
		raw, err := bson.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if kb := len(raw) >> 10; kb < 20 || kb > 60 {
			t.Errorf("%s: %d KB of BSON; a term-long case is 20 to 60", c.Ref, kb)
		}
	}
	if len(f.Cases[0].Requests) == 0 {
		t.Errorf("%s: no review request; one case in four has one", f.Cases[0].Ref)
	}
}

// TestFill stores the fixture, and refuses a database with a real case in it.
func TestFill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cal := offsitebot.NewCalendar(nil, nil)
	opts := seed.Options{Cases: 6, Active: 2, Weeks: 2, Now: now, Calendar: cal}

	db := storagetest.New(t)
	if _, err := seed.Fill(ctx, db, opts); err != nil {
		t.Fatal(err)
	}
	active, err := db.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active})
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 2 {
		t.Errorf("%d active cases stored, want 2", len(active))
	}
	if id, err := db.Identity(ctx, seed.HomeStaff(seed.HomeURN)); err != nil || id.URN != seed.HomeURN {
		t.Errorf("home staff: %+v, %v", id, err)
	}

	real := storagetest.New(t)
	c, err := offsitebot.Open(offsitebot.BotActor(time.Now()), offsitebot.Case{Pupil: "Sam Taylor", HomeURN: "100001", ReceivingURN: "100002", Start: "2026-12-01", End: "2027-01-29"})
	if err != nil {
		t.Fatal(err)
	}
	if err := real.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Fill(ctx, real, opts); !errors.Is(err, seed.ErrRealCases) {
		t.Errorf("Fill on a database with a real case: %v, want ErrRealCases", err)
	}
	if got, err := real.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active}); err != nil || len(got) != 1 {
		t.Errorf("after the refusal: %d active cases, %v; want the real one only", len(got), err)
	}
}
