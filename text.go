package offsitebot

import (
	"fmt"
	"strings"
	"unicode"
)

// CleanText is what people typed with the characters that only ever do harm
// removed: control characters (NUL, escape sequences that drive a terminal,
// C1 controls) and the bidirectional overrides that make text read other
// than it is stored. Newlines and tabs are kept; a CR LF becomes a newline.
func CleanText(s string) string {
	if !strings.ContainsFunc(s, harmful) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if harmful(r) {
			return -1
		}
		return r
	}, s)
}

// harmful reports a character CleanText removes.
func harmful(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case unicode.IsControl(r):
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// Visible is s with each character CleanText would remove shown as an
// escape (\x1b, \u202e), for printing text stored before it was cleaned
// on a terminal, which would otherwise act on it.
func Visible(s string) string {
	if !strings.ContainsFunc(s, harmful) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !harmful(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
