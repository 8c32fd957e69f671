package telegram

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

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
// bot.ErrUnreachable, and is marked unreachable here too.
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

// deliver sends one reply to a chat: its text (split to Telegram's length),
// its buttons under the last part, and its file as a document.
func (a *Adapter) deliver(ctx context.Context, chat int64, r bot.Reply) error {
	var markup any
	if len(r.Buttons) > 0 {
		kb, err := a.keyboard(ctx, chat, r.Buttons)
		if err != nil {
			return err
		}
		markup = kb
	}
	text := strings.TrimSpace(r.Text)
	if text == "" && markup != nil {
		text = msgChoose
	}
	var parts []string
	caption := ""
	if r.File != nil && len([]rune(text)) <= maxCaption && markup == nil {
		caption = text // a short text rides with the file
	} else if text != "" {
		parts = splitText(text, maxText)
	}
	for i, p := range parts {
		params := &tgbot.SendMessageParams{
			ChatID: chat, Text: p,
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
	return a.call(ctx, chat, func(ctx context.Context) error {
		// A fresh reader each try: a retried upload must send the whole file.
		upload := &models.InputFileUpload{Filename: name, Data: bytes.NewReader(r.File.Data)}
		var err error
		if isPhoto(r.File) {
			// A picture shows in the chat as itself, not as a file to open.
			_, err = a.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Caption: caption, Photo: upload})
		} else {
			_, err = a.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Caption: caption, Document: upload})
		}
		return err
	})
}

// isPhoto reports whether f can go as a photo: a PNG or JPEG within the
// size Telegram takes for one (larger pictures go as documents).
func isPhoto(f *bot.File) bool {
	return (f.ContentType == "image/png" || f.ContentType == "image/jpeg") && len(f.Data) <= maxPhoto
}

// keyboard renders buttons; data longer than Telegram allows is kept in
// MongoDB under a short hash and sent as "cb:<hash>".
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
				key := callbackKey(chat, data)
				if _, err := a.store.Claim(ctx, colCallbacks, key, map[string]any{
					"data": data, "chat": strconv.FormatInt(chat, 10), "at": a.now(),
				}); err != nil {
					return kb, fmt.Errorf("store button data: %w", err)
				}
				data = "cb:" + key
			}
			out = append(out, button{Text: b.Label, CallbackData: data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, out)
	}
	return kb, nil
}

// callbackKey is a short hash of a chat and its button data: the same button
// in the same chat gets the same key, and another chat cannot use it.
func callbackKey(chat int64, data string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(chat, 10) + "\x00" + data))
	return base64.RawURLEncoding.EncodeToString(sum[:15]) // 20 characters, 120 bits
}

// resolveData turns pressed callback data back into the button's Data.
func (a *Adapter) resolveData(ctx context.Context, chat int64, data string) (string, bool) {
	key, ok := strings.CutPrefix(data, "cb:")
	if !ok {
		return data, data != ""
	}
	full, found, err := a.store.Claimed(ctx, colCallbacks, key, "data")
	if err != nil {
		a.log.Error("read button data", "chat", chat, "err", err)
		return "", false
	}
	if !found || callbackKey(chat, full) != key {
		return "", false
	}
	return full, true
}

// splitText cuts text into parts of at most n characters, at a line break
// or a space where it can.
func splitText(text string, n int) []string {
	var parts []string
	for r := []rune(text); len(r) > 0; {
		if len(r) <= n {
			parts = append(parts, string(r))
			break
		}
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == '\n' {
				cut = i
				break
			}
			if r[i] == ' ' && cut == n {
				cut = i
			}
		}
		parts = append(parts, strings.TrimRight(string(r[:cut]), " \n"))
		r = []rune(strings.TrimLeft(string(r[cut:]), " \n"))
	}
	return parts
}

// call makes one Bot API call to chat within the rate limits: it waits its
// turn, waits out every 429's retry_after (matched with errors.As: the
// library's IsTooManyRequestsError misses wrapped errors), and maps a 403 to
// bot.ErrUnreachable after marking the person unreachable.
func (a *Adapter) call(ctx context.Context, chat int64, fn func(context.Context) error) error {
	slot, release := a.limit.chat(chat)
	defer release()
	for attempt := 1; ; attempt++ {
		// The chat's own pace first, then a place in the overall one, so a
		// chat that must wait does not hold up the others.
		if err := a.wait(ctx, slot.next.Sub(a.now())); err != nil {
			return err
		}
		if err := a.wait(ctx, a.limit.reserve(a.now())); err != nil {
			return err
		}
		slot.next = a.now().Add(a.limit.perChat)
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
			if chat > 0 { // a private chat: the chat id is the user id
				id := "telegram:" + strconv.FormatInt(chat, 10)
				if serr := a.store.SetUnreachable(ctx, id, true); serr != nil {
					a.log.Info("mark unreachable", "user", id, "err", serr)
				}
			}
			return fmt.Errorf("%w: %w", bot.ErrUnreachable, err)
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
// and 30 a second overall. Sends to one chat are serialized, which also keeps
// their order.
type limiter struct {
	perChat, global time.Duration

	now func() time.Time

	mu    sync.Mutex
	next  time.Time // earliest time of the next send overall
	chats map[int64]*chatSlot
}

// chatSlot is one chat's turn: whoever holds mu may send to the chat.
type chatSlot struct {
	mu   sync.Mutex
	next time.Time // guarded by mu: earliest next send to this chat
	refs int       // guarded by limiter.mu: holders and waiters
}

func newLimiter(perChat, global time.Duration, now func() time.Time) *limiter {
	return &limiter{perChat: perChat, global: global, now: now, chats: map[int64]*chatSlot{}}
}

// chat waits for the chat's turn; release gives it back. A slot is forgotten
// once nobody holds or waits for it and its pause is over: at release, or
// in a sweep when there are many.
func (l *limiter) chat(id int64) (*chatSlot, func()) {
	l.mu.Lock()
	s := l.chats[id]
	if s == nil {
		if len(l.chats) >= 256 {
			l.sweep()
		}
		s = &chatSlot{}
		l.chats[id] = s
	}
	s.refs++
	l.mu.Unlock()
	s.mu.Lock()
	return s, func() {
		next := s.next
		s.mu.Unlock()
		l.mu.Lock()
		if s.refs--; s.refs == 0 && !next.After(l.now()) {
			delete(l.chats, id)
		}
		l.mu.Unlock()
	}
}

// sweep forgets idle slots whose pause is over; l.mu is held.
func (l *limiter) sweep() {
	now := l.now()
	for id, s := range l.chats {
		if s.refs == 0 && s.mu.TryLock() {
			if !s.next.After(now) {
				delete(l.chats, id)
			}
			s.mu.Unlock()
		}
	}
}

// reserve takes the next place in the overall pace and says how long to wait for it.
func (l *limiter) reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := now
	if l.next.After(at) {
		at = l.next
	}
	l.next = at.Add(l.global)
	return at.Sub(now)
}

// pause holds every send until t (after a 429).
func (l *limiter) pause(t time.Time) {
	l.mu.Lock()
	if t.After(l.next) {
		l.next = t
	}
	l.mu.Unlock()
}
