package telegram

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/offsitebot/offsitebot/bot"
)

// itemMark starts the data of a button beside an item of a list: pressing
// it leaves the list as it is, where a question's answer takes its buttons
// away. No command starts with it.
const itemMark = "i:"

// maxItemButtons bounds the buttons a list adds to a message; items past it
// show the command that does their step instead.
const maxItemButtons = 20

// render turns a reply into the lines of HTML Telegram shows (parse_mode
// HTML) and its keyboard. Every word comes escaped, so whatever people typed
// shows as they typed it and formats nothing; the only tags are the
// reply's own (bold title and labels, italic note), each opened and closed
// on one line, so the lines can be sent in parts.
func render(r bot.Reply) (lines []string, rows [][]bot.Button) {
	if !r.Structured() {
		return escapeLines(strings.TrimSpace(r.Text)), r.Buttons
	}
	if r.Title != "" {
		lines = append(lines, "<b>"+esc(r.Title)+"</b>")
	}
	for _, f := range r.Facts {
		value := escapeLines(f.Value)
		if f.Label != "" && len(value) > 0 {
			value[0] = "<b>" + esc(f.Label) + ":</b> " + value[0]
		}
		lines = append(lines, value...)
	}
	number := countActions(r.Items) > 1 // several buttons under one list: which is whose
	group, n := "", 0
	for i, it := range r.Items {
		if i == 0 && len(lines) > 0 {
			lines = append(lines, "")
		}
		if it.Group != group && it.Group != "" {
			lines = append(lines, "<b>"+esc(it.Group)+"</b>")
		}
		group = it.Group
		text := escapeLines(it.Text)
		if len(text) == 0 {
			continue
		}
		prefix := "• "
		if it.Action != nil && n < maxItemButtons {
			n++
			b := *it.Action
			b.Data = itemMark + b.Data
			if number {
				prefix = strconv.Itoa(n) + ". "
				b.Label = strconv.Itoa(n) + ". " + b.Label
			}
			rows = append(rows, []bot.Button{b})
		} else if it.Next != "" {
			text[len(text)-1] += " → " + esc(it.Next)
		}
		text[0] = prefix + text[0]
		lines = append(lines, text...)
	}
	if r.Note != "" {
		lines = append(lines, "")
		for _, l := range escapeLines(r.Note) {
			lines = append(lines, "<i>"+l+"</i>")
		}
	}
	return lines, append(rows, r.Buttons...)
}

func countActions(items []bot.Item) int {
	n := 0
	for _, it := range items {
		if it.Action != nil {
			n++
		}
	}
	return n
}

// esc escapes text for Telegram's HTML: &, < and > (and quotes, harmlessly).
func esc(s string) string { return html.EscapeString(s) }

// escapeLines escapes text and cuts it into its lines.
func escapeLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(esc(s), "\n")
}

// length is how Telegram counts a text's length: in UTF-16 code units.
func length(s string) int { return len(utf16.Encode([]rune(s))) }

// pack joins lines into messages of at most n characters each (Telegram
// counts the text shown, which is never longer than its HTML), breaking
// between lines and, for a line too long on its own, inside it (see cutLine).
func pack(lines []string, n int) []string {
	var parts []string
	var cur strings.Builder
	size := 0
	flush := func() {
		if p := strings.TrimSpace(cur.String()); p != "" {
			parts = append(parts, p)
		}
		cur.Reset()
		size = 0
	}
	for _, l := range lines {
		for length(l) > n {
			flush()
			var head string
			head, l = cutLine(l, n)
			parts = append(parts, head)
		}
		if size > 0 && size+1+length(l) > n {
			flush()
		}
		if size > 0 {
			cur.WriteByte('\n')
			size++
		}
		cur.WriteString(l)
		size += length(l)
	}
	flush()
	return parts
}

// cutLine cuts a line of HTML longer than n into a head showing at most n
// characters and the rest: at the last space that fits, else anywhere
// that fits, but never inside a tag or an &entity;. Tags open at the cut
// are closed at the end of the head and opened again at the start of the
// rest, so both parts are whole HTML.
func cutLine(s string, n int) (string, string) {
	type tag struct{ name, open string }
	var open []tag
	cut, cutOpen, space := 0, []tag(nil), -1
	var spaceOpen []tag
	size := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>') + i
			t := s[i : end+1]
			if strings.HasPrefix(t, "</") {
				open = open[:len(open)-1]
			} else {
				name, _, _ := strings.Cut(strings.Trim(t, "<>"), " ")
				open = append(open, tag{name, t})
			}
			i = end + 1
			continue
		case '&':
			end := strings.IndexByte(s[i:], ';') + i
			size++
			i = end + 1
		default:
			r, k := utf8.DecodeRuneInString(s[i:])
			size += utf16.RuneLen(r)
			if r == ' ' {
				space, spaceOpen = i, append([]tag(nil), open...)
			}
			i += k
		}
		if size > n {
			break
		}
		cut, cutOpen = i, append([]tag(nil), open...)
	}
	if space > 0 && space > cut/2 {
		cut, cutOpen = space, spaceOpen
	}
	head, rest := s[:cut], strings.TrimLeft(s[cut:], " ")
	for i := len(cutOpen) - 1; i >= 0; i-- {
		head += "</" + cutOpen[i].name + ">"
	}
	for i := len(cutOpen) - 1; i >= 0; i-- {
		rest = cutOpen[i].open + rest
	}
	return head, rest
}
