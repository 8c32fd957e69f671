package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// BenchmarkWebhook pushes updates through a webhook endpoint (real TCP)
// against the fake Bot API and measures from POST to the reply arriving at
// the API: "offsitebot" is this adapter (secret check, update_id claim in
// the embedded MongoDB, router with identity lookup, reply), "bare" is a
// go-telegram/bot echo handler on the same fake. Pacing is off in both (it
// would cap this adapter at 30 replies a second by design).
//
//	go test ./bot/telegram -run '^$' -bench Webhook -benchtime 2000x
func BenchmarkWebhook(b *testing.B) {
	b.Run("offsitebot", func(b *testing.B) {
		api := newFakeAPI(b, time.Now)
		db := storagetest.New(b)
		r := bot.NewRouter(db, db, nil, time.Now, slog.New(slog.DiscardHandler))
		r.Register(bot.Command{Name: "ping", Public: true, Run: bot.HandlerFunc(func(_ context.Context, c bot.Call) ([]bot.Reply, error) {
			return []bot.Reply{{Text: c.Text}}, nil
		})})
		a, err := New(Options{Token: testToken, Mode: Webhook, WebhookSecret: secret, APIURL: api.URL(), Router: r, Store: db})
		if err != nil {
			b.Fatal(err)
		}
		a.limit = newLimiter(rate.Inf, rate.Inf, time.Now)
		srv := httptest.NewServer(a)
		defer srv.Close()
		benchWebhook(b, api, srv.URL)
	})
	b.Run("bare", func(b *testing.B) {
		api := newFakeAPI(b, time.Now)
		tb, err := tgbot.New(testToken, tgbot.WithServerURL(api.URL()), tgbot.WithSkipGetMe(), tgbot.WithWebhookSecretToken(secret),
			tgbot.WithDefaultHandler(func(ctx context.Context, tb *tgbot.Bot, u *models.Update) {
				if _, err := tb.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text}); err != nil {
					b.Error(err)
				}
			}))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go tb.StartWebhook(ctx)
		srv := httptest.NewServer(tb.WebhookHandler())
		defer srv.Close()
		benchWebhook(b, api, srv.URL)
	})
}

// benchWebhook posts b.N text updates, each from its own chat, with 8
// senders, and reports updates/s and the 99th percentile from POST to reply.
func benchWebhook(b *testing.B, api *fakeAPI, url string) {
	const senders = 8
	var mu sync.Mutex
	waiting := map[int64]chan struct{}{}
	api.onSend = func(chat int64) {
		mu.Lock()
		ch := waiting[chat]
		delete(waiting, chat)
		mu.Unlock()
		if ch != nil {
			close(ch)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				chat := 10_000_000 + i
				u := textUpdate(user(chat, "Bench"), "/ping hello")
				u.ID = i + 1
				body, _ := json.Marshal(u)
				done := make(chan struct{})
				mu.Lock()
				waiting[chat] = done
				mu.Unlock()
				t := time.Now()
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				select {
				case <-done:
				case <-time.After(30 * time.Second):
					b.Errorf("no reply to update %d", u.ID)
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
