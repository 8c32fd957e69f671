// Command offsitebot runs the bot: with no chat tokens it opens a terminal
// shell on the embedded database; with Slack and/or Telegram tokens it runs
// those adapters. It is the only place that reads config and wires the parts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/shell"
	"github.com/offsitebot/offsitebot/bot/web"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/embedded"
)

const usage = `offsitebot — off-site directions, followed up.

Usage:
  offsitebot [--config FILE]                 run: the terminal shell when no chat tokens are set,
                                             otherwise the Slack and/or Telegram adapters
  offsitebot shell [--as ROLE[:NAME]]        the terminal shell (admin, home, receiving, la, parent, pupil)
  offsitebot export OSD-XXXX [--csv]         a case's chronology and audit trail on stdout (JSON, or CSV)
  offsitebot pack OSD-XXXX [M2] [--family] [-o FILE]
                                             the review meeting pack (PDF), staff or family version
  offsitebot letter OSD-XXXX notice|invite M2|decision M1 [-o FILE]
                                             a letter to the family (PDF)
  offsitebot reminders run --at TIME         run every reminder due at TIME (RFC 3339) once
  offsitebot reminders list                  the next run of each reminder schedule
  offsitebot seed [--cases 1000] [--active 200] [--weeks 13]
                                             fill the database with demo cases of real size
                                             (refused on a database holding real cases)

--config FILE may come before or after the subcommand (default ./config.toml if present,
or OFFSITEBOT_CONFIG). Every key can also be set as OFFSITEBOT_SECTION_KEY.
pack and letter save the PDF in the working directory, named from the reference, unless
-o names a file (-o - writes it to stdout).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "offsitebot:", err)
		os.Exit(1)
	}
}

// args are the command line after the program name, with --config, --as
// and -o taken out.
type args struct {
	config, as, out string
	words           []string
}

func parseArgs(in []string) (args, error) {
	var a args
	for i := 0; i < len(in); i++ {
		w := in[i]
		for _, name := range []string{"config", "as", "at", "o"} {
			for _, p := range []string{"-" + name, "--" + name} {
				if v, ok := strings.CutPrefix(w, p+"="); ok {
					a.set(name, v)
					w = ""
				} else if w == p {
					if i+1 >= len(in) {
						return a, fmt.Errorf("%s needs a value", p)
					}
					i++
					a.set(name, in[i])
					w = ""
				}
			}
		}
		if w == "-h" || w == "--help" || w == "help" && len(a.words) == 0 {
			a.words = append(a.words, "help")
			continue
		}
		if w != "" {
			a.words = append(a.words, w)
		}
	}
	return a, nil
}

// at is kept in words as "--at=VALUE" so subcommands can find it.
func (a *args) set(name, v string) {
	switch name {
	case "config":
		a.config = v
	case "as":
		a.as = v
	case "o":
		a.out = v
	case "at":
		a.words = append(a.words, "--at="+v)
	}
}

// app is everything wired.
type app struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	db       *storage.DB
	srv      *embedded.Server // the embedded database's, or nil on MongoDB
	cal      offsitebot.Calendar
	dispatch *bot.Dispatcher
	engine   *conversations.Engine
	router   *bot.Router
	web      *web.Server   // the overview, when [http] public_url is set
	grace    time.Duration // for work in hand at shutdown: shutdownGrace, shorter in tests
}

func run(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) error {
	a, err := parseArgs(argv)
	if err != nil {
		return err
	}
	cmd := ""
	if len(a.words) > 0 {
		cmd = a.words[0]
	}
	if cmd == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := loadConfig(a.config, env)
	if err != nil {
		return err
	}
	interactive := isTerminal(stdin)
	shellMode := cmd == "shell" || (cmd == "" && cfg.Slack.BotToken == "" && cfg.Telegram.Token == "")
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		return fmt.Errorf("config log.level %q: use debug, info, warn or error", cfg.Log.Level)
	}
	if shellMode || cmd == "export" || cmd == "pack" || cmd == "letter" || cmd == "seed" {
		// The terminal is for the conversation; only problems go to stderr.
		level = max(level, slog.LevelWarn)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	now, fixed, err := clock(env)
	if err != nil {
		return err
	}
	if fixed {
		log.Warn("OFFSITEBOT_NOW is set: the clock starts at a fixed instant, for demos and tests only", "now", now().Format(time.RFC3339))
	}
	w, err := wire(ctx, cfg, log, now)
	if err != nil {
		return err
	}
	defer w.close(context.WithoutCancel(ctx))

	switch {
	case cmd == "export":
		if len(a.words) < 2 {
			return errors.New("export needs a case reference: offsitebot export OSD-XXXX")
		}
		csv := false
		for _, x := range a.words[2:] {
			csv = csv || x == "--csv" || x == "-csv"
		}
		return w.export(ctx, a.words[1], csv, stdout)
	case cmd == "pack" || cmd == "letter":
		return w.document(ctx, a.words, a.out, stdout)
	case cmd == "reminders":
		return w.reminders(ctx, a.words[1:], stdout)
	case cmd == "seed":
		return w.seed(ctx, a.words[1:], stdout)
	case shellMode:
		if cfg.Demo.Seed {
			if err := seedDemo(ctx, w.db, now()); err != nil {
				return err
			}
		}
		// Files the bot gives (exports, packs, letters) are saved where the
		// shell was started, as a browser saves downloads.
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		sh := shell.New(shell.Options{
			Router: w.router, Identities: w.db, In: stdin, Out: stdout, Interactive: interactive,
			As: a.as, HomeURN: demoHome, ReceivingURN: demoReceiving, Now: now, Files: wd,
		})
		w.dispatch.Register(offsitebot.Shell, sh)
		if w.web != nil && cfg.HTTP.Listen != "" {
			// The overview beside the shell, so `dashboard` there opens it.
			stop, err := w.serveWeb(ctx)
			if err != nil {
				return err
			}
			defer stop()
		}
		return sh.Run(ctx)
	case cmd == "":
		return w.serve(ctx)
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func wire(ctx context.Context, cfg Config, log *slog.Logger, now func() time.Time) (*app, error) {
	cal, err := cfg.Calendar.calendar()
	if err != nil {
		return nil, err
	}
	scfg := storage.Config{URI: cfg.MongoDB.URI, Database: cfg.MongoDB.Database}
	var srv *embedded.Server
	if scfg.URI == "" {
		if srv, err = embedded.Start(cfg.MongoDB.DataDir, log); err != nil {
			return nil, err
		}
		log.Info("storage: embedded server started", "dir", srv.Dir())
		scfg.Embedded = srv
	}
	db, err := storage.Open(ctx, scfg)
	if err != nil {
		if srv != nil {
			_ = srv.Close()
		}
		return nil, err
	}
	d := bot.NewDispatcher()
	e := conversations.New(conversations.Deps{Store: db, Send: d, Now: now, Calendar: cal, Settings: cfg.Rules, Log: log, TelegramBot: cfg.Telegram.Username})
	w := &app{cfg: cfg, log: log, now: now, db: db, srv: srv, cal: cal, dispatch: d, engine: e, grace: shutdownGrace}
	if cfg.HTTP.PublicURL != "" {
		w.web, err = web.New(web.Options{Store: db, Files: e, PublicURL: cfg.HTTP.PublicURL, Now: now, Calendar: cal, Settings: cfg.Rules, Log: log.With("component", "web")})
		if err != nil {
			w.close(ctx)
			return nil, err
		}
		e.Dashboard = w.web
	}
	w.router = e.Router()
	return w, nil
}

// close disconnects from the database, then stops the embedded server.
func (w *app) close(ctx context.Context) {
	if err := w.db.Close(ctx); err != nil {
		w.log.Warn("close database", "err", err)
	}
	if w.srv != nil {
		if err := w.srv.Close(); err != nil {
			w.log.Warn("stop embedded server", "err", err)
		}
	}
}

func (w *app) export(ctx context.Context, ref string, csv bool, out io.Writer) error {
	r, ok := offsitebot.ParseRef(ref)
	if !ok {
		return fmt.Errorf("%q is not a case reference (they look like OSD-7K2Q)", ref)
	}
	c, err := w.db.Case(ctx, r)
	if err != nil {
		return errors.New(offsitebot.ErrorMessage(err))
	}
	log, err := w.db.AuditLog(ctx, r)
	if err != nil {
		return err
	}
	render := conversations.ExportJSON
	if csv {
		render = conversations.ExportCSV
	}
	data, err := render(c, log, offsitebot.Breaches(c, w.now(), w.cal, w.cfg.Rules))
	if err != nil {
		return err
	}
	_, err = out.Write(data)
	return err
}

// document is `offsitebot pack|letter OSD-… …`: the PDF saved in the working
// directory under its own name, in out, or on stdout for "-".
func (w *app) document(ctx context.Context, words []string, out string, stdout io.Writer) error {
	cmd, usage := words[0], "offsitebot pack OSD-XXXX [M2] [--family] [-o FILE]"
	if cmd == "letter" {
		usage = "offsitebot letter OSD-XXXX notice|invite M2|decision M1 [-o FILE]"
	}
	var ref string
	var args []string
	for _, x := range words[1:] {
		if r, ok := offsitebot.ParseRef(x); ok && ref == "" {
			ref = r
		}
		args = append(args, strings.TrimLeft(x, "-")) // --family as family
	}
	if ref == "" {
		return fmt.Errorf("%s needs a case reference (they look like OSD-7K2Q): %s", cmd, usage)
	}
	d, rest := conversations.ParseDocument(cmd, args)
	switch {
	case len(rest) > 0:
		return fmt.Errorf("%s: I didn't understand %q: %s", cmd, strings.Join(rest, " "), usage)
	case d.Kind == "":
		return fmt.Errorf("which letter: notice, invite or decision? %s", usage)
	}
	f, err := w.engine.DocumentFile(ctx, ref, d)
	if err != nil {
		if offsitebot.ErrorCode(err) != offsitebot.EInternal {
			return errors.New(offsitebot.ErrorMessage(err)) // the reason, in words
		}
		return err
	}
	if out == "-" {
		_, err := stdout.Write(f.Data)
		return err
	}
	if out == "" {
		out = f.Name
	}
	if err := os.WriteFile(out, f.Data, 0o600); err != nil {
		return err
	}
	path, err := filepath.Abs(out)
	if err != nil {
		path = out
	}
	_, err = fmt.Fprintf(stdout, "Saved %s\n", path)
	return err
}
