package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// runPolling takes the poller lease whenever it is free and polls while it
// holds it, so that of many replicas exactly one calls getUpdates (two would
// get 409 Conflict from Telegram) and another takes over when it stops.
func (a *Adapter) runPolling(ctx context.Context) error {
	name := "telegram-poller:" + a.botID
	for {
		// Lease calls are not cut short by ctx: one cut after taking the
		// lease would leave it held by nobody until it lapses.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.leaseTTL/3)
		ok, err := a.store.AcquireLease(lctx, name, a.holder, a.now(), a.leaseTTL)
		cancel()
		if err != nil {
			a.log.Warn("poller lease", "err", err)
		}
		if ok {
			a.log.Info("polling: this replica holds the poller lease", "holder", a.holder)
			err := a.pollWhileHeld(ctx, name)
			// Let another replica take over now rather than when the lease lapses.
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.leaseTTL/3)
			if rerr := a.store.ReleaseLease(lctx, name, a.holder); rerr != nil {
				a.log.Warn("release poller lease", "err", rerr)
			}
			cancel()
			a.log.Info("polling stopped; lease released", "holder", a.holder)
			if err != nil {
				return err
			}
		}
		if a.sleep(ctx, a.leaseTTL/3) != nil {
			return nil
		}
	}
}

// pollWhileHeld polls and renews the lease every third of its life; it stops
// polling as soon as a renewal fails, well before the lease could lapse.
func (a *Adapter) pollWhileHeld(ctx context.Context, name string) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var perr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		perr = a.poll(pctx)
	}()
	for {
		if a.sleep(pctx, a.leaseTTL/3) != nil {
			break
		}
		lctx, lcancel := context.WithTimeout(context.WithoutCancel(pctx), a.leaseTTL/3)
		ok, err := a.store.AcquireLease(lctx, name, a.holder, a.now(), a.leaseTTL)
		lcancel()
		if err != nil || !ok {
			if pctx.Err() == nil {
				a.log.Warn("polling: lost the poller lease; stopping", "err", err)
			}
			break
		}
	}
	cancel()
	<-done
	return perr
}

// poll calls getUpdates until ctx is done. The offset moves (acknowledging
// them to Telegram) only past updates kept in the inbox: one that could not
// be kept comes again with those after it, and one kept but not handled when
// a replica stops is replayed from the inbox.
func (a *Adapter) poll(ctx context.Context) error {
	if _, err := a.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		a.log.Warn("deleteWebhook before polling failed", "err", err)
	}
	var offset int64
	var backoff time.Duration
	for ctx.Err() == nil {
		updates, err := a.getUpdates(ctx, offset)
		if err == nil {
			// A batch in hand is finished even if polling stops meanwhile:
			// its updates are kept, so nobody else would handle them soon.
			hctx, done, ok := a.begin()
			if !ok {
				return nil // closing: the batch is not acknowledged, so it comes again
			}
			var kept []*models.Update
			kept, offset, err = a.keepBatch(hctx, updates, offset)
			a.handleBatch(hctx, kept)
			done()
		}
		if err == nil {
			backoff = 0
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, tgbot.ErrorUnauthorized) {
			return fmt.Errorf("telegram: polling: the bot token was refused: %w", err)
		}
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			backoff = time.Duration(tooMany.RetryAfter) * time.Second
		case backoff == 0:
			backoff = 100 * time.Millisecond
		default:
			backoff = min(2*backoff, 5*time.Second)
		}
		a.log.Warn("polling failed; retrying", "err", err, "wait", backoff)
		if a.sleep(ctx, backoff) != nil {
			return nil
		}
	}
	return nil
}

// keepBatch keeps updates in the inbox in order, up to the first that could
// not be kept, and returns the new ones and the offset past those kept.
func (a *Adapter) keepBatch(ctx context.Context, updates []*models.Update, offset int64) ([]*models.Update, int64, error) {
	var fresh []*models.Update
	for _, u := range updates {
		first, err := a.keep(ctx, u)
		if err != nil {
			return fresh, offset, err
		}
		offset = u.ID + 1
		if first {
			fresh = append(fresh, u)
		}
	}
	return fresh, offset, nil
}

// handleBatch handles kept updates with one goroutine per chat, so one
// chat's updates stay in order and other chats don't wait.
func (a *Adapter) handleBatch(ctx context.Context, updates []*models.Update) {
	if len(updates) == 0 {
		return
	}
	byChat := map[int64][]*models.Update{}
	var order []int64
	for _, u := range updates {
		k := chatOf(u)
		if _, ok := byChat[k]; !ok {
			order = append(order, k)
		}
		byChat[k] = append(byChat[k], u)
	}
	var wg sync.WaitGroup
	for _, k := range order {
		wg.Go(func() {
			for _, u := range byChat[k] {
				a.process(ctx, u)
			}
		})
	}
	wg.Wait()
}

// chatOf is the chat an update belongs to, for ordering.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// getUpdates is one long poll. The library keeps its offset in memory and
// acknowledges updates before they are handled, so the adapter polls itself
// with the library's types and errors.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	params := map[string]any{"timeout": int(a.pollTimeout / time.Second), "allowed_updates": allowedUpdates}
	if offset > 0 {
		params["offset"] = offset
	}
	body, _ := json.Marshal(params)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.apiURL+"/bot"+a.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("getUpdates: bad api url") // err would quote the URL, which holds the token
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		// The URL holds the token: keep only what went wrong.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool             `json:"ok"`
		Result      []*models.Update `json:"result"`
		ErrorCode   int              `json:"error_code"`
		Description string           `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: decode (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		switch r.ErrorCode {
		case http.StatusUnauthorized:
			return nil, fmt.Errorf("getUpdates: %w, %s", tgbot.ErrorUnauthorized, r.Description)
		case http.StatusConflict:
			return nil, fmt.Errorf("getUpdates: %w, %s", tgbot.ErrorConflict, r.Description)
		case http.StatusTooManyRequests:
			return nil, fmt.Errorf("getUpdates: %w", &tgbot.TooManyRequestsError{Message: r.Description, RetryAfter: r.Parameters.RetryAfter})
		}
		return nil, fmt.Errorf("getUpdates: error %s %s", strconv.Itoa(r.ErrorCode), r.Description)
	}
	return r.Result, nil
}
