package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// submitWait is how long a modal submission may take before the modal is
// closed anyway: Slack drops the response after 3 seconds.
const submitWait = 2500 * time.Millisecond

const sorry = "Sorry, something went wrong on our side and I did not act on that. Please try again in a minute."

// buttonGone answers a press of a button whose kept value is unknown (pruned, or not this person's).
const buttonGone = "Sorry, that button no longer works. Type the command instead, or help to see what I can do."

// dest says where the answers to one request go. Everything goes to the
// person's DM with the bot (or a modal): pupil names never reach a channel.
type dest struct {
	team, user string
	channel    string // the bot's DM with user, when the request came from it
	thread     string // reply in this thread
	trigger    string // trigger_id: opens one modal within 3 s of the request
	rerun      string // the command that asked, to reopen its form from a button
}

func (a *Adapter) teamOr(team string) string {
	if team != "" {
		return team
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.team
}

// slash handles /offsite … after it was acknowledged.
func (a *Adapter) slash(ctx context.Context, cmd slackapi.SlashCommand) {
	team := a.teamOr(cmd.TeamID)
	text := cleanText(team, cmd.Text)
	if text == "" {
		text = "help"
	}
	req := bot.Request{
		Platform: offsitebot.Slack, UserID: userID(team, cmd.UserID), Name: cmd.UserName, Chat: cmd.UserID,
		Text: text, Command: true, Forms: cmd.TriggerID != "",
	}
	// A slash command typed in any channel is answered in the bot's DM: the
	// channel may be shared, and a DM between two people is not ours to post in.
	d := dest{team: team, user: cmd.UserID, trigger: cmd.TriggerID, rerun: "/" + text}
	a.deliver(ctx, d, a.respond(ctx, req))
}

// event handles an Events API callback after it was acknowledged.
func (a *Adapter) event(ctx context.Context, outer slackevents.EventsAPIEvent) {
	if _, ok := outer.Data.(*slackevents.EventsAPICallbackEvent); !ok {
		return
	}
	team := a.teamOr(outer.TeamID)
	switch ev := outer.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		a.mu.Lock()
		self := ev.User == a.botUser
		a.mu.Unlock()
		// Only what a person typed to the bot: not edits, joins or the bot's own posts.
		if ev.ChannelType != "im" || ev.BotID != "" || ev.SubType != "" || ev.User == "" || self {
			return
		}
		req := bot.Request{
			Platform: offsitebot.Slack, UserID: userID(team, ev.User), Chat: ev.Channel,
			Text: cleanText(team, ev.Text),
		}
		d := dest{team: team, user: ev.User, channel: ev.Channel, thread: ev.ThreadTimeStamp}
		a.deliver(ctx, d, a.respond(ctx, req))
	case *slackevents.AppHomeOpenedEvent:
		if ev.Tab != "home" {
			return
		}
		if err := a.publishHome(ctx, team, ev.User); err != nil {
			a.log.Error("slack: publish home", "user", userID(team, ev.User), "err", err)
		}
	}
}

// action handles a button press after it was acknowledged.
func (a *Adapter) action(ctx context.Context, cb slackapi.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	team := a.teamOr(cb.Team.ID)
	// A value kept aside (too long for Slack) is bound to where the button
	// was shown: the message's channel, or the user's Home tab.
	owner := cb.User.ID
	if cb.Container.Type == "message" {
		owner = cb.Container.ChannelID
	}
	data, known, err := a.stash.Get(ctx, owner, act.Value)
	if err != nil {
		a.log.Error("slack: read button value", "user", userID(team, cb.User.ID), "err", err)
	}
	req := bot.Request{
		Platform: offsitebot.Slack, UserID: userID(team, cb.User.ID), Name: cb.User.Name, Chat: cb.User.ID,
		Data: data, Command: strings.HasPrefix(data, "/"), Forms: cb.TriggerID != "",
	}
	d := dest{team: team, user: cb.User.ID, trigger: cb.TriggerID, rerun: data}
	if cb.Container.Type == "message" && strings.HasPrefix(cb.Container.ChannelID, "D") {
		// Buttons are only on the bot's own messages, so this DM is the bot's.
		// The answer goes in the thread of the message pressed, so a prompt
		// and its follow-up questions stay together.
		d.channel, d.thread = cb.Container.ChannelID, cb.Container.ThreadTs
		if d.thread == "" {
			d.thread = cb.Container.MessageTs
		}
	}
	if !known {
		msg := sorry
		if err == nil {
			msg = buttonGone
		}
		a.deliver(ctx, d, []bot.Reply{{Text: msg}})
		return
	}
	if d.channel != "" && pressedRow(cb, act) {
		// Only in the DM: in a shared channel the buttons are others' too.
		a.markPressed(ctx, cb, act)
	}
	a.deliver(ctx, d, a.respond(ctx, req))
}

// pressedRow reports whether the button pressed is among a question's
// choices (an actions block), which one answer settles; a button beside an
// item of a list leaves the others' buttons as they are.
func pressedRow(cb slackapi.InteractionCallback, act *slackapi.BlockAction) bool {
	for _, b := range cb.Message.Blocks.BlockSet {
		if ab, ok := b.(*slackapi.ActionBlock); ok && ab.BlockID == act.BlockID {
			return true
		}
	}
	return false
}

// markPressed replaces the buttons of the message with the choice made, so
// the same question is not answered twice by accident.
func (a *Adapter) markPressed(ctx context.Context, cb slackapi.InteractionCallback, act *slackapi.BlockAction) {
	var keep []slackapi.Block
	for _, b := range cb.Message.Blocks.BlockSet {
		if b.BlockType() != slackapi.MBTAction {
			keep = append(keep, b)
		}
	}
	keep = append(keep, slackapi.NewContextBlock("chosen", plain("› "+act.Text.Text)))
	err := a.retry(ctx, "chat.update", func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, cb.Container.ChannelID, cb.Container.MessageTs,
			slackapi.MsgOptionText(cb.Message.Text, false), slackapi.MsgOptionBlocks(keep...))
		return err
	})
	if err != nil {
		a.log.Warn("slack: mark pressed", "user", userID(a.teamOr(cb.Team.ID), cb.User.ID), "err", err)
	}
}

// respond asks the router, and records the delivery handled as soon as it
// has answered, unless it was cut short (bot.Finish): a crash while the
// replies go out loses them, but does not make the request's work happen
// twice.
func (a *Adapter) respond(ctx context.Context, req bot.Request) []bot.Reply {
	replies := a.router.Handle(ctx, req)
	bot.Finish(ctx)
	return replies
}

// submit answers a modal submission within Slack's 3 seconds: field errors
// go back in the response and keep the modal open; otherwise the modal
// closes (or shows the next form) and the replies go by DM. If the router is
// slower than that, the modal closes and everything, errors too, comes by DM.
// A nil response closes the modal. ok is false when the adapter is closing or
// full and did not take the submission: the caller must not answer with a
// success, or the modal would close on a form nobody saved.
func (a *Adapter) submit(ctx context.Context, cb slackapi.InteractionCallback) (resp *slackapi.ViewSubmissionResponse, ok bool) {
	req, d, ok := a.viewRequest(cb)
	if !ok {
		return nil, true
	}
	state, _ := json.Marshal(cb.View.State)
	key := inboxPrefix + deliveryKey(kindView, d.team, cb.TriggerID, cb.User.ID, cb.View.ID+string(state))
	payload, _ := json.Marshal(cb)
	var blockIDs []string // the view's fields, in order
	for _, b := range cb.View.Blocks.BlockSet {
		if in, ok := b.(*slackapi.InputBlock); ok {
			blockIDs = append(blockIDs, in.BlockID)
		}
	}

	var (
		mu      sync.Mutex
		late    bool // the responder gave up waiting
		decided bool // the worker's response is the answer
		kept    bool // the submission is in the inbox
	)
	res := make(chan *slackapi.ViewSubmissionResponse, 1)
	started := a.goNow(func(ctx context.Context) {
		ctx = a.inbox.Handling(ctx, key)
		defer bot.Finish(ctx)
		first, err := a.inbox.Keep(ctx, key, kindView, payload)
		mu.Lock()
		given := late && !kept // up: the modal stayed open for them to submit again
		kept = err == nil
		mu.Unlock()
		if given {
			return
		}
		var replies []bot.Reply
		switch {
		case err != nil:
			a.log.Error("slack: could not keep a modal submission", "user", req.UserID, "err", err)
			replies = []bot.Reply{{Text: sorry}}
		case first:
			replies = a.respond(ctx, req)
		}
		resp, rest := submission(replies, blockIDs)
		mu.Lock()
		if late {
			rest = byDM(replies)
		} else {
			decided = true
			res <- resp
		}
		mu.Unlock()
		a.deliver(ctx, d, rest)
	})
	if !started {
		return nil, false
	}
	wait := a.submitWait
	if wait == 0 {
		wait = submitWait
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case r := <-res:
		return r, true
	case <-t.C:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	if !kept && !decided {
		// Not even kept yet: closing the modal would acknowledge a form that
		// a crash could lose. Slack's own error keeps it open instead.
		late = true
		a.log.Warn("slack: modal submission not kept within Slack's wait; left open to submit again", "user", req.UserID)
		return nil, false
	}
	if decided {
		return <-res, true
	}
	late = true
	a.log.Warn("slack: modal submission slower than Slack waits; answering by DM", "user", req.UserID)
	return nil, true
}

// viewRequest is the request a modal submission makes, and where its
// answers go; ok is false for a modal that is not a flow's form.
func (a *Adapter) viewRequest(cb slackapi.InteractionCallback) (req bot.Request, d dest, ok bool) {
	if cb.View.CallbackID != formCallback {
		return req, d, false
	}
	var meta formMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Flow == "" {
		a.log.Warn("slack: modal without flow", "user", userID(a.teamOr(cb.Team.ID), cb.User.ID))
		return req, d, false
	}
	team := a.teamOr(cb.Team.ID)
	req = bot.Request{
		Platform: offsitebot.Slack, UserID: userID(team, cb.User.ID), Name: cb.User.Name, Chat: cb.User.ID,
		Text: meta.Flow, Args: formValues(cb.View.State), Command: true, Forms: true,
	}
	return req, dest{team: team, user: cb.User.ID}, true
}

// lateView handles a modal submission kept and left by an earlier run: the
// modal is long closed, so everything goes by DM.
func (a *Adapter) lateView(ctx context.Context, cb slackapi.InteractionCallback) {
	if req, d, ok := a.viewRequest(cb); ok {
		a.deliver(ctx, d, byDM(a.respond(ctx, req)))
	}
}

// byDM puts a form's field errors into the text of its reply, for a DM.
func byDM(replies []bot.Reply) []bot.Reply {
	for i := range replies {
		if len(replies[i].FieldErrors) > 0 {
			replies[i].Text = strings.TrimSpace(replies[i].Text + "\n" + joinErrors(replies[i].FieldErrors))
		}
	}
	return replies
}

// submission turns the router's answer to a form into the modal's response
// and the replies still to be sent by DM.
func submission(replies []bot.Reply, blockIDs []string) (*slackapi.ViewSubmissionResponse, []bot.Reply) {
	errs := map[string]string{}
	var stray []string
	for _, r := range replies {
		for _, k := range slices.Sorted(maps.Keys(r.FieldErrors)) {
			if slices.Contains(blockIDs, k) {
				errs[k] = trunc(r.FieldErrors[k], maxLabel)
			} else {
				stray = append(stray, r.FieldErrors[k])
			}
		}
	}
	if len(stray) > 0 && len(blockIDs) > 0 {
		// Slack refuses the whole response if one key is not a block of the
		// view, so errors about other keys go on the first field that has
		// an error already, or else the first field.
		k := blockIDs[0]
		for _, id := range blockIDs {
			if errs[id] != "" {
				k = id
				break
			}
		}
		errs[k] = trunc(strings.TrimSpace(errs[k]+" "+strings.Join(stray, " ")), maxLabel)
	}
	if len(errs) > 0 {
		return slackapi.NewErrorsViewSubmissionResponse(errs), nil
	}
	for i, r := range replies {
		if r.Form != nil {
			v := modal(r.Form, r.Text)
			rest := append(append([]bot.Reply{}, replies[:i]...), replies[i+1:]...)
			return slackapi.NewUpdateViewSubmissionResponse(&v), rest
		}
	}
	return slackapi.NewClearViewSubmissionResponse(), replies
}

func joinErrors(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k + ": " + m[k] + "\n")
	}
	return strings.TrimSpace(b.String())
}

// publishHome shows the person's cases and what is due on the App Home tab.
func (a *Adapter) publishHome(ctx context.Context, team, user string) error {
	ask := func(text string) []bot.Reply {
		return a.router.Handle(ctx, bot.Request{Platform: offsitebot.Slack, UserID: userID(team, user), Chat: user, Text: text, Command: true})
	}
	cases, due := ask("cases"), ask("due")
	// Most urgent first: what is due, then the cases.
	parts := []homePart{{"Due or overdue", due, "due"}, {"My cases", cases, "cases"}}
	if len(cases) == 1 && len(due) == 1 && cases[0].Text == due[0].Text {
		parts = []homePart{{"offsitebot", cases, "help"}} // a refusal, said once
	}
	view, err := homeView(parts, a.values(ctx, user))
	if err != nil {
		return err
	}
	return a.retry(ctx, "views.publish", func() error {
		_, err := a.api.PublishViewContext(ctx, slackapi.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
}

// deliver sends replies to d: a form as a modal while the trigger is fresh,
// everything else as DM messages, files as uploads to the DM.
func (a *Adapter) deliver(ctx context.Context, d dest, replies []bot.Reply) {
	for _, r := range replies {
		if r.Form != nil {
			if d.trigger != "" {
				trig := d.trigger
				d.trigger = "" // a trigger opens one modal
				err := a.retry(ctx, "views.open", func() error {
					_, err := a.api.OpenViewContext(ctx, trig, modal(r.Form, r.Text))
					return err
				})
				if err == nil {
					continue
				}
				a.log.Warn("slack: open modal", "user", userID(d.team, d.user), "err", err)
			}
			r = formFallback(r, d.rerun)
		}
		if err := a.toUser(ctx, d, r); err != nil {
			a.log.Error("slack: reply", "user", userID(d.team, d.user), "err", err)
		}
	}
}

// formFallback offers a button that reopens the form: pressing it brings a
// fresh trigger_id (they expire after 3 s, and a modal needs one). The
// button repeats rerun, the command that asked, when there was one; else it
// starts the form's flow (each flow is a command of its name).
func formFallback(r bot.Reply, rerun string) bot.Reply {
	out := bot.Reply{Text: r.Text, Sensitive: r.Sensitive, Case: r.Case, Buttons: r.Buttons}
	if out.Text == "" {
		out.Text = r.Form.Title
	}
	if !strings.HasPrefix(rerun, "/") && r.Form.Flow != "" {
		rerun = strings.TrimSpace("/" + r.Form.Flow + " " + r.Case)
	}
	if strings.HasPrefix(rerun, "/") {
		out.Buttons = append(out.Buttons, []bot.Button{{Label: "Open the form", Data: rerun}})
	}
	return out
}

// deliveryKey names one delivery: Slack sends a new trigger_id with every
// slash command and interaction, and the same one when it redelivers.
func deliveryKey(kind, team, trigger, user, rest string) string {
	if trigger != "" {
		return kind + ":" + team + ":" + trigger
	}
	return kind + ":" + team + ":" + hash(user+"\x00"+rest)
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:16])
}
