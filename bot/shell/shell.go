// Package shell is the terminal adapter: try offsitebot with no chat accounts,
// and drive it from scripts and tests. Every identity it plays is "shell:ROLE:NAME".
package shell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Identities lets the shell create the people it plays.
type Identities interface {
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
	PutIdentity(ctx context.Context, id offsitebot.Identity) error
}

// Options configure a Shell.
type Options struct {
	Router     bot.Responder
	Identities Identities
	In         io.Reader
	Out        io.Writer
	// Interactive shows a prompt; otherwise each command is echoed before its reply.
	Interactive bool
	// As is who the shell starts as, "ROLE[:NAME]".
	As string
	// Schools staff roles get when the shell creates them (the demo's schools).
	HomeURN, ReceivingURN string
	Now                   func() time.Time
	// Files is where attachments (exports, packs, letters) are saved, under
	// the names they come with; empty shows them only.
	Files string
}

// Shell reads commands line by line and prints replies.
type Shell struct {
	opts    Options
	mu      sync.Mutex // guards out: reminders may print while a command runs
	who     string
	buttons []bot.Button
	confirm *bot.Button // a choice that cannot be undone, waiting for yes
}

// New returns a shell; call Run.
func New(opts Options) *Shell {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Shell{opts: opts}
}

var defaultNames = map[offsitebot.Role]string{
	offsitebot.RoleAdmin: "Admin", offsitebot.RoleHome: "Alex", offsitebot.RoleReceiving: "Kim",
	offsitebot.RoleLA: "Lee", offsitebot.RoleParent: "Pat", offsitebot.RolePupil: "Sam",
}

// Become switches who the shell is, creating the identity if it is new.
func (s *Shell) Become(ctx context.Context, as string) (string, error) {
	roleS, name, _ := strings.Cut(strings.TrimSpace(as), ":")
	role := offsitebot.Role(strings.ToLower(roleS))
	if !role.Valid() {
		return "", fmt.Errorf("%q isn't a role: use admin, home, receiving, la, parent or pupil, e.g. parent:Pat", roleS)
	}
	if name == "" {
		name = defaultNames[role]
	}
	id := "shell:" + string(role) + ":" + name
	_, err := s.opts.Identities.Identity(ctx, id)
	switch {
	case offsitebot.ErrorCode(err) == offsitebot.ENotFound:
		ident := offsitebot.Identity{ID: id, Role: role, Name: name, Created: s.opts.Now()}
		switch role {
		case offsitebot.RoleHome:
			ident.URN = s.opts.HomeURN
		case offsitebot.RoleReceiving:
			ident.URN = s.opts.ReceivingURN
		}
		if err := s.opts.Identities.PutIdentity(ctx, ident); err != nil {
			return "", fmt.Errorf("shell: become %s: %w", id, err)
		}
	case err != nil:
		return "", fmt.Errorf("shell: become %s: %w", id, err)
	}
	s.who = id
	s.buttons, s.confirm = nil, nil
	return id, nil
}

// Run reads until EOF or ctx ends. Reading a terminal cannot be interrupted:
// when ctx ends first, the read in progress is left to the process's exit.
func (s *Shell) Run(ctx context.Context) error {
	as := s.opts.As
	if as == "" {
		as = "home"
	}
	id, err := s.Become(ctx, as)
	if err != nil {
		return err
	}
	if s.opts.Interactive {
		s.printf("offsitebot shell — you are %s. Type help, or /as ROLE[:NAME] to be someone else (admin, home, receiving, la, parent, pupil). quit or Ctrl-D ends it.\n", id)
	}
	// Lines are read aside, so that Ctrl-C or SIGTERM ends the shell at once,
	// even while it waits for someone to type.
	lines, readErr := make(chan string), make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(s.opts.In)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	for {
		if s.opts.Interactive {
			s.printf("%s> ", strings.TrimPrefix(s.who, "shell:"))
		}
		var line string
		select {
		case <-ctx.Done():
			return nil
		case l, ok := <-lines:
			if !ok {
				return <-readErr
			}
			line = l
		}
		if ctx.Err() != nil {
			return nil
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// No command or answer is called quit or exit: someone typing it
		// wants the terminal back, as in other shells.
		if w := strings.ToLower(line); w == "quit" || w == "exit" {
			return nil
		}
		if !s.opts.Interactive {
			s.printf("> %s\n", line)
		}
		s.Line(ctx, line)
	}
}

// Line handles one line of input.
func (s *Shell) Line(ctx context.Context, line string) {
	if rest, ok := strings.CutPrefix(line, "/as"); ok && (rest == "" || rest[0] == ' ') {
		id, err := s.Become(ctx, rest)
		if err != nil {
			s.printf("%v\n", err)
			return
		}
		s.printf("You are now %s.\n", id)
		return
	}
	req := bot.Request{Platform: offsitebot.Shell, UserID: s.who, Name: nameOf(s.who), Chat: s.who, Text: line}
	pick := func(b bot.Button) {
		req.Text, req.Data = "", b.Data
		req.Command = strings.HasPrefix(req.Data, "/")
	}
	if b := s.confirm; b != nil {
		s.confirm = nil
		if !isYes(line) {
			s.printf("Not done.\n")
			return
		}
		pick(*b)
	} else if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(s.buttons) {
		// A number picks one of the buttons last offered; one that cannot be
		// undone asks first, as a dialog would.
		b := s.buttons[n-1]
		if b.Confirm != "" {
			s.confirm = &b
			s.printf("%s (yes/no)\n", b.Confirm)
			return
		}
		pick(b)
	}
	s.show(s.opts.Router.Handle(ctx, req))
}

func isYes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes":
		return true
	}
	return false
}

func nameOf(id string) string {
	parts := strings.SplitN(id, ":", 3)
	return parts[len(parts)-1]
}

func (s *Shell) show(replies []bot.Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buttons = nil
	for _, r := range replies {
		fmt.Fprintln(s.opts.Out, offsitebot.Visible(r.Text))
		s.writeExtras(r, true)
	}
}

// writeExtras prints a reply's buttons and attachment. mine says whether the
// buttons are offered to the person at the keyboard (and so can be picked by number).
func (s *Shell) writeExtras(r bot.Reply, mine bool) {
	for _, row := range r.Buttons {
		for _, b := range row {
			if mine {
				s.buttons = append(s.buttons, b)
				fmt.Fprintf(s.opts.Out, "  %d) %s\n", len(s.buttons), offsitebot.Visible(b.Label))
			} else {
				fmt.Fprintf(s.opts.Out, "  [%s] → %s\n", offsitebot.Visible(b.Label), offsitebot.Visible(b.Data))
			}
		}
	}
	f := r.File
	switch {
	case f == nil:
	case !mine:
		fmt.Fprintf(s.opts.Out, "    📎 %s (%s)\n", f.Name, size(len(f.Data)))
	default:
		if f.ContentType == "application/json" {
			fmt.Fprintf(s.opts.Out, "--- %s ---\n%s", f.Name, f.Data)
		}
		if s.opts.Files != "" {
			if path, err := s.save(f); err != nil {
				fmt.Fprintf(s.opts.Out, "(could not save %s: %v)\n", f.Name, err)
			} else {
				fmt.Fprintf(s.opts.Out, "(saved as %s)\n", path)
			}
		}
	}
}

func size(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}

// Send shows a message the bot sends to someone else; all shell identities
// share this terminal, so it is printed, marked with whom it is for.
func (s *Shell) Send(_ context.Context, to string, r bot.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.opts.Out, "  ✉ to %s: %s\n", to, strings.ReplaceAll(offsitebot.Visible(r.Text), "\n", "\n    "))
	s.writeExtras(r, false)
	return nil
}

// save writes an attachment under Files, readable only by this user (it
// holds a child's data), and returns its path. Only the base of the name is
// used, so an attachment cannot be written anywhere else.
func (s *Shell) save(f *bot.File) (string, error) {
	if err := os.MkdirAll(s.opts.Files, 0o700); err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(s.opts.Files, filepath.Base(f.Name)))
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, f.Data, 0o600)
}

func (s *Shell) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.opts.Out, format, args...)
}
