package reminders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/telegram"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// seedBench stores n healthy active cases spread over 50 home and 50
// receiving schools, each with a Telegram receiving contact and a parent, so
// a morning sweep in the first week of December has one prompt per case due
// and nothing else; and one home and one receiving staff member per school.
// It inserts in bulk through the driver: seeding is not what is measured.
func seedBench(b testing.TB, db *storage.DB, n int, tgBase int) {
	b.Helper()
	ctx := context.Background()
	held := london("2026-11-27 10:00")
	docs := make([]any, n)
	for i := range n {
		c := &offsitebot.Case{
			Ref: fmt.Sprintf("OSD-%06d", i), Version: 1, Status: offsitebot.Active,
			Pupil: "Sam Taylor", DOB: "2012-03-04",
			HomeURN: fmt.Sprintf("1%05d", i%50), ReceivingURN: fmt.Sprintf("2%05d", i%50),
			Start: "2026-11-02", Opened: london("2026-10-20 09:00"), OpenedBy: "slack:T1:U1",
			LastSchoolContact: london("2026-11-30 10:00"), NoticeGiven: london("2026-11-01 10:00"),
			People: []offsitebot.Person{
				{ID: "telegram:" + strconv.Itoa(tgBase+i), Role: offsitebot.RoleReceiving, Name: "Ms Khan"},
				{ID: "telegram:" + strconv.Itoa(5_000_000+i), Role: offsitebot.RoleParent, Name: "Pat Taylor"},
			},
			Meetings: []offsitebot.Meeting{{ID: "M1", At: held, Mode: offsitebot.InPerson,
				Outcome: &offsitebot.ReviewOutcome{Decision: offsitebot.DecisionContinue, Next: "2026-12-14", // beyond the review nudge's 9 days
					Recorded: held, NoticeSent: held}}},
			Contacts: []offsitebot.Contact{}, Attendance: []offsitebot.AttendanceDay{},
			Requests: []offsitebot.ReviewRequest{}, Feedback: []offsitebot.Feedback{}, Audit: []offsitebot.AuditEvent{},
		}
		docs[i] = c
	}
	if _, err := db.Database().Collection("cases").InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	for s := range 50 {
		for _, id := range []offsitebot.Identity{
			{ID: fmt.Sprintf("slack:T1:H%d", s), Role: offsitebot.RoleHome, URN: fmt.Sprintf("1%05d", s)},
			{ID: fmt.Sprintf("slack:T1:R%d", s), Role: offsitebot.RoleReceiving, URN: fmt.Sprintf("2%05d", s)},
		} {
			if err := db.PutIdentity(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// countSender counts deliveries and their recipients, and does nothing
// else: the sweep is measured.
type countSender struct {
	n  atomic.Int64
	mu sync.Mutex
	to map[string]bool
}

func (c *countSender) Send(_ context.Context, to string, _ bot.Reply) error {
	c.n.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.to == nil {
		c.to = map[string]bool{}
	}
	c.to[to] = true
	return nil
}

// BenchmarkSweep runs the morning sweep (contact, reviews, attendance prompt,
// retry: RunAt 09:40) on the embedded server holding the seed fixture: 1,000
// term-long cases, 200 active (10,000 and 2,000 with
// OFFSITEBOT_BENCH_LARGE=1), each sweep finding every reminder new, as on
// the next day. It reports round trips and messages per sweep, the people
// they went to, and the floor: the bare driver read of the active cases the
// sweep needs, by _id.
//
//	go test ./reminders -run '^$' -bench Sweep -benchtime 3x
func BenchmarkSweep(b *testing.B) {
	for _, o := range storagetest.BenchSizes() {
		b.Run(storagetest.Name(o), func(b *testing.B) {
			ctx := context.Background()
			db, f, trips := storagetest.Seeded(b, o)
			send := &countSender{}
			s, err := New(Options{Store: db, Send: send, Notify: conversations.NewNotifier(db, send, nil, discard()), Calendar: o.Calendar, Log: discard()})
			if err != nil {
				b.Fatal(err)
			}
			at := offsitebot.DateOf(o.Now).At(9, 40)
			if _, err := db.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active}); err != nil {
				b.Fatal(err) // read into memory once, as at the first list after start
			}
			cases := db.Database().Collection("cases")
			lean := options.FindOne().SetProjection(bson.D{{Key: "contacts", Value: 0}, {Key: "feedback", Value: 0}, {Key: "audit", Value: 0}})
			runs := 0
			var cpu time.Duration // the process's, server included: what the sweep costs, whatever else runs
			storagetest.Measure(b, trips, func() {
				// Every reminder new, as on the next day.
				if err := db.PurgeReminders(ctx, time.Now().AddDate(10, 0, 0)); err != nil {
					b.Fatal(err)
				}
			}, func() {
				before := storagetest.CPUTime()
				rep, err := s.RunAt(ctx, at)
				cpu += storagetest.CPUTime() - before
				if err != nil {
					b.Fatal(err)
				}
				if rep.Cases != o.Active {
					b.Fatalf("read %d cases, want %d", rep.Cases, o.Active)
				}
				runs++
			}, func() {
				for _, c := range f.Cases[:o.Active] {
					var got offsitebot.Case
					if err := cases.FindOne(ctx, bson.D{{Key: "_id", Value: c.Ref}}, lean).Decode(&got); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(cpu.Milliseconds())/float64(runs), "cpu-ms/op")
			b.ReportMetric(float64(send.n.Load())/float64(runs), "msgs/op")
			b.ReportMetric(float64(len(send.to)), "recipients")
		})
	}
}

// fakeBotAPI is a Telegram Bot API server that, like Telegram, refuses more
// than 30 messages a second (answering 429 with retry_after), measured over
// every rolling second.
type fakeBotAPI struct {
	token string
	mu    sync.Mutex
	times []time.Time // accepted sendMessage calls
	too   int         // 429 answers
	chats map[int64]int
}

func (f *fakeBotAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path != "/bot"+f.token+"/sendMessage" || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"Bad Request: %s"}`, err)
		return
	}
	chat, err := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
	text := r.FormValue("text")
	if err != nil || text == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`)
		return
	}
	now := time.Now()
	f.mu.Lock()
	n := 0
	for i := len(f.times) - 1; i >= 0 && now.Sub(f.times[i]) < time.Second; i-- {
		n++
	}
	if n >= 30 {
		f.too++
		f.mu.Unlock()
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
		return
	}
	f.times = append(f.times, now)
	f.chats[chat]++
	id := len(f.times)
	f.mu.Unlock()
	res, _ := json.Marshal(map[string]any{"ok": true, "result": map[string]any{
		"message_id": id, "date": now.Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": text}})
	_, _ = w.Write(res)
}

// noRouter answers nothing: the burst only sends.
type noRouter struct{}

func (noRouter) Handle(context.Context, bot.Request) []bot.Reply { return nil }

// BenchmarkTelegramBurst sends the morning prompt for 1,000 cases, each to
// its own Telegram receiving contact, through the Telegram adapter to a fake
// Bot API that allows 30 messages a second. It reports the achieved rate
// over the limit (goal ≥ 0.9) and the 429s received (goal 0). Real time:
// about 35 s.
//
//	go test ./reminders -run '^$' -bench TelegramBurst -benchtime 1x
func BenchmarkTelegramBurst(b *testing.B) {
	const n = 1_000
	db := storagetest.New(b)
	seedBench(b, db, n, 1_000_000)
	api := &fakeBotAPI{token: "123456:TEST", chats: map[int64]int{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	tg, err := telegram.New(telegram.Options{Token: api.token, APIURL: srv.URL, Router: noRouter{}, Store: db, Log: discard()})
	if err != nil {
		b.Fatal(err)
	}
	d := bot.NewDispatcher()
	d.Register(offsitebot.Telegram, tg) // Slack staff get ErrNoSender: only the Telegram burst goes out
	s, err := New(Options{Store: db, Send: d, Notify: conversations.NewNotifier(db, d, nil, discard()), Calendar: offsitebot.NewCalendar(nil, nil), Log: discard()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	day := offsitebot.Date("2026-12-01")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		api.mu.Lock()
		api.times, api.too = nil, 0
		api.mu.Unlock()
		rep, err := s.Run(ctx, JobAttendancePrompt, day.At(9, 40))
		if err != nil {
			b.Fatal(err)
		}
		if rep.Jobs[0].Sent != n {
			b.Fatalf("report %+v, want %d sent", rep.Jobs[0], n)
		}
		day = s.cal.AddSchoolDays(day, 1)
	}
	b.StopTimer()
	api.mu.Lock()
	defer api.mu.Unlock()
	span := api.times[len(api.times)-1].Sub(api.times[0]).Seconds()
	rate := float64(len(api.times)-1) / span
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(rate/30, "rate/limit")
	b.ReportMetric(float64(api.too), "429s")
	if len(api.chats) != n {
		b.Errorf("%d chats got messages, want %d", len(api.chats), n)
	}
}
