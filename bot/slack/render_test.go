package slack

import (
	"encoding/json"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/offsitebot/offsitebot/bot"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"staff add <@U0NEW|newbie> home 100001", "staff add slack:T1:U0NEW home 100001"},
		{"staff add <@W0ENT> la 100001", "staff add slack:T1:W0ENT la 100001"},
		{"contact OSD-7K2Q receiving email Sent <mailto:a@b.org|a@b.org> the plan", "contact OSD-7K2Q receiving email Sent a@b.org the plan"},
		{"see <https://example.org/x|the notes> in <#C0123|general>", "see the notes in #general"},
		{"see <https://example.org/x>", "see https://example.org/x"},
		{"  Ms Khan &amp; the SENCo: 5 &lt; 6 &gt; 4  ", "Ms Khan & the SENCo: 5 < 6 > 4"},
	}
	for _, tc := range tests {
		if got := cleanText("T1", tc.in); got != tc.want {
			t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// asIs is a valueFunc for replies whose button data all fits Slack.
func asIs(data string) (string, error) { return data, nil }

func TestMessageBlocks(t *testing.T) {
	long := strings.Repeat("a line of text\n", 400) // 6000 bytes: three sections
	r := bot.Reply{Text: long + "<b> & co", Buttons: [][]bot.Button{
		{{Label: "Present all day", Data: "/attendance OSD-7K2Q 2026-12-02 / /"}, {Label: "Absent…", Data: "absent"}},
		{{Label: strings.Repeat("x", 100), Data: "/answer OSD-7K2Q M1 yes"}},
	}}
	bs, err := blocks(r, asIs)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(bs)
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Type string `json:"type"`
		Text struct {
			Type, Text string
		} `json:"text"`
		Elements []struct {
			Value string `json:"value"`
			Text  struct {
				Text string `json:"text"`
			} `json:"text"`
			ActionID string `json:"action_id"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, b := range got {
		types = append(types, b.Type)
		if b.Type == "section" && (len(b.Text.Text) > maxSection || b.Text.Type != "plain_text") {
			t.Errorf("section of %d characters, %s", len(b.Text.Text), b.Text.Type)
		}
	}
	if strings.Join(types, ",") != "section,section,section,actions,actions" {
		t.Fatalf("block types %v", types)
	}
	if last := got[2].Text.Text; !strings.HasSuffix(last, "<b> & co") {
		t.Errorf("plain text not as typed: %q", last)
	}
	if e := got[3].Elements; len(e) != 2 || e[0].Value != "/attendance OSD-7K2Q 2026-12-02 / /" || e[1].Value != "absent" || e[0].ActionID == e[1].ActionID {
		t.Errorf("first row %+v", e)
	}
	if l := []rune(got[4].Elements[0].Text.Text); len(l) != maxButtonText {
		t.Errorf("long button label is %d characters, want %d", len(l), maxButtonText)
	}
}

func TestModalFieldsAndValues(t *testing.T) {
	f := &bot.Form{Flow: "review-schedule", Title: "Schedule a review meeting", Submit: "Schedule", Fields: []bot.Field{
		{Key: "ref", Label: "Case", Kind: bot.FieldText, Value: "OSD-7K2Q"},
		{Key: "date", Label: "Date", Kind: bot.FieldDate, Value: "2026-12-09"},
		{Key: "time", Label: "Time", Kind: bot.FieldTime, Value: "nonsense"},
		{Key: "mode", Label: "How", Kind: bot.FieldSelect, Choices: []bot.Button{{Label: "In person", Data: "in-person"}, {Label: "Online", Data: "online"}}, Value: "online"},
		{Key: "place", Label: "Where", Kind: bot.FieldLong, Optional: true, Hint: "Room or link"},
	}}
	v := modal(f, "Pick a date at least 6 days ahead.")
	if v.Title.Text != "Schedule a review meeti…" || len([]rune(v.Title.Text)) != maxTitle {
		t.Errorf("title %q not cut to Slack's 24 characters", v.Title.Text)
	}
	var meta formMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil || meta.Flow != "review-schedule" {
		t.Errorf("metadata %q", v.PrivateMetadata)
	}
	want := map[string]string{"ref": "plain_text_input", "date": "datepicker", "time": "timepicker", "mode": "static_select", "place": "plain_text_input"}
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slackapi.InputBlock)
		if !ok {
			continue
		}
		if got := string(in.Element.ElementType()); got != want[in.BlockID] {
			t.Errorf("%s: element %s, want %s", in.BlockID, got, want[in.BlockID])
		}
		switch e := in.Element.(type) {
		case *slackapi.DatePickerBlockElement:
			if e.InitialDate != "2026-12-09" {
				t.Errorf("date initial %q", e.InitialDate)
			}
		case *slackapi.TimePickerBlockElement:
			if e.InitialTime != "" {
				t.Errorf("invalid time pre-filled: %q", e.InitialTime)
			}
		case *slackapi.SelectBlockElement:
			if e.InitialOption == nil || e.InitialOption.Value != "online" {
				t.Errorf("select initial %+v", e.InitialOption)
			}
		case *slackapi.PlainTextInputBlockElement:
			if in.BlockID == "place" && (!e.Multiline || !in.Optional || in.Hint == nil) {
				t.Errorf("place: multiline %v optional %v hint %v", e.Multiline, in.Optional, in.Hint)
			}
		}
	}

	state := &slackapi.ViewState{Values: map[string]map[string]slackapi.BlockAction{
		"ref":   {valueAction: {Type: "plain_text_input", Value: "OSD-7K2Q"}},
		"date":  {valueAction: {Type: "datepicker", SelectedDate: "2026-12-10"}},
		"time":  {valueAction: {Type: "timepicker", SelectedTime: "15:30"}},
		"mode":  {valueAction: {Type: "static_select", SelectedOption: slackapi.OptionBlockObject{Value: "in-person"}}},
		"place": {valueAction: {Type: "plain_text_input", Value: ""}},
	}}
	got := formValues(state)
	wantVals := map[string]string{"ref": "OSD-7K2Q", "date": "2026-12-10", "time": "15:30", "mode": "in-person"}
	if len(got) != len(wantVals) {
		t.Errorf("values %v, want %v", got, wantVals)
	}
	for k, w := range wantVals {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

func TestSubmissionResponse(t *testing.T) {
	ids := []string{"ref", "date", "time"}
	tests := []struct {
		name    string
		replies []bot.Reply
		action  slackapi.ViewResponseAction
		errs    map[string]string
		rest    int
	}{
		{"field errors", []bot.Reply{{Text: "Please check", FieldErrors: map[string]string{"date": "Too soon", "time": "Not a time"}}}, slackapi.RAErrors,
			map[string]string{"date": "Too soon", "time": "Not a time"}, 0},
		{"error on a key not in the view goes on a field", []bot.Reply{{FieldErrors: map[string]string{"when": "In the future"}}}, slackapi.RAErrors,
			map[string]string{"ref": "In the future"}, 0},
		{"done", []bot.Reply{{Text: "Scheduled"}, {Text: "Invitation sent"}}, slackapi.RAClear, nil, 2},
		{"next form", []bot.Reply{{Text: "Now the outcome", Form: &bot.Form{Flow: "review-outcome", Title: "Outcome"}}, {Text: "Saved"}}, slackapi.RAUpdate, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, rest := submission(tc.replies, ids)
			if resp.ResponseAction != tc.action || len(rest) != tc.rest {
				t.Fatalf("action %q with %d replies left, want %q and %d", resp.ResponseAction, len(rest), tc.action, tc.rest)
			}
			if len(resp.Errors) != len(tc.errs) {
				t.Errorf("errors %v, want %v", resp.Errors, tc.errs)
			}
			for k, v := range tc.errs {
				if resp.Errors[k] != v {
					t.Errorf("errors[%s] = %q, want %q", k, resp.Errors[k], v)
				}
			}
		})
	}
}

func TestAdminID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"U012ABC", "slack:T1:U012ABC"},
		{"slack:U012ABC", "slack:T1:U012ABC"},
		{"slack:T9:W012ABC", "slack:T9:W012ABC"},
		{"@sam", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := adminID("T1", tc.in); got != tc.want {
			t.Errorf("adminID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"line one\nline two\n", 12, []string{"line one", "line two"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ab&amp;cd", 5, []string{"ab&am", "p;cd"}},
		{"éééé", 5, []string{"éé", "éé"}},
		{"", 5, nil},
	}
	for _, tc := range tests {
		got := chunks(tc.in, tc.n)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("chunks(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestFormFallback(t *testing.T) {
	form := &bot.Form{Flow: "contact", Title: "Log contact"}
	tests := []struct {
		name  string
		reply bot.Reply
		rerun string
		want  string // the button's data, "" for no button
	}{
		{"the slash command that asked", bot.Reply{Form: form, Case: "OSD-7K2Q"}, "/contact OSD-7K2Q with=parent", "/contact OSD-7K2Q with=parent"},
		{"a button's plain answer: the flow instead", bot.Reply{Form: form, Case: "OSD-7K2Q"}, "yes", "/contact OSD-7K2Q"},
		{"unprompted, no case", bot.Reply{Form: form}, "", "/contact"},
		{"no flow to start", bot.Reply{Form: &bot.Form{Title: "Odd"}}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := formFallback(tc.reply, tc.rerun)
			var data string
			if n := len(got.Buttons); n > 0 {
				data = got.Buttons[n-1][0].Data
			}
			if data != tc.want || got.Form != nil || got.Text == "" {
				t.Errorf("formFallback = %+v, want text, no form and a button %q", got, tc.want)
			}
		})
	}
}
