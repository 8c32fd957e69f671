package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the pictures sendPhoto takes
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// fakeAPI is a Bot API server for tests. Like the real one it serves POST
// /bot<token>/<method> with multipart, urlencoded or JSON parameters, answers
// {"ok":…} with Telegram's error codes and descriptions, blocks getUpdates
// until an update is queued or its timeout passes, ends an earlier
// getUpdates with 409 when another starts, refuses getUpdates while a webhook
// is set, and can be told to answer 429 with retry_after or 403 "blocked".
type fakeAPI struct {
	t     testing.TB
	token string
	srv   *httptest.Server
	clock func() time.Time // stamps sends, to check pacing

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	pending    []*models.Update
	lastUpdate int64
	poll       chan struct{} // closed to end the active getUpdates with 409
	polls      int           // getUpdates calls served
	conflicts  int           // getUpdates ended by another
	webhook    string
	nextMsg    int
	msgs       []*fakeMsg
	queries    map[string]bool // callback query id -> answered
	answered   int
	edits      int
	limited    map[int64]int // chat -> 429s still to give
	retryAfter int
	blocked    map[int64]bool
	calls      map[string]int
	menus      map[string][]string // command menu by scope ("all_private_chats", "chat:42")
	onSend     func(chat int64)    // called for every message sent, if set
	cut        map[int64]int       // chat -> sends whose connection is cut before an answer
	kept       map[string]keptFile // file_id -> a file Telegram keeps (sent by people or the bot)
	down       map[string]int      // method -> calls answered 502 Bad Gateway, as Telegram does when it is down
}

// keptFile is a file Telegram keeps: what getFile and the download give,
// and what a send by its file_id sends.
type keptFile struct {
	kind, name, path string // kind: "photo" or "document"
	data             []byte
}

// fakeMsg is a message the bot sent, as it is now.
type fakeMsg struct {
	ID       int
	Chat     int64
	Text     string       // as Telegram shows it: HTML parsed
	Entities []fakeEntity // the formatting HTML made
	Buttons  [][]models.InlineKeyboardButton
	Document string // file name
	Photo    bool   // sent with sendPhoto (Data is the picture)
	Data     []byte
	At       time.Time
}

const testToken = "123456:TEST-token_abc"

func newFakeAPI(t testing.TB, clock func() time.Time) *fakeAPI {
	f := &fakeAPI{
		t: t, token: testToken, clock: clock, changed: make(chan struct{}),
		queries: map[string]bool{}, limited: map[int64]int{}, blocked: map[int64]bool{}, calls: map[string]int{},
		menus: map[string][]string{}, kept: map[string]keptFile{}, down: map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) URL() string { return f.srv.URL }

// notify wakes waiters; f.mu is held.
func (f *fakeAPI) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

type apiError struct {
	code        int
	description string
	retryAfter  int
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		f.download(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, ok2 := strings.Cut(rest, "/")
	if r.Method != http.MethodPost || !ok || !ok2 {
		writeAPI(w, nil, &apiError{404, "Not Found", 0})
		return
	}
	if tok != f.token {
		writeAPI(w, nil, &apiError{401, "Unauthorized", 0})
		return
	}
	p, files, err := readParams(r)
	if err != nil {
		writeAPI(w, nil, &apiError{400, "Bad Request: " + err.Error(), 0})
		return
	}
	f.mu.Lock()
	f.calls[method]++
	chat, _ := strconv.ParseInt(p["chat_id"], 10, 64)
	cut := strings.HasPrefix(method, "send") && f.cut[chat] > 0
	if cut {
		f.cut[chat]--
	}
	down := f.down[method] > 0
	if down {
		f.down[method]--
	}
	f.mu.Unlock()
	if down {
		writeAPI(w, nil, &apiError{502, "Bad Gateway", 0})
		return
	}
	if cut {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close() // a network failure: no answer at all
		}
		return
	}
	var res any
	var aerr *apiError
	switch method {
	case "getMe":
		res = models.User{ID: 123456, IsBot: true, FirstName: "offsitebot", Username: "offsitebot"}
	case "getUpdates":
		res, aerr = f.getUpdates(r.Context(), p)
	case "setWebhook":
		f.mu.Lock()
		f.webhook = p["url"]
		f.mu.Unlock()
		res = true
	case "deleteWebhook":
		f.mu.Lock()
		f.webhook = ""
		f.mu.Unlock()
		res = true
	case "sendMessage", "sendDocument", "sendPhoto":
		res, aerr = f.send(method, p, files)
	case "getFile":
		res, aerr = f.getFile(p)
	case "setMyCommands", "deleteMyCommands":
		res, aerr = f.setMenu(method, p)
	case "editMessageText":
		res, aerr = f.edit(p)
	case "answerCallbackQuery":
		f.mu.Lock()
		answered, known := f.queries[p["callback_query_id"]]
		if !known || answered {
			aerr = &apiError{400, "Bad Request: query is too old and response timeout expired or query ID is invalid", 0}
		} else {
			f.queries[p["callback_query_id"]] = true
			f.answered++
			res = true
		}
		f.mu.Unlock()
	default:
		aerr = &apiError{404, "Not Found", 0}
	}
	writeAPI(w, res, aerr)
}

func writeAPI(w http.ResponseWriter, res any, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if e != nil {
		w.WriteHeader(e.code)
		body := map[string]any{"ok": false, "error_code": e.code, "description": e.description}
		if e.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": e.retryAfter}
		}
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": res})
}

type upload struct {
	name string
	data []byte
}

// readParams reads a method's parameters as the Bot API accepts them; nested
// values (reply_markup) come back as JSON text.
func readParams(r *http.Request) (map[string]string, map[string]upload, error) {
	p, files := map[string]string{}, map[string]upload{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		// A method without parameters comes as an empty body.
		if err := r.ParseMultipartForm(32 << 20); errors.Is(err, io.EOF) || err != nil && strings.HasSuffix(err.Error(), "EOF") {
			return p, files, nil
		} else if err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			p[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			fh := fhs[0]
			rd, err := fh.Open()
			if err != nil {
				return nil, nil, err
			}
			b, _ := io.ReadAll(rd)
			rd.Close()
			files[k] = upload{fh.Filename, b}
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, nil, err
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				p[k] = s
			} else {
				p[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.PostForm {
			p[k] = v[0]
		}
	}
	return p, files, nil
}

func (f *fakeAPI) getUpdates(ctx context.Context, p map[string]string) (any, *apiError) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	f.mu.Lock()
	if f.webhook != "" {
		f.mu.Unlock()
		return nil, &apiError{409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0}
	}
	if f.poll != nil {
		close(f.poll) // the earlier request gets 409, as on Telegram
	}
	mine := make(chan struct{})
	f.poll = mine
	f.polls++
	defer func() {
		if f.poll == mine {
			f.poll = nil
		}
		f.mu.Unlock()
	}()
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		// An offset acknowledges every update before it.
		if offset > 0 {
			i := 0
			for i < len(f.pending) && f.pending[i].ID < offset {
				i++
			}
			f.pending = f.pending[i:]
		}
		if len(f.pending) > 0 || timeout == 0 {
			out := f.pending[:min(len(f.pending), 100)]
			return append([]*models.Update{}, out...), nil
		}
		changed := f.changed
		f.mu.Unlock()
		select {
		case <-changed:
			f.mu.Lock()
		case <-mine:
			f.mu.Lock()
			f.conflicts++
			return nil, &apiError{409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0}
		case <-deadline.C:
			f.mu.Lock()
			return []*models.Update{}, nil
		case <-ctx.Done():
			f.mu.Lock()
			return nil, &apiError{499, "client went away", 0}
		}
	}
}

func (f *fakeAPI) send(method string, p map[string]string, files map[string]upload) (any, *apiError) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		return nil, &apiError{400, "Bad Request: chat not found", 0}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked[chat] {
		return nil, &apiError{403, "Forbidden: bot was blocked by the user", 0}
	}
	if f.limited[chat] > 0 {
		f.limited[chat]--
		return nil, &apiError{429, fmt.Sprintf("Too Many Requests: retry after %d", f.retryAfter), f.retryAfter}
	}
	m := &fakeMsg{Chat: chat, At: f.clock()}
	switch method {
	case "sendMessage":
		m.Text = p["text"]
		if p["parse_mode"] == "HTML" {
			var err error
			if m.Text, m.Entities, err = parseHTML(m.Text); err != nil {
				return nil, &apiError{400, "Bad Request: can't parse entities: " + err.Error(), 0}
			}
		} else if p["parse_mode"] != "" {
			return nil, &apiError{400, "Bad Request: unsupported parse_mode " + p["parse_mode"], 0}
		}
		if strings.TrimSpace(m.Text) == "" {
			return nil, &apiError{400, "Bad Request: message text is empty", 0}
		}
		if length(m.Text) > maxText {
			return nil, &apiError{400, "Bad Request: message is too long", 0}
		}
	case "sendDocument", "sendPhoto":
		if id := p[map[string]string{"sendDocument": "document", "sendPhoto": "photo"}[method]]; id != "" {
			// A file Telegram keeps, sent again by its file_id.
			k, ok := f.kept[id]
			switch {
			case !ok:
				return nil, &apiError{400, "Bad Request: wrong file identifier/HTTP URL specified", 0}
			case (method == "sendPhoto") != (k.kind == "photo"):
				return nil, &apiError{400, "Bad Request: type of file mismatch", 0}
			}
			files = map[string]upload{k.kind: {k.name, k.data}}
		}
	}
	switch method {
	case "sendDocument":
		up, ok := files["document"]
		if !ok || len(up.data) == 0 {
			return nil, &apiError{400, "Bad Request: there is no document in the request", 0}
		}
		m.Document, m.Data, m.Text = up.name, up.data, p["caption"]
		if len([]rune(m.Text)) > maxCaption {
			return nil, &apiError{400, "Bad Request: message caption is too long", 0}
		}
	case "sendPhoto":
		up, ok := files["photo"]
		if !ok || len(up.data) == 0 {
			return nil, &apiError{400, "Bad Request: there is no photo in the request", 0}
		}
		// Telegram takes a picture of up to 10 MB, width and height adding
		// up to 10,000 and one at most 20 times the other.
		cfg, _, err := image.DecodeConfig(bytes.NewReader(up.data))
		switch {
		case err != nil:
			return nil, &apiError{400, "Bad Request: IMAGE_PROCESS_FAILED", 0}
		case len(up.data) > 10<<20:
			return nil, &apiError{400, "Bad Request: PHOTO_SAVE_FILE_INVALID", 0}
		case cfg.Width+cfg.Height > 10000 || cfg.Width > 20*cfg.Height || cfg.Height > 20*cfg.Width:
			return nil, &apiError{400, "Bad Request: PHOTO_INVALID_DIMENSIONS", 0}
		}
		m.Photo, m.Data, m.Text = true, up.data, p["caption"]
		if len([]rune(m.Text)) > maxCaption {
			return nil, &apiError{400, "Bad Request: message caption is too long", 0}
		}
	}
	kb, aerr := parseMarkup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	m.Buttons = kb
	f.nextMsg++
	m.ID = f.nextMsg
	f.msgs = append(f.msgs, m)
	switch {
	case m.Document != "":
		f.keepFile(fmt.Sprint("doc", m.ID), "document", m.Document, m.Data)
	case m.Photo:
		f.keepFile(fmt.Sprint("photo", m.ID), "photo", "photo.jpg", m.Data)
	}
	f.notify()
	if f.onSend != nil {
		f.onSend(chat)
	}
	return f.wire(m), nil
}

// parseMarkup checks an inline keyboard as Telegram does.
func parseMarkup(s string) ([][]models.InlineKeyboardButton, *apiError) {
	if s == "" {
		return nil, nil
	}
	var raw struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, &apiError{400, "Bad Request: can't parse reply keyboard markup JSON object", 0}
	}
	var out [][]models.InlineKeyboardButton
	for _, row := range raw.InlineKeyboard {
		var r []models.InlineKeyboardButton
		for _, b := range row {
			var text, data string
			_ = json.Unmarshal(b["text"], &text)
			_ = json.Unmarshal(b["callback_data"], &data)
			if ct, ok := b["copy_text"]; ok {
				var c struct{ Text string }
				_ = json.Unmarshal(ct, &c)
				if c.Text == "" {
					return nil, &apiError{400, "Bad Request: BUTTON_COPY_TEXT_INVALID", 0}
				}
			}
			if _, ok := b["callback_data"]; !ok {
				return nil, &apiError{400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard", 0}
			}
			if len(data) == 0 || len(data) > maxCallbackData {
				return nil, &apiError{400, "Bad Request: BUTTON_DATA_INVALID", 0}
			}
			r = append(r, models.InlineKeyboardButton{Text: text, CallbackData: data})
		}
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeAPI) edit(p map[string]string) (any, *apiError) {
	chat, _ := strconv.ParseInt(p["chat_id"], 10, 64)
	id, _ := strconv.Atoi(p["message_id"])
	kb, aerr := parseMarkup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		if m.ID != id || m.Chat != chat {
			continue
		}
		if m.Text == p["text"] && len(m.Buttons) == 0 && len(kb) == 0 {
			return nil, &apiError{400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", 0}
		}
		m.Text, m.Buttons = p["text"], kb
		f.edits++
		f.notify()
		return f.wire(m), nil
	}
	return nil, &apiError{400, "Bad Request: message to edit not found", 0}
}

// keepFile keeps a file under id, as Telegram keeps what is sent; f.mu is held.
func (f *fakeAPI) keepFile(id, kind, name string, data []byte) {
	f.kept[id] = keptFile{kind: kind, name: name, path: fmt.Sprintf("%ss/file_%d", kind, len(f.kept)), data: data}
}

// sendsFile is a person sending the bot a photo or a document (kind) in a
// private chat, as Telegram delivers it: its file_id, name, type and size.
func (f *fakeAPI) sendsFile(from *models.User, kind, name, mimeType, caption string, data []byte) *models.Update {
	f.mu.Lock()
	id := fmt.Sprintf("%s-from-%d-%d", kind, from.ID, len(f.kept))
	f.keepFile(id, kind, name, data)
	f.mu.Unlock()
	u := textUpdate(from, "")
	m := u.Message
	m.Caption = caption
	if kind == "photo" {
		// Telegram gives a photo in several sizes, smallest first.
		m.Photo = []models.PhotoSize{{FileID: id + "-thumb", FileSize: 1000, Width: 90, Height: 90}, {FileID: id, FileSize: len(data), Width: 800, Height: 600}}
	} else {
		m.Document = &models.Document{FileID: id, FileName: name, MimeType: mimeType, FileSize: int64(len(data))}
	}
	return u
}

// getFile answers as the Bot API does: the file's path for the download,
// refused for a file over the 20 MB a bot may download.
func (f *fakeAPI) getFile(p map[string]string) (any, *apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.kept[p["file_id"]]
	switch {
	case !ok:
		return nil, &apiError{400, "Bad Request: invalid file_id", 0}
	case len(k.data) > 20<<20:
		return nil, &apiError{400, "Bad Request: file is too big", 0}
	}
	return models.File{FileID: p["file_id"], FileUniqueID: "u" + p["file_id"], FileSize: int64(len(k.data)), FilePath: k.path}, nil
}

// download serves GET /file/bot<token>/<file_path>, as Telegram does.
func (f *fakeAPI) download(w http.ResponseWriter, r *http.Request, rest string) {
	tok, path, _ := strings.Cut(rest, "/")
	if r.Method != http.MethodGet || tok != f.token {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.calls["download"]++
	var data []byte
	found := false
	for _, k := range f.kept {
		if k.path == path {
			data, found = k.data, true
		}
	}
	f.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(data)
}

// wire is a sent message as the Bot API returns it.
func (f *fakeAPI) wire(m *fakeMsg) *models.Message {
	out := &models.Message{ID: m.ID, Date: int(f.clock().Unix()), Chat: models.Chat{ID: m.Chat, Type: models.ChatTypePrivate}, Text: m.Text}
	switch {
	case m.Document != "":
		out.Text, out.Caption = "", m.Text
		out.Document = &models.Document{FileID: fmt.Sprint("doc", m.ID), FileName: m.Document, FileSize: int64(len(m.Data))}
	case m.Photo:
		out.Text, out.Caption = "", m.Text
		out.Photo = []models.PhotoSize{{FileID: fmt.Sprint("photo", m.ID), FileSize: len(m.Data)}}
	}
	if len(m.Buttons) > 0 {
		out.ReplyMarkup = &models.InlineKeyboardMarkup{InlineKeyboard: m.Buttons}
	}
	return out
}

// queue adds an update for getUpdates with the next update_id, and returns it.
func (f *fakeAPI) queue(u *models.Update) *models.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastUpdate++
	u.ID = f.lastUpdate
	f.pending = append(f.pending, u)
	f.notify()
	return u
}

func user(id int64, name string) *models.User {
	return &models.User{ID: id, FirstName: name}
}

// textUpdate is a message typed in a private chat (update_id unset).
func textUpdate(from *models.User, text string) *models.Update {
	return &models.Update{Message: &models.Message{
		ID: int(time.Now().UnixNano() % 1e9), Date: 1, From: from, Text: text,
		Chat: models.Chat{ID: from.ID, Type: models.ChatTypePrivate, FirstName: from.FirstName},
	}}
}

// press is a callback query for data on the bot's message msg, as Telegram
// sends it: with the message as it is now.
func (f *fakeAPI) press(from *models.User, msg int, data string) *models.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	var m *models.Message
	for _, x := range f.msgs {
		if x.ID == msg {
			m = f.wire(x)
		}
	}
	if m == nil {
		f.t.Fatalf("press: no message %d", msg)
	}
	id := fmt.Sprintf("q%d", len(f.queries)+1)
	f.queries[id] = false
	return &models.Update{CallbackQuery: &models.CallbackQuery{
		ID: id, From: *from, Data: data, ChatInstance: "ci",
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: m},
	}}
}

// sent returns copies of the messages the bot has sent to chat, oldest first.
func (f *fakeAPI) sent(chat int64) []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeMsg
	for _, m := range f.msgs {
		if m.Chat == chat {
			out = append(out, *m)
		}
	}
	return out
}

// waitFor waits until cond holds (an event from the adapter, not the
// passing of time), checking on every change of the fake and every few
// milliseconds; it fails the test after 20s.
func (f *fakeAPI) waitFor(what string, cond func() bool) {
	f.t.Helper()
	timeout := time.After(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		f.mu.Lock()
		ch := f.changed
		f.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-timeout:
			f.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitSent waits until chat has at least n messages and returns them.
func (f *fakeAPI) waitSent(chat int64, n int) []fakeMsg {
	f.t.Helper()
	f.waitFor(fmt.Sprintf("%d messages to %d", n, chat), func() bool { return len(f.sent(chat)) >= n })
	return f.sent(chat)
}

func (f *fakeAPI) count(field *int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *field
}

// fakeEntity is a piece of formatted text: its kind (the tag) and its text.
type fakeEntity struct {
	Type, Text string
}

// htmlTags are the tags Telegram's HTML parse mode knows
// (core.telegram.org/bots/api#html-style).
var htmlTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true, "tg-spoiler": true,
	"span": true, "blockquote": true, "tg-emoji": true}

// parseHTML reads text in Telegram's HTML parse mode as Telegram does: the
// text shown, and the entities its tags make. Like Telegram it refuses an
// unknown tag, a tag not closed or closed out of order, and a "<" or "&"
// that starts no tag or entity.
func parseHTML(s string) (string, []fakeEntity, error) {
	var out strings.Builder
	type open struct {
		name  string
		start int
	}
	var stack []open
	var ents []fakeEntity
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", nil, fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			i += end + 1
			if name, closing := strings.CutPrefix(tag, "/"); closing {
				if len(stack) == 0 || stack[len(stack)-1].name != name {
					return "", nil, fmt.Errorf("unmatched end tag %q", name)
				}
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				ents = append(ents, fakeEntity{Type: name, Text: out.String()[top.start:]})
				continue
			}
			name, _, _ := strings.Cut(tag, " ")
			if !htmlTags[name] {
				return "", nil, fmt.Errorf("unsupported start tag %q", name)
			}
			stack = append(stack, open{name, out.Len()})
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", nil, fmt.Errorf("unterminated entity at byte offset %d", i)
			}
			ent := s[i+1 : i+end]
			i += end + 1
			switch {
			case ent == "lt":
				out.WriteByte('<')
			case ent == "gt":
				out.WriteByte('>')
			case ent == "amp":
				out.WriteByte('&')
			case ent == "quot":
				out.WriteByte('"')
			case strings.HasPrefix(ent, "#"):
				n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(ent, "#"), "x"), map[bool]int{true: 16, false: 10}[strings.HasPrefix(ent, "#x")], 32)
				if err != nil {
					return "", nil, fmt.Errorf("bad numeric entity %q", ent)
				}
				out.WriteRune(rune(n))
			default:
				return "", nil, fmt.Errorf("unsupported entity %q", ent)
			}
		case '>':
			return "", nil, fmt.Errorf("a > outside a tag at byte offset %d", i)
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("tag %q not closed", stack[len(stack)-1].name)
	}
	return out.String(), ents, nil
}

// setMenu is setMyCommands and deleteMyCommands, with Telegram's checks of
// each command (1-32 of a-z, 0-9 and _; a description of 1-256 characters).
func (f *fakeAPI) setMenu(method string, p map[string]string) (any, *apiError) {
	var scope struct {
		Type   string `json:"type"`
		ChatID int64  `json:"chat_id"`
	}
	scope.Type = "default"
	if p["scope"] != "" {
		if err := json.Unmarshal([]byte(p["scope"]), &scope); err != nil {
			return nil, &apiError{400, "Bad Request: can't parse BotCommandScope JSON object", 0}
		}
	}
	key := scope.Type
	if scope.Type == "chat" {
		key = fmt.Sprintf("chat:%d", scope.ChatID)
	}
	var cmds []models.BotCommand
	if method == "setMyCommands" {
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil || len(cmds) == 0 || len(cmds) > 100 {
			return nil, &apiError{400, "Bad Request: can't parse commands", 0}
		}
	}
	var names []string
	for _, c := range cmds {
		ok := len(c.Command) >= 1 && len(c.Command) <= 32 && strings.Trim(c.Command, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
		if n := length(c.Description); !ok || n < 1 || n > 256 {
			return nil, &apiError{400, "Bad Request: BOT_COMMAND_INVALID", 0}
		}
		names = append(names, c.Command)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if names == nil {
		delete(f.menus, key)
	} else {
		f.menus[key] = names
	}
	f.notify()
	return true, nil
}

// menu is the command menu set for scope, nil for none.
func (f *fakeAPI) menu(scope string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.menus[scope]
}

// callsOf counts the calls of method.
func (f *fakeAPI) callsOf(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}
