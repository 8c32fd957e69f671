package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/conversations"
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

// The shared test doubles: a settable clock and a recording sender.
type (
	clock    = bottest.Clock
	recorder = bottest.Recorder
	delivery = bottest.Delivery
)

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
	seed(t, db, cases...)
	return db
}

// seed adds world's people and the given cases to db.
func seed(t *testing.T, db *storage.DB, cases ...*offsitebot.Case) {
	t.Helper()
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
	s, err := New(Options{Config: cfg, Store: db, Send: send, Notify: conversations.NewNotifier(notifyStore(db), send, now, discard()), Now: now,
		Calendar: offsitebot.NewCalendar(nil, nil), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// notifyStore is the database behind a test's store, for the notifier.
func notifyStore(db Store) conversations.NotifyStore {
	if k, ok := db.(*killable); ok {
		return notifyStore(k.Store)
	}
	return db.(conversations.NotifyStore)
}

// countByKey groups deliveries by recipient and text's first line.
func countByKey(ds []delivery) map[string]int {
	out := map[string]int{}
	for _, d := range reminded(ds) {
		first, _, _ := strings.Cut(d.Reply.Text, "\n")
		out[fmt.Sprintf("%s|%s", d.To, first)]++
	}
	return out
}

// reminded is every reminder in ds, a digest's each as a delivery of its own
// with its item's text, so counts go by reminder, however they were grouped.
func reminded(ds []delivery) []delivery {
	var out []delivery
	for _, d := range ds {
		if !strings.HasSuffix(d.Reply.Title, " reminders") {
			out = append(out, d)
			continue
		}
		for _, it := range d.Reply.Items {
			out = append(out, delivery{To: d.To, Reply: bot.Reply{Text: it.Text}})
		}
	}
	return out
}

// remindersTo is every reminder (see reminded) to whom whose text has substr.
func remindersTo(rec *recorder, to, substr string) []delivery {
	var out []delivery
	for _, d := range reminded(rec.All()) {
		if d.To == to && strings.Contains(d.Reply.Text, substr) {
			out = append(out, d)
		}
	}
	return out
}

// digestKey is the claim key of a person's digest number seq (as storage makes it).
func digestKey(to string, seq int) string { return fmt.Sprintf("digest:%s:%06d", to, seq) }

// ownContacts gives the i-th case its own Telegram receiving contact,
// telegram:100+i, in place of the shared one, so its prompt comes alone.
func ownContacts(cases []*offsitebot.Case) {
	for i, c := range cases {
		c.People[0].ID = fmt.Sprintf("telegram:%d", 100+i)
	}
}

// countMessages counts deliveries by recipient and whole text.
func countMessages(ds []delivery) map[string]int {
	out := map[string]int{}
	for _, d := range ds {
		out[d.To+"|"+d.Reply.Text]++
	}
	return out
}
