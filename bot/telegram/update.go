package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// kindUpdate is the kind of the inbox entries: a models.Update as JSON.
const kindUpdate = "update"

// updateKey is the update's key in the inbox.
func (a *Adapter) updateKey(u *models.Update) string {
	return "telegram:" + a.botID + ":" + strconv.FormatInt(u.ID, 10)
}

// keep stores u in the inbox before Telegram is told it arrived, and
// reports whether it is new.
func (a *Adapter) keep(ctx context.Context, u *models.Update) (bool, error) {
	payload, err := json.Marshal(u)
	if err != nil {
		return false, fmt.Errorf("telegram: keep update %d: %w", u.ID, err)
	}
	first, err := a.inbox.Keep(ctx, a.updateKey(u), kindUpdate, payload)
	if err != nil {
		return false, fmt.Errorf("telegram: keep update %d: %w", u.ID, err)
	}
	if !first {
		a.log.Debug("duplicate update ignored", "update", u.ID)
	}
	return first, nil
}

// replay handles an update an earlier run kept and left.
func (a *Adapter) replay(ctx context.Context, e offsitebot.InboxEntry) {
	var u models.Update
	if err := json.Unmarshal(e.Payload, &u); err != nil {
		a.log.Error("a kept update could not be read", "key", e.Key, "err", err)
		return
	}
	a.process(ctx, &u)
}

// process handles a kept update, and records it handled unless the work was
// cut short (then a later run replays it). A panic counts as handled: it
// would panic again.
func (a *Adapter) process(ctx context.Context, u *models.Update) {
	ctx = a.inbox.Handling(ctx, a.updateKey(u))
	defer bot.Finish(ctx)
	defer a.recoverUpdate(ctx, u)
	switch {
	case u.Message != nil:
		a.onMessage(ctx, u.Message)
	case u.CallbackQuery != nil:
		a.onCallback(ctx, u.CallbackQuery)
	}
}

// recoverUpdate keeps the adapter running when a handler panics: it logs IDs
// and the stack (never the text) and says sorry to the person.
func (a *Adapter) recoverUpdate(ctx context.Context, u *models.Update) {
	r := recover()
	if r == nil {
		return
	}
	what := fmt.Sprintf("%T", r)
	if re, ok := r.(runtime.Error); ok {
		what = re.Error() // runtime errors hold no user data
	}
	a.log.Error("panic handling update", "update", u.ID, "chat", chatOf(u), "panic", what, "stack", string(debug.Stack()))
	if chat := chatOf(u); chat != 0 {
		if err := a.deliver(ctx, chat, bot.Reply{Text: bot.MsgSomethingWrong}); err != nil {
			a.log.Warn("could not send the apology after a panic", "chat", chat, "err", err)
		}
	}
}

func userID(u *models.User) string { return "telegram:" + strconv.FormatInt(u.ID, 10) }

func (a *Adapter) onMessage(ctx context.Context, m *models.Message) {
	if m.From == nil || m.From.IsBot {
		return
	}
	text := strings.TrimSpace(m.Text)
	if m.Chat.Type != models.ChatTypePrivate {
		// Pupils' details are never shown in a group: answer commands only, with where to go.
		if strings.HasPrefix(text, "/") {
			a.reply(ctx, m.Chat.ID, []bot.Reply{{Text: bot.MsgPrivateOnly}})
		}
		return
	}
	media := mediaOf(m)
	if media != "" {
		text = strings.TrimSpace(m.Caption) // the words that came with it, as typed
	}
	text = stripBotName(text)
	who := a.identity(ctx, m.From)
	req := bot.Request{
		Platform: offsitebot.Telegram, UserID: userID(m.From), Name: m.From.FirstName,
		Chat: strconv.FormatInt(m.Chat.ID, 10), Text: text, Media: media, File: fileOf(m),
	}
	replies := a.respond(ctx, req)
	if isJoin(text) { // joining may have given them a role
		who = a.identity(ctx, m.From)
	}
	a.offerMenu(ctx, m.Chat.ID, who.Role)
	a.reply(ctx, m.Chat.ID, replies)
}

// fileOf is the file of a photo or a document, as Telegram keeps it for the
// bot (its file_id; of a photo, the largest size). One larger than a bot may
// download has no source: the school is told it came, the sender that it is
// too big.
func fileOf(m *models.Message) *offsitebot.FileRef {
	var f offsitebot.FileRef
	var id string
	switch {
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1] // the sizes come smallest first
		id, f = "photo:"+p.FileID, offsitebot.FileRef{Name: "photo.jpg", Type: "image/jpeg", Size: int64(p.FileSize)}
	case m.Document != nil:
		d := m.Document
		id, f = "document:"+d.FileID, offsitebot.FileRef{Name: d.FileName, Type: d.MimeType, Size: d.FileSize}
		if f.Name == "" {
			f.Name = "document"
		}
	default:
		return nil
	}
	if f.Size <= bot.MaxFetch {
		f.Source = "telegram:" + id
	}
	return &f
}

// mediaOf says what came with m besides words ("" for a plain text message):
// the router passes a photo, a document or a voice message on to the school,
// and answers a sticker or anything else it cannot.
func mediaOf(m *models.Message) string {
	switch {
	case len(m.Photo) > 0:
		return bot.MediaPhoto
	case m.Document != nil:
		return bot.MediaDocument
	case m.Voice != nil || m.Audio != nil:
		return bot.MediaVoice
	case m.Video != nil || m.VideoNote != nil || m.Animation != nil:
		return bot.MediaVideo
	case m.Sticker != nil:
		return bot.MediaSticker
	case m.Text == "":
		return bot.MediaOther
	}
	return ""
}

// respond asks the router, and records the update handled as soon as it has
// answered: a crash while the replies go out loses them, but does not make
// the request's work happen twice.
func (a *Adapter) respond(ctx context.Context, req bot.Request) []bot.Reply {
	replies := a.router.Handle(ctx, req)
	bot.Finish(ctx)
	return replies
}

// isJoin reports a join code sent: "/start CODE".
func isJoin(text string) bool {
	words := bot.Split(text)
	return len(words) > 1 && strings.EqualFold(strings.TrimPrefix(words[0], "/"), "start")
}

// identity reads who u is; an identity without a role if nobody yet (or
// unreadable: that is logged, and the router will say so).
func (a *Adapter) identity(ctx context.Context, u *models.User) offsitebot.Identity {
	id, err := a.store.Identity(ctx, userID(u))
	if err != nil {
		a.log.Warn("read identity", "user", userID(u), "err", err)
	}
	if err != nil || id == nil {
		return offsitebot.Identity{ID: userID(u)}
	}
	return *id
}

// stripBotName turns "/status@offsitebot x" into "/status x".
func stripBotName(text string) string {
	if !strings.HasPrefix(text, "/") {
		return text
	}
	word, rest, _ := strings.Cut(text, " ")
	if i := strings.IndexByte(word, '@'); i > 0 {
		word = word[:i]
	}
	if rest == "" {
		return word
	}
	return word + " " + rest
}

func (a *Adapter) onCallback(ctx context.Context, q *models.CallbackQuery) {
	// Stop the spinner on the button first; the answer follows as messages.
	if _, err := a.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: q.ID}); err != nil {
		a.log.Warn("answerCallbackQuery", "user", q.From.ID, "err", err)
	}
	if q.From.IsBot {
		return
	}
	var prompt *models.Message
	if q.Message.Type == models.MaybeInaccessibleMessageTypeMessage {
		prompt = q.Message.Message
	}
	chat := q.From.ID
	if prompt != nil {
		chat = prompt.Chat.ID
		if prompt.Chat.Type != models.ChatTypePrivate {
			a.reply(ctx, chat, []bot.Reply{{Text: bot.MsgPrivateOnly}})
			return
		}
	}
	// Only data that is on the pressed message counts: a client can send any
	// callback data, and the prompt is the record of what was offered.
	label, offered := buttonLabel(prompt, q.Data)
	data, ok := a.resolveData(ctx, chat, q.Data)
	if !ok || (prompt != nil && !offered) {
		a.reply(ctx, chat, []bot.Reply{{Text: bot.MsgButtonExpired}})
		return
	}
	a.offerMenu(ctx, chat, a.identity(ctx, &q.From).Role)
	// A step beside an item of a list leaves the list's other buttons be;
	// a question's choice is answered once.
	data, listed := strings.CutPrefix(data, itemMark)
	replies := a.respond(ctx, bot.Request{
		Platform: offsitebot.Telegram, UserID: userID(&q.From), Name: q.From.FirstName,
		Chat: strconv.FormatInt(chat, 10), Data: data, Command: strings.HasPrefix(data, "/"),
	})
	if prompt != nil && len(replies) > 0 && !listed {
		replies = a.editPrompt(ctx, prompt, label, replies)
	}
	a.reply(ctx, chat, replies)
}

// editPrompt shows on the prompt what was chosen and removes its buttons, so
// an answered prompt cannot be pressed again. A final answer (no buttons of
// its own) is shown in the prompt itself; a follow-up question is sent as a
// new message. It returns the replies still to send.
func (a *Adapter) editPrompt(ctx context.Context, prompt *models.Message, label string, replies []bot.Reply) []bot.Reply {
	first := replies[0]
	text := prompt.Text + "\n\n" + fmt.Sprintf(bot.MsgChosen, label)
	rest := replies
	if len(first.Buttons) == 0 && first.File == nil && first.Text != "" && !first.Structured() && len([]rune(prompt.Text))+len([]rune(first.Text)) < maxText-10 {
		text = prompt.Text + "\n\n" + first.Text
		rest = replies[1:]
	}
	err := a.call(ctx, prompt.Chat.ID, func(ctx context.Context) error {
		_, err := a.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{
			ChatID: prompt.Chat.ID, MessageID: prompt.ID, Text: text,
			ReplyMarkup: keyboard{InlineKeyboard: [][]button{}},
		})
		return err
	})
	if err != nil {
		a.log.Info("could not edit the prompt; answering in a new message", "chat", prompt.Chat.ID, "message", prompt.ID, "err", err)
		return replies
	}
	return rest
}

// buttonLabel finds data among the prompt's buttons.
func buttonLabel(prompt *models.Message, data string) (string, bool) {
	if prompt == nil || prompt.ReplyMarkup == nil {
		return "", false
	}
	for _, row := range prompt.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return b.Text, true
			}
		}
	}
	return "", false
}

// reply sends replies to a chat in order, logging (IDs only) what failed.
func (a *Adapter) reply(ctx context.Context, chat int64, replies []bot.Reply) {
	for _, r := range replies {
		if err := a.deliver(ctx, chat, r); err != nil {
			lvl := slog.LevelWarn
			if errors.Is(err, bot.ErrUnreachable) {
				lvl = slog.LevelInfo
			}
			a.log.Log(ctx, lvl, "reply not delivered", "chat", chat, "err", err)
			return
		}
	}
}
