package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// The fake workspace.
const (
	fakeTeam     = "T0FAKE1"
	fakeBotUser  = "U0BOT"
	fakeBotToken = "xoxb-test-token"
	fakeAppToken = "xapp-test-token"
	fakeSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
)

// fakeSlack is slack-go's slacktest server (apps.connections.open and its
// routing) plus the Web API methods it lacks or that we must observe, each
// answering as Slack does: token checked, form or JSON body, {"ok":…} JSON,
// 429 with Retry-After when told to.
type fakeSlack struct {
	t   testing.TB
	srv *slacktest.Server

	mu       sync.Mutex
	posts    []fakePost            // chat.postMessage that succeeded
	attempts map[string]int        // calls per method, failed ones too
	views    []json.RawMessage     // views.open: the view
	triggers []string              // views.open: trigger_id
	homes    []fakeHome            // views.publish
	updates  []fakePost            // chat.update
	files    []fakeFile            // completed uploads
	uploads  map[string][]byte     // file ID -> uploaded bytes
	limit    map[string][]int      // method -> Retry-After seconds of the next 429s
	fail     map[string]string     // user -> conversations.open error
	dmOf     map[string]string     // DM channel -> user
	ws       func(*websocket.Conn) // Socket Mode server side
	badAuth  int                   // apps.connections.open answers invalid_auth this many times
	cut      map[string]int        // method -> calls whose connection is cut before an answer
}

type fakePost struct {
	Channel, Text, Thread string
	Blocks                json.RawMessage
	Mrkdwn                string // "false" when the text is not to be formatted
}

type fakeHome struct {
	User string
	View json.RawMessage
}

type fakeFile struct {
	Channel, Name string
	Data          []byte
}

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{
		t: t, attempts: map[string]int{}, uploads: map[string][]byte{}, limit: map[string][]int{},
		fail: map[string]string{}, dmOf: map[string]string{},
	}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", f.api("auth.test", f.authTest))
		c.Handle("/chat.postMessage", f.api("chat.postMessage", f.postMessage))
		c.Handle("/chat.update", f.api("chat.update", f.chatUpdate))
		c.Handle("/conversations.open", f.api("conversations.open", f.openConversation))
		c.Handle("/views.open", f.api("views.open", f.viewsOpen))
		c.Handle("/views.publish", f.api("views.publish", f.viewsPublish))
		c.Handle("/files.getUploadURLExternal", f.api("files.getUploadURLExternal", f.uploadURL))
		c.Handle("/files.completeUploadExternal", f.api("files.completeUploadExternal", f.completeUpload))
		c.Handle("/upload/", f.receiveUpload)
		c.Handle("/apps.connections.open", f.connectionsOpen)
		c.Handle("/ws", f.websocket)
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

func (f *fakeSlack) URL() string { return f.srv.GetAPIURL() }

// rateLimit makes the next calls of method answer 429 with these Retry-After values.
func (f *fakeSlack) rateLimit(method string, secs ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limit[method] = append(f.limit[method], secs...)
}

// cutOff makes the next n calls of method fail on the network.
func (f *fakeSlack) cutOff(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cut == nil {
		f.cut = map[string]int{}
	}
	f.cut[method] = n
}

func (f *fakeSlack) Posts() []fakePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakePost(nil), f.posts...)
}

func (f *fakeSlack) Views() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]json.RawMessage(nil), f.views...)
}

func (f *fakeSlack) Homes() []fakeHome {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeHome(nil), f.homes...)
}

func (f *fakeSlack) Updates() []fakePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakePost(nil), f.updates...)
}

func (f *fakeSlack) Files() []fakeFile {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeFile(nil), f.files...)
}

func (f *fakeSlack) Attempts(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[method]
}

// Triggers are the trigger_ids views.open was given.
func (f *fakeSlack) Triggers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.triggers...)
}

// apiRequest is one Web API call's arguments, from a form or a JSON body.
type apiRequest struct {
	form url.Values
	json []byte
}

// api wraps a method: it counts the call, checks the token the way Slack
// does (form "token" or Authorization: Bearer), answers a pending 429 and
// writes the handler's result as Slack's JSON.
func (f *fakeSlack) api(method string, h func(apiRequest) (map[string]any, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := apiRequest{}
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			req.json = body
		} else {
			req.form, _ = url.ParseQuery(string(body))
			if tok := req.form.Get("token"); tok != "" {
				token = tok
			}
		}
		f.mu.Lock()
		f.attempts[method]++
		if f.cut[method] > 0 {
			f.cut[method]--
			f.mu.Unlock()
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close() // a network failure: no answer at all
			}
			return
		}
		var retry int
		limited := len(f.limit[method]) > 0
		if limited {
			retry, f.limit[method] = f.limit[method][0], f.limit[method][1:]
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if limited {
			w.Header().Set("Retry-After", strconv.Itoa(retry))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		if token != fakeBotToken {
			_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		out, errCode := h(req)
		if errCode != "" {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": errCode})
			return
		}
		if out == nil {
			out = map[string]any{}
		}
		out["ok"] = true
		_ = json.NewEncoder(w).Encode(out)
	}
}

func (f *fakeSlack) authTest(apiRequest) (map[string]any, string) {
	return map[string]any{"url": "https://fake.slack.com/", "team": "Fake School", "user": "offsitebot",
		"team_id": fakeTeam, "user_id": fakeBotUser, "bot_id": "B0BOT"}, ""
}

func (f *fakeSlack) postMessage(r apiRequest) (map[string]any, string) {
	ch := r.form.Get("channel")
	if ch == "" {
		return nil, "channel_not_found"
	}
	if r.form.Get("text") == "" && r.form.Get("blocks") == "" {
		return nil, "no_text"
	}
	var blocks slackapi.Blocks
	if b := r.form.Get("blocks"); b != "" {
		if err := json.Unmarshal([]byte(b), &blocks); err != nil {
			return nil, "invalid_blocks"
		}
		if err := checkBlocks(json.RawMessage(b), maxBlocks); err != nil {
			f.t.Logf("chat.postMessage refused: %v", err)
			return nil, "invalid_blocks"
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := fmt.Sprintf("1764000000.%06d", len(f.posts)+1)
	f.posts = append(f.posts, fakePost{Channel: ch, Text: r.form.Get("text"), Thread: r.form.Get("thread_ts"),
		Blocks: json.RawMessage(r.form.Get("blocks")), Mrkdwn: r.form.Get("mrkdwn")})
	return map[string]any{"channel": ch, "ts": ts, "message": map[string]any{"text": r.form.Get("text"), "ts": ts}}, ""
}

func (f *fakeSlack) chatUpdate(r apiRequest) (map[string]any, string) {
	if r.form.Get("channel") == "" || r.form.Get("ts") == "" {
		return nil, "message_not_found"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, fakePost{Channel: r.form.Get("channel"), Text: r.form.Get("text"), Thread: r.form.Get("ts"), Blocks: json.RawMessage(r.form.Get("blocks"))})
	return map[string]any{"channel": r.form.Get("channel"), "ts": r.form.Get("ts"), "text": r.form.Get("text")}, ""
}

func (f *fakeSlack) openConversation(r apiRequest) (map[string]any, string) {
	users := r.form.Get("users")
	if users == "" || strings.Contains(users, ",") {
		return nil, "users_list_not_supplied"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if e := f.fail[users]; e != "" {
		return nil, e
	}
	ch := "D" + users
	f.dmOf[ch] = users
	return map[string]any{"channel": map[string]any{"id": ch, "is_im": true, "user": users}}, ""
}

func (f *fakeSlack) viewsOpen(r apiRequest) (map[string]any, string) {
	var req struct {
		TriggerID string          `json:"trigger_id"`
		View      json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(r.json, &req); err != nil || req.TriggerID == "" {
		return nil, "invalid_arguments"
	}
	if err := checkModal(req.View); err != nil {
		f.t.Logf("views.open refused: %v", err)
		return nil, "invalid_arguments"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.views = append(f.views, req.View)
	f.triggers = append(f.triggers, req.TriggerID)
	return map[string]any{"view": map[string]any{"id": fmt.Sprintf("V%d", len(f.views)), "type": "modal"}}, ""
}

func (f *fakeSlack) viewsPublish(r apiRequest) (map[string]any, string) {
	var req struct {
		UserID string          `json:"user_id"`
		View   json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(r.json, &req); err != nil || req.UserID == "" {
		return nil, "invalid_arguments"
	}
	var view struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(req.View, &view); err != nil {
		return nil, "invalid_arguments"
	}
	if err := checkBlocks(view.Blocks, maxModalBlocks); err != nil {
		f.t.Logf("views.publish refused: %v", err)
		return nil, "invalid_arguments"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.homes = append(f.homes, fakeHome{User: req.UserID, View: req.View})
	return map[string]any{"view": map[string]any{"id": "VHOME", "type": "home"}}, ""
}

func (f *fakeSlack) uploadURL(r apiRequest) (map[string]any, string) {
	if r.form.Get("filename") == "" || r.form.Get("length") == "" {
		return nil, "invalid_arguments"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprintf("F%d", len(f.uploads)+1)
	f.uploads[id] = nil
	return map[string]any{"upload_url": f.URL() + "upload/" + id, "file_id": id}, ""
}

func (f *fakeSlack) receiveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(file)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.uploads[id]; !ok {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	f.uploads[id] = data
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

func (f *fakeSlack) completeUpload(r apiRequest) (map[string]any, string) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(r.form.Get("files")), &files); err != nil || len(files) != 1 {
		return nil, "invalid_arguments"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	data, ok := f.uploads[files[0].ID]
	if !ok || data == nil {
		return nil, "file_not_found"
	}
	f.files = append(f.files, fakeFile{Channel: r.form.Get("channel_id"), Name: files[0].Title, Data: data})
	return map[string]any{"files": []map[string]any{{"id": files[0].ID, "title": files[0].Title}}}, ""
}

// connectionsOpen is apps.connections.open: app-level token only, answers
// the WebSocket URL (slacktest's own does not check the token).
func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.attempts["apps.connections.open"]++
	bad := f.badAuth > 0
	if bad {
		f.badAuth--
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if bad || r.Header.Get("Authorization") != "Bearer "+fakeAppToken {
		_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": f.srv.GetWSURL()})
}

// websocket serves Socket Mode: the test's function drives the connection.
func (f *fakeSlack) websocket(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	h := f.ws
	f.mu.Unlock()
	if h == nil {
		http.Error(w, "no socket mode here", http.StatusNotFound)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	h(c)
}

// sign makes a request to the events endpoint signed as Slack signs them.
func sign(t testing.TB, secret, contentType string, body []byte, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// slashBody is a slash command as Slack posts it.
func slashBody(user, text, trigger string) []byte {
	return []byte(url.Values{
		"token": {"legacy-verification-token"}, "team_id": {fakeTeam}, "team_domain": {"fake"},
		"channel_id": {"C0GENERAL"}, "channel_name": {"general"}, "user_id": {user}, "user_name": {"staff"},
		"command": {"/offsite"}, "text": {text}, "api_app_id": {"A0APP"}, "is_enterprise_install": {"false"},
		"response_url": {"https://hooks.slack.com/commands/T0FAKE1/1/x"}, "trigger_id": {trigger},
	}.Encode())
}

// imEvent is an Events API callback for a DM to the bot.
func imEvent(eventID, user, text string) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": fakeTeam, "api_app_id": "A0APP", "type": "event_callback",
		"event_id": eventID, "event_time": 1764000000, "authorizations": []any{},
		"event": map[string]any{"type": "message", "channel": "D" + user, "channel_type": "im", "user": user,
			"text": text, "ts": "1764000000.000100", "event_ts": "1764000000.000100"},
	})
	return b
}

// interaction is an interactivity payload as Slack form-posts it.
func interaction(payload any) []byte {
	b, _ := json.Marshal(payload)
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

// submitView is a view_submission form post for the opened modal.
func submitView(t testing.TB, user, trigger string, view json.RawMessage, answers map[string]string) []byte {
	return interaction(filledView(t, user, trigger, view, answers))
}

// filledView fills the opened modal like Slack does: every input block's
// state under its block_id and action_id, answers overriding initial values.
func filledView(t testing.TB, user, trigger string, view json.RawMessage, answers map[string]string) map[string]any {
	t.Helper()
	var v struct {
		Blocks []struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
			Element struct {
				Type          string `json:"type"`
				ActionID      string `json:"action_id"`
				InitialValue  string `json:"initial_value"`
				InitialDate   string `json:"initial_date"`
				InitialTime   string `json:"initial_time"`
				InitialOption *struct {
					Value string `json:"value"`
				} `json:"initial_option"`
			} `json:"element"`
		} `json:"blocks"`
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		t.Fatal(err)
	}
	values := map[string]map[string]any{}
	var blocks []any
	for _, b := range v.Blocks {
		blocks = append(blocks, map[string]any{"type": b.Type, "block_id": b.BlockID, "element": map[string]any{"type": b.Element.Type, "action_id": b.Element.ActionID}})
		if b.Type != "input" {
			continue
		}
		e := b.Element
		ans, given := answers[b.BlockID]
		st := map[string]any{"type": e.Type}
		switch e.Type {
		case "datepicker":
			st["selected_date"] = pick(given, ans, e.InitialDate)
		case "timepicker":
			st["selected_time"] = pick(given, ans, e.InitialTime)
		case "static_select":
			init := ""
			if e.InitialOption != nil {
				init = e.InitialOption.Value
			}
			if val := pick(given, ans, init); val != "" {
				st["selected_option"] = map[string]any{"value": val, "text": map[string]any{"type": "plain_text", "text": val}}
			} else {
				st["selected_option"] = nil
			}
		default:
			st["value"] = pick(given, ans, e.InitialValue)
		}
		values[b.BlockID] = map[string]any{e.ActionID: st}
	}
	return map[string]any{
		"type": "view_submission", "team": map[string]any{"id": fakeTeam, "domain": "fake"},
		"user": map[string]any{"id": user, "username": "staff", "team_id": fakeTeam}, "api_app_id": "A0APP",
		"trigger_id": trigger,
		"view": map[string]any{"id": "V1", "team_id": fakeTeam, "type": "modal", "callback_id": v.CallbackID,
			"private_metadata": v.PrivateMetadata, "hash": "h1", "blocks": blocks,
			"state": map[string]any{"values": values}},
	}
}

func pick(given bool, answer, initial string) string {
	if given {
		return answer
	}
	return initial
}

// checkModal applies the Block Kit limits Slack enforces on a modal
// (docs.slack.dev/reference/views/modal-views, block-kit/blocks/input-block).
func checkModal(raw json.RawMessage) error {
	var v struct {
		Type            string `json:"type"`
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		Title, Submit   *struct {
			Type, Text string
		}
		Blocks []struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
			Label   *struct {
				Type, Text string
			} `json:"label"`
			Element *struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Options  []struct {
					Text  struct{ Text string } `json:"text"`
					Value string                `json:"value"`
				} `json:"options"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	switch {
	case v.Type != "modal":
		return fmt.Errorf("type %q", v.Type)
	case v.Title == nil || v.Title.Type != "plain_text" || len([]rune(v.Title.Text)) > 24:
		return fmt.Errorf("title %+v", v.Title)
	case v.Submit != nil && len([]rune(v.Submit.Text)) > 24:
		return fmt.Errorf("submit %q", v.Submit.Text)
	case len(v.PrivateMetadata) > 3000 || len(v.CallbackID) > 255:
		return fmt.Errorf("metadata or callback too long")
	case len(v.Blocks) > 100:
		return fmt.Errorf("%d blocks", len(v.Blocks))
	}
	seen := map[string]bool{}
	for _, b := range v.Blocks {
		if b.BlockID != "" && seen[b.BlockID] {
			return fmt.Errorf("block_id %q twice", b.BlockID)
		}
		seen[b.BlockID] = true
		if b.Type != "input" {
			continue
		}
		if b.Label == nil || b.Label.Text == "" || len([]rune(b.Label.Text)) > 2000 || b.Element == nil || b.Element.ActionID == "" {
			return fmt.Errorf("input %q: label or element missing", b.BlockID)
		}
		if b.Element.Type == "static_select" {
			if n := len(b.Element.Options); n == 0 || n > 100 {
				return fmt.Errorf("select %q with %d options", b.BlockID, n)
			}
			for _, o := range b.Element.Options {
				if o.Text.Text == "" || len([]rune(o.Text.Text)) > 75 || o.Value == "" || len(o.Value) > 150 {
					return fmt.Errorf("select %q option %+v", b.BlockID, o)
				}
			}
		}
	}
	return nil
}

// checkBlocks applies the Block Kit limits Slack enforces on the blocks of a
// message (at most max of them) or a view (docs.slack.dev/reference/block-kit):
// lengths of every text, fields, elements and buttons, and a button's style
// and confirmation dialog.
func checkBlocks(raw json.RawMessage, max int) error {
	var bs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &bs); err != nil {
		return err
	}
	if len(bs) > max {
		return fmt.Errorf("%d blocks, at most %d", len(bs), max)
	}
	ids := map[string]bool{}
	for i, b := range bs {
		var typ, id string
		_ = json.Unmarshal(b["type"], &typ)
		_ = json.Unmarshal(b["block_id"], &id)
		if id != "" && ids[id] {
			return fmt.Errorf("block_id %q twice", id)
		}
		ids[id] = true
		err := checkBlock(typ, b)
		if err != nil {
			return fmt.Errorf("block %d (%s): %w", i, typ, err)
		}
	}
	return nil
}

func checkBlock(typ string, b map[string]json.RawMessage) error {
	switch typ {
	case "header":
		return checkText(b["text"], 150, true)
	case "section":
		var fields []json.RawMessage
		_ = json.Unmarshal(b["fields"], &fields)
		if b["text"] == nil && len(fields) == 0 {
			return fmt.Errorf("neither text nor fields")
		}
		if b["text"] != nil {
			if err := checkText(b["text"], 3000, false); err != nil {
				return err
			}
		}
		if len(fields) > 10 {
			return fmt.Errorf("%d fields", len(fields))
		}
		for _, f := range fields {
			if err := checkText(f, 2000, false); err != nil {
				return fmt.Errorf("field: %w", err)
			}
		}
		if b["accessory"] != nil {
			return checkElement(b["accessory"])
		}
	case "context":
		var els []json.RawMessage
		_ = json.Unmarshal(b["elements"], &els)
		if len(els) == 0 || len(els) > 10 {
			return fmt.Errorf("%d elements", len(els))
		}
		for _, e := range els {
			if err := checkText(e, 3000, false); err != nil {
				return err
			}
		}
	case "actions":
		var els []json.RawMessage
		_ = json.Unmarshal(b["elements"], &els)
		if len(els) == 0 || len(els) > 25 {
			return fmt.Errorf("%d elements", len(els))
		}
		seen := map[string]bool{}
		for _, e := range els {
			var el struct {
				ActionID string `json:"action_id"`
			}
			_ = json.Unmarshal(e, &el)
			if seen[el.ActionID] {
				return fmt.Errorf("action_id %q twice", el.ActionID)
			}
			seen[el.ActionID] = true
			if err := checkElement(e); err != nil {
				return err
			}
		}
	case "rich_text":
		if len(b["elements"]) < 3 {
			return fmt.Errorf("no elements")
		}
	case "divider", "input":
	default:
		return fmt.Errorf("unknown block type")
	}
	return nil
}

// checkText checks a text object: its type, and 1 to max characters.
func checkText(raw json.RawMessage, max int, plainOnly bool) error {
	var t struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Emoji    *bool  `json:"emoji"`
		Verbatim *bool  `json:"verbatim"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return err
	}
	switch {
	case t.Type != "plain_text" && t.Type != "mrkdwn", plainOnly && t.Type != "plain_text":
		return fmt.Errorf("text of type %q", t.Type)
	case t.Type == "mrkdwn" && t.Emoji != nil, t.Type == "plain_text" && t.Verbatim != nil:
		return fmt.Errorf("emoji on mrkdwn or verbatim on plain_text")
	case t.Text == "" || utf8.RuneCountInString(t.Text) > max:
		return fmt.Errorf("text of %d characters, want 1 to %d", utf8.RuneCountInString(t.Text), max)
	}
	return nil
}

// checkElement checks a button (the only element messages carry), with its
// style and confirmation dialog.
func checkElement(raw json.RawMessage) error {
	var e struct {
		Type     string          `json:"type"`
		Text     json.RawMessage `json:"text"`
		ActionID string          `json:"action_id"`
		Value    string          `json:"value"`
		Style    string          `json:"style"`
		Confirm  *struct {
			Title, Text, Confirm, Deny json.RawMessage
			Style                      string
		} `json:"confirm"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return err
	}
	if e.Type != "button" {
		return fmt.Errorf("element %q", e.Type)
	}
	if err := checkText(e.Text, 75, true); err != nil {
		return fmt.Errorf("button: %w", err)
	}
	switch {
	case e.ActionID == "" || len(e.ActionID) > 255:
		return fmt.Errorf("action_id %q", e.ActionID)
	case len(e.Value) > 2000:
		return fmt.Errorf("button value of %d characters", len(e.Value))
	case e.Style != "" && e.Style != "primary" && e.Style != "danger":
		return fmt.Errorf("button style %q", e.Style)
	}
	if c := e.Confirm; c != nil {
		for _, x := range []struct {
			raw   json.RawMessage
			max   int
			plain bool
		}{{c.Title, 100, true}, {c.Text, 300, false}, {c.Confirm, 30, true}, {c.Deny, 30, true}} {
			if err := checkText(x.raw, x.max, x.plain); err != nil {
				return fmt.Errorf("confirm: %w", err)
			}
		}
		if c.Style != "" && c.Style != "primary" && c.Style != "danger" {
			return fmt.Errorf("confirm style %q", c.Style)
		}
	}
	return nil
}
