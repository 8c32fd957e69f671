package shell_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/bot/shell"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// answer is a router that answers everything with its replies, and keeps
// what it was asked.
type answer struct {
	replies []bot.Reply
	asked   []bot.Request
}

func (a *answer) Handle(_ context.Context, req bot.Request) []bot.Reply {
	a.asked = append(a.asked, req)
	return a.replies
}

// printed is what the shell prints for r: as the answer to a line typed,
// then as a message to someone else.
func printed(t *testing.T, r bot.Reply) string {
	t.Helper()
	var out bytes.Buffer
	sh := shell.New(shell.Options{Router: &answer{replies: []bot.Reply{r}}, Identities: storagetest.New(t), Out: &out})
	if _, err := sh.Become(context.Background(), "home"); err != nil {
		t.Fatal(err)
	}
	sh.Line(context.Background(), "anything")
	out.WriteString("===\n")
	if err := sh.Send(context.Background(), "shell:parent:Pat", r); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestRenderReplies: the shell prints the real replies (bottest) as their
// plain text, with their buttons to choose by number, against golden files.
func TestRenderReplies(t *testing.T) {
	for _, name := range bottest.Names {
		t.Run(name, func(t *testing.T) {
			bottest.Golden(t, filepath.Join("testdata", "render", name+".txt"), []byte(printed(t, bottest.Reply(t, name))))
		})
	}
}

// TestPeoplesWordsAsTyped: the terminal shows people's words as they typed them.
func TestPeoplesWordsAsTyped(t *testing.T) {
	for name, r := range bottest.HostileReplies() {
		got := printed(t, r)
		// The text twice (answer and message), and the data of the one
		// button that carries the words, which a message to others shows.
		if n, want := strings.Count(got, bottest.Said), 2*strings.Count(r.Text, bottest.Said)+1; n != want {
			t.Errorf("%s: the words printed whole %d times, want %d:\n%s", name, n, want, got)
		}
	}
}

// TestChoiceThatCannotBeUndoneAsks: a button that cannot be undone, chosen
// by its number, asks first, as a dialog would; only yes sends it.
func TestChoiceThatCannotBeUndoneAsks(t *testing.T) {
	var out bytes.Buffer
	router := &answer{replies: []bot.Reply{{Text: "End it?", Buttons: [][]bot.Button{{
		{Label: "Yes, end it", Data: "yes", Confirm: "End the off-site direction OSD-7K2Q?"}, {Label: "No", Data: "no"}}}}}}
	sh := shell.New(shell.Options{Router: router, Identities: storagetest.New(t), Out: &out})
	ctx := context.Background()
	if _, err := sh.Become(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	sh.Line(ctx, "end OSD-7K2Q reintegrated")
	sh.Line(ctx, "1")
	if !strings.HasSuffix(out.String(), "End the off-site direction OSD-7K2Q? (yes/no)\n") || len(router.asked) != 1 {
		t.Fatalf("choosing 1 printed:\n%s\n(asked the bot %d times)", out.String(), len(router.asked))
	}
	sh.Line(ctx, "no")
	if !strings.HasSuffix(out.String(), "Not done.\n") || len(router.asked) != 1 {
		t.Fatalf("answering no printed:\n%s", out.String())
	}
	sh.Line(ctx, "1")
	sh.Line(ctx, "yes")
	if len(router.asked) != 2 || router.asked[1].Data != "yes" {
		t.Errorf("after yes the bot was asked %+v", router.asked)
	}
}

// TestTerminalSeesNoControlCharacters: text stored before input was cleaned
// is printed with its control characters shown as escapes, so it cannot
// clear the screen, retitle the window or hide what follows.
func TestTerminalSeesNoControlCharacters(t *testing.T) {
	var out bytes.Buffer
	s := shell.New(shell.Options{Out: &out})
	hostile := "Sam\x1b[2J\x1b]0;owned\x07 \u202eTaylor\x00"
	if err := s.Send(context.Background(), "shell:parent:Pat", bot.Reply{Text: hostile + "\nline 2",
		Buttons: [][]bot.Button{{{Label: "Yes\x1b[8m", Data: "/yes\x1b"}}}}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.ContainsFunc(got, func(r rune) bool { return r == 0x1b || r == 0x07 || r == 0 || r == '\u202e' }) {
		t.Errorf("printed control characters raw: %q", got)
	}
	for _, want := range []string{`Sam\x1b[2J\x1b]0;owned\x07 \u202eTaylor\x00`, "\n    line 2", `[Yes\x1b[8m] → /yes\x1b`} {
		if !strings.Contains(got, want) {
			t.Errorf("printed %q, want it to hold %q", got, want)
		}
	}
}
