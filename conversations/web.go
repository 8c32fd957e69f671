package conversations

import (
	"context"
	"fmt"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Linker makes one-time sign-in links to the web overview (package bot/web).
type Linker interface {
	// SignInLink returns a link that signs who in once, until expires.
	SignInLink(ctx context.Context, who offsitebot.Identity, now time.Time) (url string, expires time.Time, err error)
}

// dashboard is `dashboard`: a link, for this person only, that opens the web
// overview of the cases they can see.
func (e *Engine) dashboard(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if e.Dashboard == nil {
		return text("The web overview isn't switched on here yet: an admin turns it on with [http] public_url and [http] listen in offsitebot's configuration."), nil
	}
	url, until, err := e.Dashboard.SignInLink(ctx, c.Who, c.Now)
	if err != nil {
		return nil, err
	}
	what := "your cases"
	switch c.Who.Role {
	case offsitebot.RoleLA, offsitebot.RoleAdmin:
		what = "every case"
	case offsitebot.RoleHome:
		what = "your school's cases"
	case offsitebot.RoleReceiving:
		what = "the pupils your school receives"
	}
	return []bot.Reply{{
		Text: fmt.Sprintf("Your overview of %s, in a browser: %s\nOpen it by %s (10 minutes). It works once and signs in only you, for 8 hours, so don't pass it on; type dashboard for a new one.",
			what, url, until.In(offsitebot.London).Format("15:04")),
		Sensitive: true, // it signs someone in: only ever in a direct message
	}}, nil
}

// Web files of a case.
const (
	WebPack   = "pack"
	WebExport = "export"
)

// WebFile is a file of case k for who, asked for on the web overview: the
// staff meeting pack (WebPack) or the chronology as CSV (WebExport), made,
// checked and recorded in the audit trail exactly as the chat's pack and
// export commands do.
func (e *Engine) WebFile(ctx context.Context, who offsitebot.Identity, k *offsitebot.Case, kind string, now time.Time) (*bot.File, error) {
	c := bot.Call{Request: bot.Request{Platform: offsitebot.Web, UserID: who.ID}, Who: who, Case: k, Now: now, Args: []string{k.Ref}}
	run, act, n := e.pack, offsitebot.ActPack, 0
	if kind == WebExport {
		run, act, n = e.export, offsitebot.ActExport, 1 // JSON, then CSV
	}
	if err := offsitebot.Can(who, act, k); err != nil {
		return nil, err
	}
	replies, err := run(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(replies) <= n || replies[n].File == nil {
		return nil, fmt.Errorf("conversations: web %s of %s made no file", kind, k.Ref)
	}
	return replies[n].File, nil
}

// Names are the names of everyone who recorded something on k, by identity
// ID, for the chronology's "who": those linked to it and staff.
func (e *Engine) Names(ctx context.Context, k *offsitebot.Case) (map[string]string, error) {
	names, err := e.names(ctx, k)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = map[string]string{}
	}
	for _, p := range k.People {
		names[p.ID] = p.Name
	}
	names["offsitebot"] = "offsitebot"
	return names, nil
}
