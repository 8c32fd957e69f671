package documents

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// pdfText extracts each page's text, one line per line of the page, top to
// bottom. ledongthuc/pdf parses the file (cross-references, objects,
// compressed streams, content operators), but its text decoding reads only
// the last byte of a two-byte code through a ToUnicode range, which garbles
// everything past U+00FF in fpdf's UTF-8 fonts (Type0, Identity-H): so the
// text operators and the ToUnicode CMaps are decoded here.
func pdfText(t *testing.T, data []byte) []string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a readable PDF: %v", err)
	}
	var pages []string
	for i := 1; i <= r.NumPage(); i++ {
		pg := r.Page(i)
		fonts := map[string]toUnicode{}
		for _, name := range pg.Fonts() {
			fonts[name] = readToUnicode(t, pg.Font(name).V.Key("ToUnicode"))
		}
		type frag struct {
			x, y float64
			s    string
		}
		var frags []frag
		var font toUnicode
		var x, y float64
		pdf.Interpret(pg.V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for i := len(args) - 1; i >= 0; i-- {
				args[i] = stk.Pop()
			}
			switch op {
			case "BT":
				x, y = 0, 0
			case "Tf":
				font = fonts[args[0].Name()]
			case "Td", "TD":
				x, y = x+args[0].Float64(), y+args[1].Float64()
			case "Tm":
				x, y = args[4].Float64(), args[5].Float64()
			case "Tj":
				frags = append(frags, frag{x, y, font.decode(t, args[0].RawString())})
			case "TJ":
				var b strings.Builder
				for k := 0; k < args[0].Len(); k++ {
					if v := args[0].Index(k); v.Kind() == pdf.String {
						b.WriteString(font.decode(t, v.RawString()))
					}
				}
				frags = append(frags, frag{x, y, b.String()})
			}
		})
		slices.SortStableFunc(frags, func(a, b frag) int {
			if math.Abs(a.y-b.y) > 1 {
				return cmp.Compare(b.y, a.y)
			}
			return cmp.Compare(a.x, b.x)
		})
		var lines []string
		for k, f := range frags {
			if k > 0 && math.Abs(frags[k-1].y-f.y) <= 1 {
				lines[len(lines)-1] += " " + f.s
				continue
			}
			lines = append(lines, f.s)
		}
		pages = append(pages, strings.Join(lines, "\n"))
	}
	return pages
}

// toUnicode maps a font's codes (two bytes each here) to text.
type toUnicode struct {
	chars  map[string]string
	ranges []cmapRange
}

type cmapRange struct {
	lo, hi string
	dst    []rune // the first code's text; later codes add to its last rune
}

// readToUnicode reads the bfchar and bfrange sections of a ToUnicode CMap
// (its PostScript wrapper is of no use here).
func readToUnicode(t *testing.T, v pdf.Value) toUnicode {
	t.Helper()
	m := toUnicode{chars: map[string]string{}}
	if v.Kind() != pdf.Stream {
		t.Fatalf("a font has no ToUnicode map: its text cannot be read back")
	}
	rd := v.Reader()
	defer rd.Close()
	src, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	hexes := func(s string) []string {
		var out []string
		for _, h := range regexp.MustCompile(`<([0-9A-Fa-f]*)>`).FindAllStringSubmatch(s, -1) {
			b, err := hex.DecodeString(h[1])
			if err != nil {
				t.Fatalf("ToUnicode: %v", err)
			}
			out = append(out, string(b))
		}
		return out
	}
	for _, sec := range regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`).FindAllStringSubmatch(string(src), -1) {
		h := hexes(sec[1])
		for i := 0; i+1 < len(h); i += 2 {
			m.chars[h[i]] = string(utf16Runes(h[i+1]))
		}
	}
	for _, sec := range regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`).FindAllStringSubmatch(string(src), -1) {
		if strings.Contains(sec[1], "[") {
			t.Fatalf("ToUnicode ranges with arrays are not read here")
		}
		h := hexes(sec[1])
		for i := 0; i+2 < len(h); i += 3 {
			m.ranges = append(m.ranges, cmapRange{h[i], h[i+1], utf16Runes(h[i+2])})
		}
	}
	if len(m.chars)+len(m.ranges) == 0 {
		t.Fatalf("an empty ToUnicode map")
	}
	return m
}

func (m toUnicode) decode(t *testing.T, raw string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i+1 < len(raw); i += 2 {
		code := raw[i : i+2]
		if s, ok := m.chars[code]; ok {
			b.WriteString(s)
			continue
		}
		found := false
		for _, r := range m.ranges {
			if code >= r.lo && code <= r.hi && len(r.dst) > 0 {
				off := rune(int(code[0])<<8|int(code[1])) - rune(int(r.lo[0])<<8|int(r.lo[1]))
				dst := slices.Clone(r.dst)
				dst[len(dst)-1] += off
				b.WriteString(string(dst))
				found = true
				break
			}
		}
		if !found {
			t.Errorf("code %x has no text in the font's ToUnicode map", code)
		}
	}
	return b.String()
}

func utf16Runes(s string) []rune {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return utf16.Decode(u)
}
