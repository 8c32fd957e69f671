package offsitebot

import "testing"

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, clean, visible string
	}{
		{"plain", "Sam Taylor", "Sam Taylor", "Sam Taylor"},
		{"newlines and tabs kept", "line 1\nline 2\tx", "line 1\nline 2\tx", "line 1\nline 2\tx"},
		{"CR LF", "a\r\nb", "a\nb", `a\x0d` + "\nb"},
		{"NUL", "Sam\x00Taylor", "SamTaylor", `Sam\x00Taylor`},
		{"terminal escape", "\x1b[2J\x1b]0;owned\x07Sam", "[2J]0;ownedSam", `\x1b[2J\x1b]0;owned\x07Sam`},
		{"C1 control", "a\u009bb", "ab", `a\u009bb`},
		{"bidi override", "Sam \u202eroyalT", "Sam royalT", `Sam \u202eroyalT`},
		{"emoji joiner kept", "👩\u200d👦", "👩\u200d👦", "👩\u200d👦"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.clean {
				t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.clean)
			}
			if got := Visible(tt.in); got != tt.visible {
				t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.visible)
			}
		})
	}
}
