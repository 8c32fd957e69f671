package slack

import (
	"encoding/json"
	"regexp"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/offsitebot/offsitebot/bot"
)

// Block Kit limits (docs.slack.dev/reference/block-kit).
const (
	maxSection     = 3000 // characters of a section's text
	maxBlocks      = 50   // blocks in a message
	maxModalBlocks = 100  // blocks in a modal or home tab
	maxTitle       = 24   // a modal's title and submit label
	maxButtonText  = 75
	maxButtonValue = 2000
	maxRowButtons  = 25
	maxLabel       = 2000
	maxOptions     = 100
	maxOptionValue = 150
	formCallback   = "offsite_form"
	valueAction    = "v" // action_id of every input: the block_id is the field key
)

// chunks splits text into pieces of at most n bytes (so at most n
// characters), at line breaks where it can, and never inside a character.
func chunks(s string, n int) []string {
	s = strings.TrimRight(s, "\n")
	var out []string
	for len(s) > n {
		cut := strings.LastIndex(s[:n], "\n")
		if cut <= 0 {
			cut = n
			for cut > 0 && !utf8Start(s[cut]) {
				cut--
			}
		}
		out = append(out, s[:cut])
		s = strings.TrimLeft(s[cut:], "\n")
	}
	if strings.TrimSpace(s) != "" {
		out = append(out, s)
	}
	return out
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// trunc shortens s to n characters, marking the cut.
func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// plain is text shown exactly as it is: Slack formats nothing in plain_text
// and, with emoji off, turns no :name: into an emoji.
func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, false, false)
}

// formMeta travels in the modal's private_metadata and comes back on submit.
type formMeta struct {
	Flow string `json:"flow"`
}

// modal renders a Form as a modal: one input block per field, whose block_id
// is the field key, so Slack's per-field errors map straight back.
func modal(f *bot.Form, intro string) slackapi.ModalViewRequest {
	title := f.Title
	if title == "" {
		title = "offsitebot"
	}
	submit := f.Submit
	if submit == "" {
		submit = "Save"
	}
	meta, _ := json.Marshal(formMeta{Flow: f.Flow})
	v := slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		Title:           plain(trunc(title, maxTitle)),
		Submit:          plain(trunc(submit, maxTitle)),
		Close:           plain("Cancel"),
		CallbackID:      formCallback,
		PrivateMetadata: string(meta),
	}
	v.Blocks.BlockSet = append(v.Blocks.BlockSet, textSections(intro)...)
	for _, fld := range f.Fields {
		if len(v.Blocks.BlockSet) == maxModalBlocks {
			break
		}
		label := fld.Label
		if label == "" {
			label = fld.Key
		}
		var hint *slackapi.TextBlockObject
		if fld.Hint != "" {
			hint = plain(trunc(fld.Hint, maxLabel))
		}
		in := slackapi.NewInputBlock(fld.Key, plain(trunc(label, maxLabel)), hint, element(fld))
		in.Optional = fld.Optional
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, in)
	}
	return v
}

// element is the input for one field kind, pre-filled with its value.
func element(f bot.Field) slackapi.BlockElement {
	switch f.Kind {
	case bot.FieldDate:
		e := slackapi.NewDatePickerBlockElement(valueAction)
		if dateRe.MatchString(f.Value) {
			e.InitialDate = f.Value
		}
		return e
	case bot.FieldTime:
		e := slackapi.NewTimePickerBlockElement(valueAction)
		if timeRe.MatchString(f.Value) {
			e.InitialTime = f.Value
		}
		e.Timezone = "Europe/London"
		return e
	case bot.FieldSelect:
		var opts []*slackapi.OptionBlockObject
		var initial *slackapi.OptionBlockObject
		for _, c := range f.Choices {
			if len(opts) == maxOptions || len(c.Data) > maxOptionValue {
				continue
			}
			o := slackapi.NewOptionBlockObject(c.Data, plain(trunc(c.Label, 75)), nil)
			if c.Data == f.Value {
				initial = o
			}
			opts = append(opts, o)
		}
		if len(opts) == 0 {
			break // Slack refuses a menu with no options: take typed text
		}
		e := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Choose"), valueAction, opts...)
		if initial != nil {
			e.InitialOption = initial
		}
		return e
	}
	e := slackapi.NewPlainTextInputBlockElement(nil, valueAction)
	e.Multiline = f.Kind == bot.FieldLong
	e.InitialValue = f.Value
	return e
}

var (
	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRe = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// formValues reads a submitted modal's answers, keyed by field key; empty
// optional answers are left out so the flow can tell them from "".
func formValues(state *slackapi.ViewState) map[string]string {
	out := map[string]string{}
	if state == nil {
		return out
	}
	for key, actions := range state.Values {
		a, ok := actions[valueAction]
		if !ok {
			continue
		}
		var v string
		switch a.Type {
		case "datepicker":
			v = a.SelectedDate
		case "timepicker":
			v = a.SelectedTime
		case "static_select":
			v = a.SelectedOption.Value
		default:
			v = a.Value
		}
		if v != "" {
			out[key] = v
		}
	}
	return out
}

var (
	mentionRe = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	channelRe = regexp.MustCompile(`<#[A-Z0-9]+\|([^>]*)>`)
	linkRe    = regexp.MustCompile(`<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>`)
)

// cleanText turns Slack's wire format into what the person typed: user
// mentions become namespaced identities (so "staff add @sam" names slack:T:U),
// links their text, and the three escaped characters themselves.
func cleanText(team, s string) string {
	s = mentionRe.ReplaceAllString(s, "slack:"+team+":$1")
	s = channelRe.ReplaceAllString(s, "#$1")
	s = linkRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRe.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[2]
		}
		return strings.TrimPrefix(sub[1], "mailto:")
	})
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
	return strings.TrimSpace(r.Replace(s))
}
