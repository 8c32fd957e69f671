package conversations

import (
	"strings"

	"github.com/offsitebot/offsitebot/bot"
)

// card makes a reply with structure and its plain Text together, line by
// line, so the two always say the same: every line of the text is added
// with the parts it says.
type card struct {
	r     bot.Reply
	lines []string
	group string
}

// head starts the reply: its first line, the title it is on a platform
// with headings, and any facts the line also holds.
func (c *card) head(line, title string, facts ...bot.Fact) {
	c.r.Title = title
	c.line(line, facts...)
}

// line adds a line of the text and the facts it says; a sentence that is
// no label and value is a fact without a label.
func (c *card) line(line string, facts ...bot.Fact) {
	c.lines = append(c.lines, line)
	c.r.Facts = append(c.r.Facts, facts...)
}

// fact adds a label and its value, "label: value" in the text.
func (c *card) fact(label, value string) {
	c.line(label+": "+value, bot.Fact{Label: label, Value: value})
}

// heading starts a group of items, with its line in the text ("" for none).
func (c *card) heading(line, group string) {
	if line != "" {
		c.lines = append(c.lines, line)
	}
	c.group = group
}

// item adds an entry of the list, its line in the text.
func (c *card) item(line string, it bot.Item) {
	it.Group = c.group
	c.lines = append(c.lines, line)
	c.r.Items = append(c.r.Items, it)
}

// note adds a footnote line.
func (c *card) note(line string) {
	c.lines = append(c.lines, line)
	if c.r.Note != "" {
		c.r.Note += "\n"
	}
	c.r.Note += line
}

// reply is the finished reply.
func (c *card) reply() bot.Reply {
	r := c.r
	r.Text = strings.Join(c.lines, "\n")
	return r
}
