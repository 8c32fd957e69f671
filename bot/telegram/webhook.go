package telegram

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"
)

// maxUpdate bounds a webhook body; a text update is a few kilobytes.
const maxUpdate = 1 << 20

// handleTimeout bounds the work on one webhook update once accepted.
const handleTimeout = 2 * time.Minute

// ServeHTTP is the webhook, POST WebhookPath. It refuses a wrong or missing
// X-Telegram-Bot-Api-Secret-Token with 401 before reading anything (the
// library's own handler answers 200 and drops it). It answers 200 only once
// the update is kept in the inbox, and 500 if it could not be kept (503 once
// Close has begun), so that Telegram delivers it again; it handles the
// update, after the chat's earlier ones, before answering.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Digests are compared, not the tokens: ConstantTimeCompare returns at
	// once on a length mismatch, which would tell a guesser the length.
	got := sha256.Sum256([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")))
	want := sha256.Sum256(a.secret)
	if len(a.secret) == 0 || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		a.log.Warn("webhook: wrong or missing secret token; refused", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var u models.Update
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxUpdate)).Decode(&u); err != nil {
		a.log.Warn("webhook: unreadable update", "err", err)
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	// Finish what was started even if Telegram hangs up: the update is kept.
	ctx, done, ok := a.begin()
	if !ok {
		http.Error(w, "shutting down", http.StatusServiceUnavailable) // Telegram sends it again
		return
	}
	defer done()
	first, err := a.keep(ctx, &u)
	if err != nil {
		a.log.Error("webhook: update not kept; Telegram will retry", "update", u.ID, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	if first {
		wait, leave := a.lanes.Join(strconv.FormatInt(chatOf(&u), 10))
		defer leave()
		if wait(ctx) == nil {
			a.process(ctx, &u)
		} // else cut short: a later run replays it
	}
	w.WriteHeader(http.StatusOK)
}
