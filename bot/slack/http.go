package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody is far above any Slack payload; it stops a flood before the HMAC.
const maxBody = 1 << 20

// ServeHTTP is the Bolt-style endpoint (POST /slack/events) for Events API
// callbacks, slash commands and interactivity payloads. Every request must
// carry a valid signature made within five minutes, or it gets 401 with no
// body and nothing is stored or sent. It acknowledges at once and works in
// the background, except a modal submission, whose field errors must come
// back in the response (within Slack's 3 seconds).
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		a.log.Warn("slack: refused unsigned request", "remote", r.RemoteAddr, "err", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		a.serveEvent(w, r, body)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch {
	case form.Get("ssl_check") != "":
		w.WriteHeader(http.StatusOK) // Slack checking our certificate
	case form.Get("payload") != "":
		a.serveInteraction(w, r, form.Get("payload"))
	case form.Get("command") != "":
		// Lean on the library's parser: give it the body it would have read.
		r.Body = io.NopCloser(bytes.NewReader(body))
		cmd, err := slackapi.SlashCommandParse(r)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		a.accept(w, a.takeSlash(r.Context(), cmd))
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// verify checks the signing secret's HMAC (constant-time) and the 5-minute
// window, with the library's verifier.
func (a *Adapter) verify(h http.Header, body []byte) error {
	sv, err := slackapi.NewSecretsVerifier(h, a.opts.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	outer, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	switch {
	case outer.Type == slackevents.URLVerification:
		var ch slackevents.ChallengeResponse
		if json.Unmarshal(body, &ch) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ch.Challenge)
	case err != nil:
		// An event type we do not subscribe to: ack so Slack does not retry.
		a.log.Debug("slack: event not parsed", "err", err)
		w.WriteHeader(http.StatusOK)
	case outer.Type == slackevents.CallbackEvent:
		a.accept(w, a.takeEvent(r.Context(), body, outer))
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, payload string) {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch cb.Type {
	case slackapi.InteractionTypeViewSubmission:
		resp, ok := a.submit(r.Context(), cb)
		if !ok {
			// Not taken: a non-200 keeps the modal open with Slack's own
			// error, so the person can submit again.
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if resp == nil {
			w.WriteHeader(http.StatusOK) // an empty 200 closes the modal
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	case slackapi.InteractionTypeBlockActions:
		a.accept(w, a.takeAction(r.Context(), []byte(payload), cb))
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// accept acks a delivery once it is kept in the inbox. One that could not
// be kept gets 503: the Events API then delivers it again (perhaps to
// another replica); a slash command or button shows the person Slack's
// error, so they can try again. Either way nothing acknowledged is lost.
func (a *Adapter) accept(w http.ResponseWriter, kept bool) {
	if !kept {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
