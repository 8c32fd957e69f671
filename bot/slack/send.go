package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/offsitebot/offsitebot/bot"
)

// maxAttempts bounds retries after 429s; each waits what Slack asked.
const maxAttempts = 10

// Send delivers r to the identity to ("slack:TEAM:USER") as a DM, or to the
// configured channel when to is ChannelTarget. It satisfies bot.Sender. A
// person who cannot get DMs any more gives an error wrapping bot.ErrUnreachable.
func (a *Adapter) Send(ctx context.Context, to string, r bot.Reply) error {
	if to == ChannelTarget {
		return a.toChannel(ctx, r)
	}
	rest, ok := strings.CutPrefix(to, "slack:")
	team, user, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || user == "" {
		return fmt.Errorf("slack: send to %q: not a slack:TEAM:USER identity", to)
	}
	if r.Form != nil {
		// No trigger outside an interaction, so no modal: offer a button
		// whose press brings one.
		r = formFallback(r, "")
	}
	if err := a.toUser(ctx, dest{team: team, user: user}, r); err != nil {
		return fmt.Errorf("slack: send to %s: %w", to, err)
	}
	return nil
}

// toChannel posts to the alerts channel. A channel is read by many, so a
// reply that names a pupil is replaced by a pointer to the DMs.
func (a *Adapter) toChannel(ctx context.Context, r bot.Reply) error {
	if a.opts.Channel == "" {
		return errors.New("slack: send to channel: no [slack] channel configured")
	}
	if r.Sensitive {
		text := "There is news for the staff of a case; the details are in their direct messages with offsitebot."
		if r.Case != "" {
			text = "There is news about " + r.Case + "; the details are in its staff's direct messages with offsitebot."
		}
		r = bot.Reply{Text: text, Case: r.Case}
	}
	r.Form, r.File = nil, nil
	if err := a.post(ctx, a.opts.Channel, "", r); err != nil {
		return fmt.Errorf("slack: send to channel %s: %w", a.opts.Channel, err)
	}
	return nil
}

// toUser sends one reply to the person's DM with the bot.
func (a *Adapter) toUser(ctx context.Context, d dest, r bot.Reply) error {
	ch := d.channel
	if ch == "" {
		var err error
		if ch, err = a.dm(ctx, d.user); err != nil {
			return err
		}
	}
	if r.Text != "" || len(r.Buttons) > 0 || r.Structured() {
		if err := a.post(ctx, ch, d.thread, r); err != nil {
			return err
		}
	}
	if r.File != nil {
		return a.upload(ctx, ch, d.thread, r.File)
	}
	return nil
}

// dm finds (once) the bot's DM channel with user.
func (a *Adapter) dm(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	err := a.retry(ctx, "conversations.open", func() error {
		c, _, _, err := a.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		if err == nil {
			ch = c.ID
		}
		return err
	})
	if err != nil {
		return "", unreachable(fmt.Errorf("conversations.open: %w", err))
	}
	a.mu.Lock()
	a.dms[user] = ch
	a.mu.Unlock()
	return ch, nil
}

// post sends one reply as one message or, past Slack's 50 blocks, as several
// in order, each paced per channel and retried after 429s.
func (a *Adapter) post(ctx context.Context, channel, thread string, r bot.Reply) error {
	bs, err := blocks(r, a.values(ctx, channel))
	if err != nil {
		return err
	}
	for i, part := range messages(bs) {
		// The text shows in notifications, as plain text; the blocks are the message.
		text := trunc(r.Text, maxSection)
		if i > 0 {
			text = "(continued)"
		}
		if err := a.pace(ctx, channel); err != nil {
			return err
		}
		opts := []slackapi.MsgOption{
			slackapi.MsgOptionText(text, true), slackapi.MsgOptionDisableMarkdown(),
			slackapi.MsgOptionBlocks(part...),
		}
		if thread != "" {
			opts = append(opts, slackapi.MsgOptionTS(thread))
		}
		err := a.retry(ctx, "chat.postMessage", func() error {
			_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
			return err
		})
		if err != nil {
			return unreachable(fmt.Errorf("chat.postMessage: %w", err))
		}
	}
	return nil
}

// values gives buttons shown to owner (a channel, or the user of a Home
// tab) their values: the data, or when it is too long for Slack a short key
// kept in the database, which only a press from owner turns back into it.
func (a *Adapter) values(ctx context.Context, owner string) valueFunc {
	return func(data string) (string, error) {
		if len(data) <= maxButtonValue {
			return data, nil
		}
		return a.stash.Put(ctx, owner, data)
	}
}

// upload shares a file (an export) in the DM.
func (a *Adapter) upload(ctx context.Context, channel, thread string, f *bot.File) error {
	if len(f.Data) == 0 {
		return nil
	}
	if err := a.pace(ctx, channel); err != nil {
		return err
	}
	err := a.retry(ctx, "files.upload", func() error {
		_, err := a.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
			Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Name,
			Channel: channel, ThreadTimestamp: thread,
		})
		return err
	})
	if err != nil {
		return unreachable(fmt.Errorf("files upload: %w", err))
	}
	return nil
}

// pace keeps to about one message per second per channel, as Slack asks:
// each channel has a token bucket of one (golang.org/x/time/rate), read at
// the adapter's clock; a message reserves the next token and waits for it,
// so a burst is spread out rather than dropped.
func (a *Adapter) pace(ctx context.Context, channel string) error {
	a.mu.Lock()
	now := a.now()
	lim, ok := a.pacers[channel]
	if !ok {
		if len(a.pacers) >= 10000 {
			for ch, l := range a.pacers {
				if l.TokensAt(now) >= 1 { // idle long enough to start afresh
					delete(a.pacers, ch)
				}
			}
		}
		lim = rate.NewLimiter(rate.Every(a.opts.PerChannel), 1)
		a.pacers[channel] = lim
	}
	d := lim.ReserveN(now, 1).DelayFrom(now)
	a.mu.Unlock()
	if d > 0 {
		return a.sleep(ctx, d)
	}
	return nil
}

// retry calls fn again after each 429, waiting the Retry-After Slack gave.
func (a *Adapter) retry(ctx context.Context, method string, fn func() error) error {
	failed := 0 // on the network, or Slack's servers
	for attempt := 1; ; attempt++ {
		err := fn()
		var rl *slackapi.RateLimitedError
		var wait time.Duration
		switch {
		case err == nil || attempt == maxAttempts || ctx.Err() != nil:
			return err
		case errors.As(err, &rl):
			wait = max(rl.RetryAfter, time.Second)
			a.log.Warn("slack: rate limited", "method", method, "retry_after", wait, "attempt", attempt)
		case (bot.Transient(err) || serverError(err)) && failed < bot.NetRetries:
			failed++
			wait = bot.Backoff(failed)
			a.log.Warn("slack: call failed; retrying", "method", method, "err", err, "in", wait, "attempt", attempt)
		default:
			return err
		}
		if err := a.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: waiting to retry: %w", method, err)
		}
	}
}

// serverError reports a 5xx from Slack: its side failed, worth a retry.
func serverError(err error) bool {
	var sc slackapi.StatusCodeError
	return errors.As(err, &sc) && sc.Code >= 500
}

// unreachable marks errors that mean the person cannot get our messages.
func unreachable(err error) error {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "user_not_found", "users_not_found", "account_inactive", "user_disabled",
			"cannot_dm_bot", "user_not_visible":
			return fmt.Errorf("%w: %w", bot.ErrUnreachable, err)
		}
	}
	return err
}
