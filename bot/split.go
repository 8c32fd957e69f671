package bot

import "strings"

// Split breaks a command line into words, keeping "quoted text" and
// key="quoted value" together. Curly quotes count too: phones type them.
func Split(s string) []string {
	var words []string
	var cur strings.Builder
	in, started := rune(0), false
	for _, r := range s {
		switch {
		case in != 0 && closes(in, r):
			in = 0
		case in == 0 && (r == '"' || r == '“' || r == '\''):
			if r == '\'' && started && !strings.HasSuffix(cur.String(), "=") {
				cur.WriteRune(r) // an apostrophe inside a word: don't
				continue
			}
			in, started = r, true
		case in == 0 && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			if started {
				words = append(words, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, cur.String())
	}
	return words
}

func closes(open, r rune) bool {
	switch open {
	case '"':
		return r == '"' || r == '”'
	case '“':
		return r == '”' || r == '"'
	}
	return r == open
}
