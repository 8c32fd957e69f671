package documents

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestVisual(t *testing.T) {
	tests := []struct {
		name, in string
		rtl      bool
		want     string
	}{
		{"left to right only", "Zoë Ó'Brien-Łukasz", false, "Zoë Ó'Brien-Łukasz"},
		{"a Hebrew word in English", "Hello שלום world", false, "Hello םולש world"},
		{"Hebrew words in English read as one", "Say שלום לכולם today", false, "Say םלוכל םולש today"},
		{"a number inside Hebrew keeps its order", "Say שלום 123 עולם now", false, "Say םלוע 123 םולש now"},
		{"a right-to-left line", "שלום עולם", true, "םלוע םולש"},
		{"English inside a right-to-left line", "שלום Sam עולם", true, "םלוע Sam םולש"},
		{"brackets mirror", "שלום (עולם)", true, "(םלוע) םולש"},
		{"brackets around right-to-left text in English", "Note (שלום) ok", false, "Note (םולש) ok"},
		{"percent goes with its number", "שלום 50%", true, "50% םולש"},
		{"a trailing space is at the line's logical end, on the left", "שלום ", true, " םולש"},
		{"a mark stays after its letter", "בְּ", true, "בְּ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := visual(tt.in, tt.rtl); got != tt.want {
				t.Errorf("visual(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShapeArabic(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"initial, medial, final", "بيت", "\uFE91\uFEF4\uFE96"},
		{"a letter joining only before it breaks the word", "باب", "\uFE91\uFE8E\uFE8F"},
		{"lam-alef ligature", "لا", "\uFEFB"},
		{"lam-alef joined from before", "سلام", "\uFEB3\uFEFC\uFEE1"},
		{"Urdu letters", "پچ", "\uFB58\uFB7B"},
		{"marks do not break joining", "بَت", "\uFE91\u064E\uFE96"},
		{"other scripts untouched", "Zoë", "Zoë"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shapeArabic(tt.in); got != tt.want {
				t.Errorf("shapeArabic(%q) = %+q, want %+q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct {
		name, in, want string
		changed        bool
	}{
		{"Welsh and Polish", "Ŵyn ŷd Łódź Zoë", "Ŵyn ŷd Łódź Zoë", false},
		{"emoji named", "ok 😀", "ok [grinning face]", true},
		{"joiners and skin tones dropped, emoji named", "👍🏽\u200d", "[thumbs up sign]", true},
		{"a script the font lacks, named once", "hi আমার নাম bye", "hi [Bengali text] bye", true},
		{"control characters dropped, tabs become spaces", "a\tb\x07c\r\nd", "a bc\nd", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := printable(tt.in)
			if got != tt.want || changed != tt.changed {
				t.Errorf("printable(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
			}
			for _, r := range got {
				if r != '\n' && !covered(r) {
					t.Errorf("%q left in, which the font cannot print", r)
				}
			}
		})
	}
}

func TestWrap(t *testing.T) {
	width := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"one two three", []string{"one two", "three"}},
		{"a verylongwordindeed b", []string{"a", "verylong", "wordinde", "ed b"}},
		{"  spaces   collapse ", []string{"spaces", "collapse"}},
	}
	for _, tt := range tests {
		got := wrap(tt.in, 8, width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, l := range got {
			if width(l) > 8 {
				t.Errorf("line %q is wider than 8", l)
			}
		}
	}
}
