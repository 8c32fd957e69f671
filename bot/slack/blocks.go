package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/offsitebot/offsitebot/bot"
)

// More Block Kit limits (docs.slack.dev/reference/block-kit).
const (
	maxHeader        = 150 // characters of a header
	maxField         = 2000
	maxFields        = 10 // fields in a section
	maxContextItems  = 10
	maxConfirmText   = 300
	maxConfirmButton = 30
)

// valueFunc gives the value a button carries for data: data itself when it
// fits Slack's limit, else a short key it is kept under (see bot.Stash).
type valueFunc func(data string) (string, error)

// People's words are only ever in plain_text objects (and rich_text
// elements), which Slack shows as they are: no bold from *, no mention from
// <@U…> or <!channel>, no entity decoded. mrkdwn carries only the bot's own
// words (labels, the footer of the Home tab), escaped and verbatim.

// blocks renders a reply as Block Kit, in order, before it is cut into
// messages: its text as sections, or its title as a header, its facts as
// section fields, its items as sections with a button for each step, its
// note as context; then a row of buttons per row.
func blocks(r bot.Reply, value valueFunc) ([]slackapi.Block, error) {
	return blocksUpTo(r, len(r.Items), "", value)
}

// blocksUpTo is blocks with only the first n items, saying how many more
// there are and the command more that lists them all.
func blocksUpTo(r bot.Reply, n int, more string, value valueFunc) ([]slackapi.Block, error) {
	var out []slackapi.Block
	if !r.Structured() {
		out = textSections(r.Text)
	} else {
		if r.Title != "" {
			out = append(out, titleBlocks(r.Title)...)
		}
		out = append(out, factBlocks(r.Facts)...)
		items, err := itemBlocks(r.Items[:n], value)
		if err != nil {
			return nil, err
		}
		if len(items) > 0 && len(out) > 0 {
			out = append(out, slackapi.NewDividerBlock())
		}
		out = append(out, items...)
		if left := len(r.Items) - n; left > 0 {
			out = append(out, slackapi.NewContextBlock("", mrkdwn(fmt.Sprintf("and %d more — type `%s`", left, more))))
		}
		if r.Note != "" {
			out = append(out, noteBlocks(r.Note)...)
		}
	}
	rows, err := buttonRows(r.Buttons, value)
	if err != nil {
		return nil, err
	}
	return append(out, rows...), nil
}

// messages cuts blocks into messages of at most maxBlocks each.
func messages(bs []slackapi.Block) [][]slackapi.Block {
	var out [][]slackapi.Block
	for len(bs) > maxBlocks {
		out, bs = append(out, bs[:maxBlocks]), bs[maxBlocks:]
	}
	if len(bs) > 0 {
		out = append(out, bs)
	}
	return out
}

// textSections are plain-text sections of text, cut on line breaks to
// Slack's length.
func textSections(text string) []slackapi.Block {
	var out []slackapi.Block
	for _, c := range chunks(text, maxSection) {
		out = append(out, slackapi.NewSectionBlock(plain(c), nil, nil))
	}
	return out
}

// titleBlocks is a header, or sections when the title is too long for one,
// so that none of it is lost.
func titleBlocks(title string) []slackapi.Block {
	if utf8.RuneCountInString(title) <= maxHeader {
		return []slackapi.Block{slackapi.NewHeaderBlock(plain(title))}
	}
	return textSections(title)
}

// factBlocks lays facts out as section fields, label beside value; a value
// too long for a field, or a fact without a label, gets sections of its own.
func factBlocks(facts []bot.Fact) []slackapi.Block {
	var out []slackapi.Block
	var fields []*slackapi.TextBlockObject
	flush := func() {
		if len(fields) > 0 {
			out = append(out, slackapi.NewSectionBlock(nil, fields, nil))
			fields = nil
		}
	}
	for _, f := range facts {
		value := f.Value
		if strings.TrimSpace(value) == "" {
			value = "—" // Slack refuses empty text
		}
		switch {
		case f.Label == "":
			flush()
			out = append(out, textSections(value)...)
		case utf8.RuneCountInString(value) > maxField || utf8.RuneCountInString(f.Label) > maxField-2:
			flush()
			out = append(out, slackapi.NewSectionBlock(label(f.Label), nil, nil))
			out = append(out, textSections(value)...)
		default:
			if len(fields)+2 > maxFields {
				flush()
			}
			fields = append(fields, label(f.Label), plain(value))
		}
	}
	flush()
	return out
}

// itemBlocks are the items as sections, each with its step's button beside
// it, or else the step in words; a group's name heads its items.
func itemBlocks(items []bot.Item, value valueFunc) ([]slackapi.Block, error) {
	var out []slackapi.Block
	group := ""
	for i, it := range items {
		if it.Group != group && it.Group != "" {
			out = append(out, groupBlock(it.Group))
		}
		group = it.Group
		text := it.Text
		if it.Action == nil && it.Next != "" {
			text += "  → " + it.Next
		}
		cs := chunks(text, maxSection)
		if len(cs) == 0 {
			continue
		}
		var acc *slackapi.Accessory
		if it.Action != nil {
			b, err := button(fmt.Sprintf("item%d", i), *it.Action, value)
			if err != nil {
				return nil, err
			}
			acc = slackapi.NewAccessory(b)
		}
		out = append(out, slackapi.NewSectionBlock(plain(cs[0]), nil, acc))
		for _, c := range cs[1:] {
			out = append(out, slackapi.NewSectionBlock(plain(c), nil, nil))
		}
	}
	return out, nil
}

// groupBlock heads a group in bold, as rich text: its words stay as typed
// (a school's name, say), which mrkdwn would not promise.
func groupBlock(name string) slackapi.Block {
	return slackapi.NewRichTextBlock("", slackapi.NewRichTextSection(
		slackapi.NewRichTextSectionTextElement(name, &slackapi.RichTextSectionTextStyle{Bold: true})))
}

// noteBlocks is the footnote as context, in as many elements and blocks as
// its length needs.
func noteBlocks(note string) []slackapi.Block {
	var out []slackapi.Block
	var els []slackapi.MixedElement
	for _, c := range chunks(note, maxSection) {
		if len(els) == maxContextItems {
			out = append(out, slackapi.NewContextBlock("", els...))
			els = nil
		}
		els = append(els, plain(c))
	}
	if len(els) > 0 {
		out = append(out, slackapi.NewContextBlock("", els...))
	}
	return out
}

// buttonRows are rows of buttons as actions blocks, a row longer than Slack
// allows in one block going on in the next.
func buttonRows(rows [][]bot.Button, value valueFunc) ([]slackapi.Block, error) {
	var out []slackapi.Block
	for i, row := range rows {
		var els []slackapi.BlockElement
		for j, b := range row {
			if len(els) == maxRowButtons {
				out = append(out, slackapi.NewActionBlock("", els...))
				els = nil
			}
			e, err := button(fmt.Sprintf("b%d_%d", i, j), b, value)
			if err != nil {
				return nil, err
			}
			els = append(els, e)
		}
		if len(els) > 0 {
			out = append(out, slackapi.NewActionBlock("", els...))
		}
	}
	return out, nil
}

// button is one button. A choice that cannot be undone is shown in red and
// asks its question in a confirmation dialog before it is sent.
func button(actionID string, b bot.Button, value valueFunc) (*slackapi.ButtonBlockElement, error) {
	data := b.Data
	if data == "" {
		data = b.Label
	}
	v, err := value(data)
	if err != nil {
		return nil, err
	}
	e := slackapi.NewButtonBlockElement(actionID, v, plain(trunc(b.Label, maxButtonText)))
	if b.Confirm != "" {
		e.Style = slackapi.StyleDanger
		e.Confirm = slackapi.NewConfirmationBlockObject(plain("Are you sure?"), plain(trunc(b.Confirm, maxConfirmText)),
			plain(trunc(b.Label, maxConfirmButton)), plain("Not now")).WithStyle(slackapi.StyleDanger)
	}
	return e, nil
}

// label is one of the bot's own labels, in bold.
func label(s string) *slackapi.TextBlockObject {
	return mrkdwn("*" + s + "*")
}

// mrkdwn is the bot's own words as mrkdwn: escaped, and verbatim so that
// nothing in them becomes a link or a mention.
func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, slackutilsx.EscapeMessage(s), false, true)
}

// homePart is one heading of the Home tab, with the replies under it and
// the command that lists all of it, for when the tab shows only part.
type homePart struct {
	title   string
	replies []bot.Reply
	more    string
}

// homeView is the App Home tab: each part's replies under its heading,
// within Slack's 100 blocks. Where it would be more, the part with the most
// items shows its first ones (most urgent first, as the commands list
// them) and says how many more there are and what lists them.
func homeView(parts []homePart, value valueFunc) (slackapi.HomeTabViewRequest, error) {
	keep := make([][]int, len(parts)) // items shown, per part and reply
	for i, p := range parts {
		for _, r := range p.replies {
			keep[i] = append(keep[i], len(r.Items))
		}
	}
	for {
		v := slackapi.HomeTabViewRequest{Type: slackapi.VTHomeTab}
		for i, p := range parts {
			if i > 0 {
				v.Blocks.BlockSet = append(v.Blocks.BlockSet, slackapi.NewDividerBlock())
			}
			v.Blocks.BlockSet = append(v.Blocks.BlockSet, slackapi.NewHeaderBlock(plain(p.title)))
			for j, r := range p.replies {
				bs, err := blocksUpTo(r, keep[i][j], p.more, value)
				if err != nil {
					return v, err
				}
				v.Blocks.BlockSet = append(v.Blocks.BlockSet, bs...)
			}
		}
		over := len(v.Blocks.BlockSet) - maxModalBlocks
		if over <= 0 {
			return v, nil
		}
		i, j := longest(keep)
		if i < 0 {
			v.Blocks.BlockSet = v.Blocks.BlockSet[:maxModalBlocks] // no list to shorten: never seen
			return v, nil
		}
		// One fewer item may not save a block (a group's heading), so
		// shorten by at least one; a "more" line costs one the first time.
		cut := over
		if keep[i][j] == len(parts[i].replies[j].Items) {
			cut++
		}
		keep[i][j] = max(keep[i][j]-max(cut, 1), 0)
	}
}

// longest finds the reply showing the most items, or -1 when none shows any.
func longest(keep [][]int) (int, int) {
	bi, bj, most := -1, -1, 0
	for i, ks := range keep {
		for j, k := range ks {
			if k > most {
				bi, bj, most = i, j, k
			}
		}
	}
	return bi, bj
}
