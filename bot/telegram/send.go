package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/offsitebot/offsitebot/bot"
)

// Telegram's limits.
const (
	maxText         = 4096     // characters in a message
	maxCaption      = 1024     // characters in a document's caption
	maxCallbackData = 64       // bytes of callback_data
	maxPhoto        = 10 << 20 // bytes of a photo uploaded with sendPhoto
	maxAttempts     = 5        // tries of one call while Telegram answers 429
)

// Send delivers r to the identity to ("telegram:<user id>"; a private chat's
// id is the user's). A person who blocked the bot gives an error wrapping
// bot.ErrUnreachable; what follows is the notifier's business.
func (a *Adapter) Send(ctx context.Context, to string, r bot.Reply) error {
	rest, ok := strings.CutPrefix(to, "telegram:")
	id, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil {
		return fmt.Errorf("telegram: send to %q: not a Telegram identity", to)
	}
	if err := a.deliver(ctx, id, r); err != nil {
		return fmt.Errorf("telegram: send to %s: %w", to, err)
	}
	return nil
}

// keyboard is an inline keyboard of callback buttons. The library's
// InlineKeyboardButton always sends an empty copy_text, which Telegram has
// refused (BUTTON_COPY_TEXT_INVALID), so the adapter sends its own.
type keyboard struct {
	InlineKeyboard [][]button `json:"inline_keyboard"`
}

type button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// deliver sends one reply to a chat: its text as HTML (split to
// Telegram's length on line breaks), its buttons under the last part, and
// its file as a document.
func (a *Adapter) deliver(ctx context.Context, chat int64, r bot.Reply) error {
	lines, rows := render(r)
	var markup any
	if len(rows) > 0 {
		kb, err := a.keyboard(ctx, chat, rows)
		if err != nil {
			return err
		}
		markup = kb
	}
	if len(lines) == 0 && markup != nil {
		lines = []string{esc(bot.MsgChoose)}
	}
	var parts []string
	caption := ""
	if text := strings.TrimSpace(r.Text); r.File != nil && !r.Structured() && len([]rune(text)) <= maxCaption && markup == nil {
		caption = text // a short text rides with the file, as plain text
	} else {
		parts = pack(lines, maxText)
	}
	for i, p := range parts {
		params := &tgbot.SendMessageParams{
			ChatID: chat, Text: p, ParseMode: models.ParseModeHTML,
			// No previews: links are join links and should not unfurl.
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
		}
		if i == len(parts)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		err := a.call(ctx, chat, func(ctx context.Context) error {
			_, err := a.api.SendMessage(ctx, params)
			return err
		})
		if err != nil {
			return err
		}
	}
	if r.File == nil {
		return nil
	}
	name := r.File.Name
	if name == "" {
		name = "file"
	}
	kind, id, kept := kept(r.File)
	return a.call(ctx, chat, func(ctx context.Context) error {
		var err error
		if kept {
			// A file Telegram keeps goes by its file_id, as it came.
			in := &models.InputFileString{Data: id}
			if kind == "photo" {
				_, err = a.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Caption: caption, Photo: in})
			} else {
				_, err = a.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Caption: caption, Document: in})
			}
			return err
		}
		// A fresh reader each try: a retried upload must send the whole file.
		upload := &models.InputFileUpload{Filename: name, Data: bytes.NewReader(r.File.Data)}
		if isPhoto(r.File) {
			// A picture shows in the chat as itself, not as a file to open.
			_, err = a.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Caption: caption, Photo: upload})
		} else {
			_, err = a.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Caption: caption, Document: upload})
		}
		return err
	})
}

// kept parses the source of a file Telegram keeps ("telegram:photo:ID"):
// its kind (photo or document) and file_id, by which it is sent even where
// its bytes were fetched for others.
func kept(f *bot.File) (kind, id string, ok bool) {
	rest, ok := strings.CutPrefix(f.Source, "telegram:")
	if !ok {
		return "", "", false
	}
	kind, id, ok = strings.Cut(rest, ":")
	return kind, id, ok && id != ""
}

// Fetch downloads a file Telegram keeps for the bot (see fileOf), to pass on
// elsewhere: getFile gives its path, then the file itself comes from
// FileDownloadLink. Telegram lets a bot download up to bot.MaxFetch.
func (a *Adapter) Fetch(ctx context.Context, source string) ([]byte, error) {
	_, id, ok := kept(&bot.File{Source: source})
	if !ok {
		return nil, fmt.Errorf("telegram: fetch: %q is not a Telegram file", strings.SplitN(source, ":", 2)[0])
	}
	var f *models.File
	err := a.call(ctx, 0, func(ctx context.Context) error {
		var err error
		f, err = a.api.GetFile(ctx, &tgbot.GetFileParams{FileID: id})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: getFile: %w", err)
	}
	if f.FileSize > bot.MaxFetch {
		return nil, fmt.Errorf("telegram: fetch: the file is %d bytes, over the %d a bot may download", f.FileSize, bot.MaxFetch)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, errors.New("telegram: fetch: bad file path") // the URL holds the token: never quoted
	}
	resp, err := a.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds the token
		}
		return nil, fmt.Errorf("telegram: download a file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telegram: download a file: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, bot.MaxFetch+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("telegram: download a file: %w", err)
	case len(data) > bot.MaxFetch:
		return nil, fmt.Errorf("telegram: download a file: over %d bytes", bot.MaxFetch)
	}
	return data, nil
}

// isPhoto reports whether f can go as a photo: a PNG or JPEG within the
// size Telegram takes for one (larger pictures go as documents).
func isPhoto(f *bot.File) bool {
	return (f.ContentType == "image/png" || f.ContentType == "image/jpeg") && len(f.Data) <= maxPhoto
}

// keyboard renders buttons; data longer than Telegram allows is kept in
// MongoDB under a short key bound to the chat (bot.Stash).
func (a *Adapter) keyboard(ctx context.Context, chat int64, rows [][]bot.Button) (keyboard, error) {
	kb := keyboard{InlineKeyboard: make([][]button, 0, len(rows))}
	for _, row := range rows {
		out := make([]button, 0, len(row))
		for _, b := range row {
			data := b.Data
			if data == "" {
				data = b.Label
			}
			if len(data) > maxCallbackData {
				var err error
				if data, err = a.stash.Put(ctx, strconv.FormatInt(chat, 10), data); err != nil {
					return kb, err
				}
			}
			out = append(out, button{Text: b.Label, CallbackData: data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, out)
	}
	return kb, nil
}

// resolveData turns pressed callback data back into the button's Data.
func (a *Adapter) resolveData(ctx context.Context, chat int64, data string) (string, bool) {
	full, ok, err := a.stash.Get(ctx, strconv.FormatInt(chat, 10), data)
	if err != nil {
		a.log.Error("read button data", "chat", chat, "err", err)
		return "", false
	}
	return full, ok
}

// call makes one Bot API call to chat within the rate limits: it waits its
// turn, waits out every 429's retry_after (matched with errors.As: the
// library's IsTooManyRequestsError misses wrapped errors), and maps a 403 or
// a chat gone to bot.ErrUnreachable.
func (a *Adapter) call(ctx context.Context, chat int64, fn func(context.Context) error) error {
	slot, release := a.limit.chat(chat)
	defer release()
	failed := 0 // on the network
	for attempt := 1; ; attempt++ {
		// The chat's own pace first, then a place in the overall one, so a
		// chat that must wait does not hold up the others.
		if err := a.wait(ctx, a.limit.delay(slot.pace)); err != nil {
			return err
		}
		if err := a.wait(ctx, a.limit.overall()); err != nil {
			return err
		}
		err := fn(ctx)
		tooMany, is429 := errors.AsType[*tgbot.TooManyRequestsError](err)
		switch {
		case err == nil:
			return nil
		case is429 && attempt < maxAttempts:
			wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			a.limit.pause(a.now().Add(wait))
			a.log.Info("telegram asked to slow down", "chat", chat, "retry_after", tooMany.RetryAfter, "attempt", attempt)
			if err := a.wait(ctx, wait); err != nil {
				return err
			}
		case errors.Is(err, tgbot.ErrorForbidden) || isChatGone(err):
			return fmt.Errorf("%w: %w", bot.ErrUnreachable, err)
		case bot.Transient(err) && failed < bot.NetRetries && ctx.Err() == nil:
			failed++
			wait := bot.Backoff(failed)
			// Not err: it quotes the URL, which holds the token.
			a.log.Warn("telegram: send failed on the network; retrying", "chat", chat, "in", wait, "attempt", attempt)
			if err := a.wait(ctx, wait); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// wait sleeps d if it is positive.
func (a *Adapter) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	return a.sleep(ctx, d)
}

// isChatGone reports a chat that no longer exists for the bot (deleted
// account, or a user who never started it).
func isChatGone(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "chat not found")
}

// limiter paces sends as Telegram asks: about one message a second per chat
// and 30 a second overall, each a token bucket (golang.org/x/time/rate) of
// one, read at the adapter's clock so tests can move it. Sends to one chat
// are serialized, which also keeps their order.
type limiter struct {
	perChat rate.Limit
	now     func() time.Time
	all     *rate.Limiter

	mu     sync.Mutex
	paused time.Time // after a 429: no send before this
	chats  map[int64]*chatSlot
}

// chatSlot is one chat's turn: whoever holds mu may send to the chat.
type chatSlot struct {
	mu   sync.Mutex
	pace *rate.Limiter
	refs int // guarded by limiter.mu: holders and waiters
}

func newLimiter(perChat, overall rate.Limit, now func() time.Time) *limiter {
	return &limiter{perChat: perChat, now: now, all: rate.NewLimiter(overall, 1), chats: map[int64]*chatSlot{}}
}

// chat waits for the chat's turn; release gives it back. A slot is forgotten
// once nobody holds or waits for it and its bucket is full again: at
// release, or in a sweep when there are many.
func (l *limiter) chat(id int64) (*chatSlot, func()) {
	l.mu.Lock()
	s := l.chats[id]
	if s == nil {
		if len(l.chats) >= 256 {
			l.sweep()
		}
		s = &chatSlot{pace: rate.NewLimiter(l.perChat, 1)}
		l.chats[id] = s
	}
	s.refs++
	l.mu.Unlock()
	s.mu.Lock()
	return s, func() {
		s.mu.Unlock()
		l.mu.Lock()
		if s.refs--; s.refs == 0 && s.pace.TokensAt(l.now()) >= 1 {
			delete(l.chats, id)
		}
		l.mu.Unlock()
	}
}

// sweep forgets idle slots whose bucket is full; l.mu is held.
func (l *limiter) sweep() {
	now := l.now()
	for id, s := range l.chats {
		if s.refs == 0 && s.pace.TokensAt(now) >= 1 {
			delete(l.chats, id)
		}
	}
}

// delay takes a token of lim now and says how long to wait until it is due.
func (l *limiter) delay(lim *rate.Limiter) time.Duration {
	now := l.now()
	return lim.ReserveN(now, 1).DelayFrom(now)
}

// overall takes the next place in the overall pace, and says how long to
// wait for it. After a 429 the places start when the pause ends, one after
// another, so the sends held back do not all go at once.
func (l *limiter) overall() time.Duration {
	now := l.now()
	l.mu.Lock()
	from := now
	if l.paused.After(now) {
		from = l.paused
	}
	l.mu.Unlock()
	return l.all.ReserveN(from, 1).DelayFrom(now)
}

// pause holds every send until t (after a 429).
func (l *limiter) pause(t time.Time) {
	l.mu.Lock()
	if t.After(l.paused) {
		l.paused = t
	}
	l.mu.Unlock()
}
