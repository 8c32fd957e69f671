package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// The outbox as storage keeps it, for tests that look at what is stored.
const (
	outboxCollection = "reminders"
	doneSuffix       = "#done" // an outcome's key is its claim's and this
)

const (
	homeURN  = "100001"
	recvURN  = "100002"
	homeID   = "slack:T1:UHOME"
	recvID   = "slack:T1:URECV"
	adminID  = "slack:T1:UADMIN"
	tgRecvID = "telegram:42"
	parentID = "telegram:77"
)

// delivery is one message the fake sender was asked to deliver.
type delivery struct {
	To    string
	Reply bot.Reply
}

// recorder is a bot.Sender test double: it records what it is given and
// fails for the recipients in fail.
type recorder struct {
	mu   sync.Mutex
	got  []delivery
	fail map[string]error
	hook func(ctx context.Context, to string) error // runs first; an error stops the delivery
}

func (r *recorder) Send(ctx context.Context, to string, rep bot.Reply) error {
	if r.hook != nil {
		if err := r.hook(ctx, to); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail[to]; err != nil {
		return err
	}
	r.got = append(r.got, delivery{to, rep})
	return nil
}

func (r *recorder) all() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// to returns what went to one recipient whose text contains substr.
func (r *recorder) to(id, substr string) []delivery {
	var out []delivery
	for _, d := range r.all() {
		if d.To == id && strings.Contains(d.Reply.Text, substr) {
			out = append(out, d)
		}
	}
	return out
}

// clock is a settable injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func london(s string) time.Time {
	return mustTime(time.ParseInLocation("2006-01-02 15:04", s, offsitebot.London))
}
func mustTime(t time.Time, err error) time.Time {
	if err != nil {
		panic(err)
	}
	return t
}

// world seeds a database with two schools' staff and the given cases.
func world(t *testing.T, cases ...*offsitebot.Case) *storage.DB {
	t.Helper()
	db := storagetest.New(t)
	ctx := context.Background()
	for _, id := range []offsitebot.Identity{
		{ID: homeID, Role: offsitebot.RoleHome, Name: "Hana Home", URN: homeURN},
		{ID: recvID, Role: offsitebot.RoleReceiving, Name: "Rita Recv", URN: recvURN},
		{ID: adminID, Role: offsitebot.RoleAdmin, Name: "Ada Admin"},
		{ID: tgRecvID, Role: offsitebot.RoleReceiving, Name: "Ms Khan"},
		{ID: parentID, Role: offsitebot.RoleParent, Name: "Pat Taylor"},
	} {
		if err := db.PutIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		if err := db.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// newCase is an active case starting on start with a linked Telegram
// receiving contact and parent.
func newCase(ref string, start offsitebot.Date) *offsitebot.Case {
	return &offsitebot.Case{
		Ref: ref, Status: offsitebot.Active, Pupil: "Sam Taylor", DOB: "2012-03-04",
		HomeURN: homeURN, ReceivingURN: recvURN, Start: start,
		Opened: start.Time(), OpenedBy: homeID,
		People: []offsitebot.Person{
			{ID: tgRecvID, Role: offsitebot.RoleReceiving, Name: "Ms Khan"},
			{ID: parentID, Role: offsitebot.RoleParent, Name: "Pat Taylor"},
		},
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newScheduler builds a scheduler; a nil now is a clock stopped long ago, so
// each run's as-of time is the time of record (see Scheduler.stamp).
func newScheduler(t *testing.T, db Store, send bot.Sender, now func() time.Time, cfg Config) *Scheduler {
	t.Helper()
	if now == nil {
		now = func() time.Time { return time.Time{} }
	}
	s, err := New(Options{Config: cfg, Store: db, Send: send, Now: now,
		Calendar: offsitebot.NewCalendar(nil, nil), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countByKey groups deliveries by recipient and text's first line.
func countByKey(ds []delivery) map[string]int {
	out := map[string]int{}
	for _, d := range ds {
		first, _, _ := strings.Cut(d.Reply.Text, "\n")
		out[fmt.Sprintf("%s|%s", d.To, first)]++
	}
	return out
}
