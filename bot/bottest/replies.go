package bottest

// The replies the adapters' render tests draw: the real ones of show, due,
// the daily attendance summary, an invitation, a decision and an outcome,
// as the conversations tests record them (go test ./conversations -run
// TestReplyFixtures -update), and replies carrying hostile text in every
// place people's words can reach.

import (
	"bytes"
	"embed"
	"encoding/json"
	"flag"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offsitebot/offsitebot/bot"
)

// Update is -update: tests rewrite their golden files, and the
// conversations tests the replies kept here, instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Golden compares got with the file, or rewrites it under -update.
func Golden(t testing.TB, file string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s differs (%v); if the change is meant, rewrite it: go test -run %s -update\n%s", file, err, t.Name(), got)
	}
}

//go:embed replies/*.json
var files embed.FS

// Dir is where the replies are kept, from the module's root.
const Dir = "bot/bottest/replies"

// Names are the replies kept, each in Dir/NAME.json.
var Names = []string{"show", "due", "summary", "invitation", "decision", "outcome"}

// Reply is the reply kept as name.
func Reply(t testing.TB, name string) bot.Reply {
	t.Helper()
	data, err := files.ReadFile(path.Join("replies", name+".json"))
	if err != nil {
		t.Fatalf("bottest: no reply %q: %v", name, err)
	}
	var r bot.Reply
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("bottest: reply %q: %v", name, err)
	}
	return r
}

// Hostile would format, mention everyone or inject markup on a platform
// that did not escape it; people may type any of it.
const Hostile = "*bold* _it_ ~s~ <@U1> <!channel> &amp; <script>"

// LongName is a long name in Welsh, Polish and Urdu, to arrive whole.
const LongName = "Gwenllian Angharad ap Llywelyn-Wiśniewska Żółkiewska Grzegorzewska محمد عبدالرحمٰن چوہدری"

// Said is what a hostile reply says in each place: Hostile and LongName.
var Said = Hostile + " " + LongName

// HostileReplies carry Said in every place of a reply that can hold
// people's words, plain and with structure. Fact labels are the bot's own
// words by contract, never people's.
func HostileReplies() map[string]bot.Reply {
	// Button labels are short on every platform: the hostile part alone.
	b := bot.Button{Label: Hostile, Data: "/show OSD-7K2Q " + Said}
	return map[string]bot.Reply{
		"plain": {Text: "Passed on from the parent: " + Said + "\n" + Said, Buttons: [][]bot.Button{{b}}},
		"structured": {
			Text:  strings.Repeat(Said+"\n", 4),
			Title: Said,
			Facts: []bot.Fact{{Label: "Pupil", Value: Said}, {Value: Said}},
			Items: []bot.Item{
				{Group: Said, Text: Said, Next: Said},
				{Group: Said, Text: Said, Action: &b},
			},
			Note:    Said,
			Buttons: [][]bot.Button{{b, {Label: Hostile, Data: "/end OSD-7K2Q", Confirm: Said}}},
		},
	}
}
