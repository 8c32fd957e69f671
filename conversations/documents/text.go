package documents

import (
	_ "embed"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// People's words are printed as they wrote them, in any script the embedded
// font has: DejaVu Sans covers Latin (Welsh and Polish included), Greek,
// Cyrillic, Hebrew and Arabic. fpdf writes glyphs one by one, left to right,
// so Arabic is shaped into its presentation forms here and right-to-left text
// is put in visual order line by line. What the font cannot show (emoji, other
// scripts) is named in square brackets, and the exact words are attached to the
// PDF, so nothing is lost without saying so.

var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
)

// coverage is the set of BMP runes both embedded fonts have a glyph for. fpdf
// addresses glyphs by 16-bit code, so nothing outside the BMP can be printed.
var coverage = sync.OnceValue(func() []uint64 {
	set := make([]uint64, 0x10000/64)
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{regularTTF, boldTTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("documents: embedded font: " + err.Error()) // a build defect, not input
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 0x10000; r++ {
		ok := true
		for _, f := range fonts {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				ok = false
				break
			}
		}
		if ok {
			set[r/64] |= 1 << (r % 64)
		}
	}
	return set
})

// covered reports whether the embedded fonts can print r.
func covered(r rune) bool {
	return r >= 0x20 && r < 0x10000 && coverage()[r/64]&(1<<(r%64)) != 0
}

// invisible runes are dropped: formatting characters (joiners, direction
// marks, soft hyphens), variation selectors and skin-tone modifiers shape
// other characters and show nothing themselves.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		(r >= 0x1F3FB && r <= 0x1F3FF) || (unicode.IsControl(r) && r != '\n')
}

// printable returns s with everything the fonts cannot show replaced by a
// name in square brackets, and whether anything was replaced. Tabs become
// spaces, line ends become "\n".
func printable(s string) (string, bool) {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(s)
	rs := []rune(s)
	var b strings.Builder
	changed := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\n':
			b.WriteRune(r)
		case invisible(r):
		case covered(r):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		case unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r):
			// A run of letters in a script the fonts lack, spaces included, is named once.
			j := i + 1
			for j < len(rs) && (missingLetter(rs[j]) || (rs[j] == ' ' && j+1 < len(rs) && missingLetter(rs[j+1]))) {
				j++
			}
			b.WriteString("[" + scriptName(r) + " text]")
			changed, i = true, j-1
		default:
			name := strings.ToLower(runenames.Name(r))
			if name == "" {
				name = "symbol"
			}
			b.WriteString("[" + name + "]")
			changed = true
		}
	}
	return b.String(), changed
}

func missingLetter(r rune) bool {
	return !covered(r) && !invisible(r) && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r))
}

var scriptNames = sync.OnceValue(func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		if name != "Common" && name != "Inherited" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
})

// scriptName names r's script for people ("Bengali"); "Han" reads as Chinese.
func scriptName(r rune) string {
	for _, name := range scriptNames() {
		if unicode.Is(unicode.Scripts[name], r) {
			if name == "Han" {
				return "Chinese"
			}
			return strings.ReplaceAll(name, "_", " ")
		}
	}
	return "other"
}

// arabicForms are a letter's contextual forms (0 where it has none).
type arabicForms struct{ isolated, final, initial, medial rune }

type arabicTables struct {
	letters map[rune]*arabicForms
	lamAlef map[rune]*arabicForms // keyed by the alef; isolated and final ligatures
}

// arabic builds the shaping tables from Unicode itself: each presentation form
// decomposes (NFKC) to its letter, and its name says which form it is.
var arabic = sync.OnceValue(func() arabicTables {
	t := arabicTables{letters: map[rune]*arabicForms{}, lamAlef: map[rune]*arabicForms{}}
	for _, block := range [][2]rune{{0xFB50, 0xFDFF}, {0xFE70, 0xFEFF}} {
		for cp := block[0]; cp <= block[1]; cp++ {
			name := runenames.Name(cp)
			base := []rune(norm.NFKC.String(string(cp)))
			var forms *arabicForms
			switch {
			case len(base) == 1 && base[0] >= 0x0600 && base[0] <= 0x06FF:
				if forms = t.letters[base[0]]; forms == nil {
					forms = &arabicForms{}
					t.letters[base[0]] = forms
				}
			case len(base) == 2 && base[0] == 0x0644 && strings.HasPrefix(name, "ARABIC LIGATURE LAM WITH ALEF"):
				if forms = t.lamAlef[base[1]]; forms == nil {
					forms = &arabicForms{}
					t.lamAlef[base[1]] = forms
				}
			default:
				continue
			}
			switch {
			case strings.HasSuffix(name, " ISOLATED FORM"):
				forms.isolated = cp
			case strings.HasSuffix(name, " FINAL FORM"):
				forms.final = cp
			case strings.HasSuffix(name, " INITIAL FORM"):
				forms.initial = cp
			case strings.HasSuffix(name, " MEDIAL FORM"):
				forms.medial = cp
			}
		}
	}
	return t
})

const tatweel = 0x0640

// joining says how an Arabic letter connects: 'D' both sides, 'R' only to the
// letter before it, 'T' transparent (marks), 'U' not at all.
func joining(r rune) byte {
	if r == tatweel {
		return 'D'
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
		return 'T'
	}
	f := arabic().letters[r]
	switch {
	case f == nil:
		return 'U'
	case f.initial != 0 || f.medial != 0:
		return 'D'
	case f.final != 0:
		return 'R'
	}
	return 'U'
}

// shapeArabic replaces Arabic letters (in logical order) by the forms their
// neighbours call for, with the lam-alef ligatures, where the font has them.
func shapeArabic(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x0600 && r <= 0x06FF }) {
		return s
	}
	rs := []rune(s)
	// neighbour finds the next letter from i in direction step, skipping marks.
	neighbour := func(i, step int) int {
		for i += step; i >= 0 && i < len(rs); i += step {
			if joining(rs[i]) != 'T' {
				return i
			}
		}
		return -1
	}
	pick := func(forms *arabicForms, joinsPrev, joinsNext bool) rune {
		var r rune
		switch {
		case joinsPrev && joinsNext:
			r = forms.medial
		case joinsPrev:
			r = forms.final
		case joinsNext:
			r = forms.initial
		default:
			r = forms.isolated
		}
		if r != 0 && covered(r) {
			return r
		}
		return 0
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		forms := arabic().letters[r]
		if forms == nil {
			out = append(out, r)
			continue
		}
		p := neighbour(i, -1)
		joinsPrev := p >= 0 && joining(rs[p]) == 'D'
		if r == 0x0644 && i+1 < len(rs) {
			if lig := arabic().lamAlef[rs[i+1]]; lig != nil {
				if g := pick(lig, joinsPrev, false); g != 0 {
					out = append(out, g)
					i++
					continue
				}
			}
		}
		n := neighbour(i, 1)
		joinsNext := joining(r) == 'D' && n >= 0 && (joining(rs[n]) == 'D' || joining(rs[n]) == 'R')
		if g := pick(forms, joinsPrev, joinsNext); g != 0 {
			r = g
		}
		out = append(out, r)
	}
	return string(out)
}

// rtlParagraph reports whether the paragraph's first strong character is
// right-to-left (rule P2 of the Unicode bidirectional algorithm).
func rtlParagraph(s string) bool {
	for _, r := range s {
		switch p, _ := bidi.LookupRune(r); p.Class() {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return false
}

// visual puts one line of logical text in display order, left to right, by
// the Unicode bidirectional algorithm without explicit embeddings (those
// controls are dropped as invisible): weak types, neutrals, implicit levels,
// then reversal. Marks stay after their letters, brackets are mirrored.
func visual(line string, rtl bool) string {
	rs := []rune(line)
	if !rtl && !slices.ContainsFunc(rs, func(r rune) bool {
		p, _ := bidi.LookupRune(r)
		return p.Class() == bidi.R || p.Class() == bidi.AL
	}) {
		return line
	}
	n := len(rs)
	base, sos := 0, bidi.L
	if rtl {
		base, sos = 1, bidi.R
	}
	cls := make([]bidi.Class, n)
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		cls[i] = p.Class()
	}
	prev := sos // W1: a mark takes the type of what it marks
	for i := range cls {
		if cls[i] == bidi.NSM {
			cls[i] = prev
		}
		prev = cls[i]
	}
	last := sos // W2, W3: numbers after Arabic letters are Arabic numbers; AL is R
	for i, c := range cls {
		switch c {
		case bidi.L, bidi.R, bidi.AL:
			last = c
		case bidi.EN:
			if last == bidi.AL {
				cls[i] = bidi.AN
			}
		}
		if c == bidi.AL {
			cls[i] = bidi.R
		}
	}
	for i := 1; i+1 < n; i++ { // W4: one separator between two numbers joins them
		a, c, b := cls[i-1], cls[i], cls[i+1]
		if (c == bidi.ES && a == bidi.EN && b == bidi.EN) || (c == bidi.CS && a == b && (a == bidi.EN || a == bidi.AN)) {
			cls[i] = a
		}
	}
	for i := 0; i < n; i++ { // W5: currency and percent signs go with their number
		if cls[i] != bidi.ET {
			continue
		}
		j := i
		for j < n && cls[j] == bidi.ET {
			j++
		}
		if (i > 0 && cls[i-1] == bidi.EN) || (j < n && cls[j] == bidi.EN) {
			for k := i; k < j; k++ {
				cls[k] = bidi.EN
			}
		}
		i = j - 1
	}
	last = sos // W6, W7
	for i, c := range cls {
		switch c {
		case bidi.ES, bidi.ET, bidi.CS:
			cls[i] = bidi.ON
		case bidi.L, bidi.R:
			last = c
		case bidi.EN:
			if last == bidi.L {
				cls[i] = bidi.L
			}
		}
	}
	strong := func(c bidi.Class) (bidi.Class, bool) {
		switch c {
		case bidi.L:
			return bidi.L, true
		case bidi.R, bidi.EN, bidi.AN:
			return bidi.R, true
		}
		return 0, false
	}
	// N0: a pair of brackets takes the base direction if it holds text of
	// that direction, else the other one where it holds that and follows it.
	var open []int
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		if cls[i] != bidi.ON || !p.IsBracket() {
			continue
		}
		if p.IsOpeningBracket() {
			open = append(open, i)
			continue
		}
		for k := len(open) - 1; k >= 0; k-- {
			o := open[k]
			if mirror(rs[o]) != r {
				continue
			}
			open = open[:k]
			var inside []bidi.Class
			for _, c := range cls[o+1 : i] {
				if d, ok := strong(c); ok {
					inside = append(inside, d)
				}
			}
			d := bidi.Class(0)
			switch {
			case slices.Contains(inside, sos):
				d = sos
			case len(inside) > 0:
				d = sos
				for j := o - 1; j >= 0; j-- {
					if s, ok := strong(cls[j]); ok {
						d = s
						break
					}
				}
			default:
				continue
			}
			cls[o], cls[i] = d, d
			break
		}
	}
	for i := 0; i < n; i++ { // N1, N2: neutrals between like directions take it, others the base
		if _, ok := strong(cls[i]); ok {
			continue
		}
		j := i
		for j < n {
			if _, ok := strong(cls[j]); ok {
				break
			}
			j++
		}
		before, after := sos, sos
		if i > 0 {
			before, _ = strong(cls[i-1])
		}
		if j < n {
			after, _ = strong(cls[j])
		}
		d := sos
		if before == after {
			d = before
		}
		for k := i; k < j; k++ {
			cls[k] = d
		}
		i = j - 1
	}
	lv := make([]int, n) // I1, I2
	for i, c := range cls {
		lv[i] = base
		switch {
		case base == 0 && c == bidi.R:
			lv[i] = 1
		case base == 0 && (c == bidi.EN || c == bidi.AN):
			lv[i] = 2
		case base == 1 && (c == bidi.L || c == bidi.EN || c == bidi.AN):
			lv[i] = 2
		}
	}
	for i := n - 1; i >= 0 && unicode.IsSpace(rs[i]); i-- { // L1
		lv[i] = base
	}
	// L2 on clusters (a letter and its marks), so marks stay after their letter.
	type cluster struct {
		runes []rune
		level int
	}
	var cs []cluster
	for i, r := range rs {
		if lv[i]%2 == 1 {
			r = mirror(r)
		}
		if len(cs) > 0 && unicode.Is(unicode.M, r) {
			cs[len(cs)-1].runes = append(cs[len(cs)-1].runes, r)
			continue
		}
		cs = append(cs, cluster{[]rune{r}, lv[i]})
	}
	for level := 2; level >= 1; level-- {
		for i := 0; i < len(cs); {
			if cs[i].level < level {
				i++
				continue
			}
			j := i
			for j < len(cs) && cs[j].level >= level {
				j++
			}
			slices.Reverse(cs[i:j])
			i = j
		}
	}
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(string(c.runes))
	}
	return b.String()
}

// mirror gives a bracket's counterpart, as right-to-left text shows it.
func mirror(r rune) rune {
	switch r {
	case '<':
		return '>'
	case '>':
		return '<'
	case '«':
		return '»'
	case '»':
		return '«'
	}
	if p, _ := bidi.LookupRune(r); p.IsBracket() {
		return []rune(bidi.ReverseString(string(r)))[0]
	}
	return r
}

// wrap breaks one paragraph (no "\n") into lines no wider than width, at
// spaces where it can and inside a word only when the word alone is wider.
func wrap(s string, width float64, measure func(string) float64) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	line := ""
	for _, w := range words {
		switch {
		case line == "" && measure(w) <= width:
			line = w
		case line != "" && measure(line+" "+w) <= width:
			line += " " + w
		default:
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			for measure(w) > width { // a word wider than the line: cut it where it must
				rs := []rune(w)
				k := 1
				for k < len(rs) && measure(string(rs[:k+1])) <= width {
					k++
				}
				lines = append(lines, string(rs[:k]))
				w = string(rs[k:])
			}
			line = w
		}
	}
	return append(lines, line)
}
