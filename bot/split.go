package bot

import "strings"

// Split breaks a command line into words, keeping "quoted text" and
// key="quoted value" together. Curly quotes count too: phones type them.
func Split(s string) []string {
	var words []string
	for _, t := range Tokens(s) {
		words = append(words, t.Word)
	}
	return words
}

// Token is one word of a command line and where it starts in the line, so
// free text after it can be taken exactly as typed.
type Token struct {
	Word  string
	Start int
}

// Tokens is Split with each word's position.
func Tokens(s string) []Token {
	var words []Token
	var cur strings.Builder
	in, started, start := rune(0), false, 0
	for i, r := range s {
		if !started && in == 0 && r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			start = i
		}
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
				words = append(words, Token{Word: cur.String(), Start: start})
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, Token{Word: cur.String(), Start: start})
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
