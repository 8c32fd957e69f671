// Package seed builds realistic, clearly marked demo cases, as they grow over a
// term, through the case core's own functions: attendance every school day
// with a realistic mix of codes, weekly contact between the schools and with the family,
// fortnightly reviews with invitations, answers, the family's views and
// outcomes, review requests, and for ended cases the end of the direction.
// `offsitebot seed` and the benchmarks use it, so what is measured is what a
// school would have.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
)

// Options say how many cases, and how long each has run.
type Options struct {
	Cases  int // in all (default 1,000)
	Active int // of which still active; the rest ended over the years before (default 200)
	Weeks  int // of records in each (default 13, a term)
	// Now is the moment the fixture is built for (default time.Now): active
	// cases have records up to the school day before.
	Now      time.Time
	Calendar offsitebot.Calendar
}

func (o *Options) defaults() {
	if o.Cases == 0 {
		o.Cases = 1000
	}
	if o.Active == 0 {
		o.Active = min(200, o.Cases)
	}
	if o.Weeks == 0 {
		o.Weeks = 13
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
}

// CasesPerSchool is about how many cases each home school has (and each
// receiving school takes): a home school with a busy year.
const CasesPerSchool = 40

// The demo schools the shell plays: the first home and receiving schools of
// every fixture, so the shell's home staff see their share of it.
const (
	HomeURN      = "100001"
	ReceivingURN = "100002"
)

// Fixture is what Build made.
type Fixture struct {
	Schools []offsitebot.School
	// Staff are one home-school member per home school, one receiving-school
	// member per receiving school, and one local-authority officer, first.
	Staff []offsitebot.Identity
	// Parents are each case's linked parent, in the shell (never a real
	// chat account, so nothing is ever sent to a stranger).
	Parents []offsitebot.Identity
	Cases   []*offsitebot.Case
}

// LA is the fixture's local-authority officer.
const LA = "shell:la:Demo LA officer"

// HomeStaff is the ID of the fixture's staff member at home school urn.
func HomeStaff(urn string) string { return "shell:home:Demo staff " + urn }

// ReceivingStaff is the ID of the fixture's staff member at receiving school urn.
func ReceivingStaff(urn string) string { return "shell:receiving:Demo staff " + urn }

// Ref is the reference of the fixture's case i: five characters, so never
// one a real case is given (four).
func Ref(i int) string {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := []byte("OSD-D0000")
	for j := len(b) - 1; j > 4; j-- {
		b[j] = crockford[i%32]
		i /= 32
	}
	return string(b)
}

// Build makes the fixture in memory. The same options give the same fixture.
func Build(o Options) (*Fixture, error) {
	o.defaults()
	if o.Active > o.Cases || o.Cases < 1 || o.Weeks < 1 || o.Cases > 32*32*32*32 {
		return nil, fmt.Errorf("seed: %d cases of which %d active, %d weeks each: give 1 to 1,048,576 cases, at most as many active, and at least a week", o.Cases, o.Active, o.Weeks)
	}
	f := &Fixture{Staff: []offsitebot.Identity{{ID: LA, Role: offsitebot.RoleLA, Name: "Demo LA officer", Created: o.Now}}}
	n := max(1, o.Cases/CasesPerSchool)
	homes, recvs := make([]string, n), make([]string, n)
	for s := range n {
		homes[s], recvs[s] = fmt.Sprintf("91%04d", s), fmt.Sprintf("92%04d", s)
		if s == 0 {
			homes[s], recvs[s] = HomeURN, ReceivingURN
		}
		f.Schools = append(f.Schools,
			offsitebot.School{URN: homes[s], Name: fmt.Sprintf("Demo Home School %d (demo)", s+1)},
			offsitebot.School{URN: recvs[s], Name: fmt.Sprintf("Demo Receiving School %d (demo)", s+1)})
		f.Staff = append(f.Staff,
			offsitebot.Identity{ID: HomeStaff(homes[s]), Role: offsitebot.RoleHome, Name: "Demo staff", URN: homes[s], Created: o.Now},
			offsitebot.Identity{ID: ReceivingStaff(recvs[s]), Role: offsitebot.RoleReceiving, Name: "Demo staff", URN: recvs[s], Created: o.Now})
	}
	today := offsitebot.DateOf(o.Now)
	ended := o.Cases - o.Active
	for i := range o.Cases {
		b := builder{
			cal: o.Calendar, rng: rand.New(rand.NewPCG(uint64(i), 42)),
			home: HomeStaff(homes[i%n]), recv: ReceivingStaff(recvs[(i/n+i)%n]),
			parent: fmt.Sprintf("shell:parent:Demo parent %d", i+1),
		}
		var start, last offsitebot.Date
		if i < o.Active {
			// Started about Weeks ago, staggered over a week; records to yesterday.
			start = b.schoolDay(today.AddDays(-7*o.Weeks + i%5))
			last = today.AddDays(-1)
		} else {
			// Ended ones spread back over six years before the active ones.
			j := i - o.Active
			start = b.schoolDay(today.AddDays(-7*o.Weeks - 21 - j*6*365/max(ended, 1)))
			last = start.AddDays(7*o.Weeks - 3)
		}
		c, err := b.build(Ref(i), homes[i%n], recvs[(i/n+i)%n], start, last, i < o.Active, i)
		if err != nil {
			return nil, fmt.Errorf("seed: case %d: %w", i, err)
		}
		f.Cases = append(f.Cases, c)
		f.Parents = append(f.Parents, offsitebot.Identity{ID: b.parent, Role: offsitebot.RoleParent, Name: fmt.Sprintf("Demo parent %d", i+1), Cases: []string{c.Ref}, Created: c.Opened})
	}
	return f, nil
}

// Store is where Fill writes: a *storage.DB.
type Store interface {
	HasRealCases(ctx context.Context) (bool, error)
	PutSchool(ctx context.Context, s offsitebot.School) error
	PutIdentity(ctx context.Context, id offsitebot.Identity) error
	InsertCases(ctx context.Context, cs []*offsitebot.Case) error
}

var _ Store = (*storage.DB)(nil)

// ErrRealCases is Fill's refusal to mix demo cases with real ones.
var ErrRealCases = errors.New("seed: the database holds real cases; demo cases go only in a database of their own")

// Fill builds the fixture and stores it, unless the database holds a case
// that is not a demo case. Cases already seeded with the same references make
// it fail: seed an empty database.
func Fill(ctx context.Context, db Store, o Options) (*Fixture, error) {
	real, err := db.HasRealCases(ctx)
	if err != nil {
		return nil, err
	}
	if real {
		return nil, ErrRealCases
	}
	f, err := Build(o)
	if err != nil {
		return nil, err
	}
	for _, s := range f.Schools {
		if err := db.PutSchool(ctx, s); err != nil {
			return nil, err
		}
	}
	for _, ids := range [][]offsitebot.Identity{f.Staff, f.Parents} {
		for _, id := range ids {
			if err := db.PutIdentity(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	if err := db.InsertCases(ctx, f.Cases); err != nil {
		return nil, err
	}
	return f, nil
}
