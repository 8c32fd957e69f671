package documents

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// TestAttendanceSVG: the picture for a web page is well-formed SVG with the
// same bars as the PNG's (colour for colour), colours as attributes (a
// strict Content-Security-Policy blocks style), and words for a screen reader.
func TestAttendanceSVG(t *testing.T) {
	in := fixture()
	svg, label := AttendanceSVG(in.Case, in.Calendar, in.today(), "")
	dec := xml.NewDecoder(strings.NewReader(svg))
	fills := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok {
			for _, a := range el.Attr {
				if a.Name.Local == "style" {
					t.Errorf("<%s> has a style attribute", el.Name.Local)
				}
				if a.Name.Local == "fill" {
					fills[a.Value]++
				}
			}
		}
	}
	for _, s := range []int{sPresent, sAuthorised, sUnauthorised, sNotRecorded} {
		if fills[hexColour(stateColours[s])] < 2 { // a bar and the legend's square
			t.Errorf("no %s bars", stateNames[s])
		}
	}
	if !strings.Contains(svg, `role="img"`) || !strings.HasPrefix(label, "Attendance since the start, one bar a week: ") || !strings.Contains(svg, `aria-label="`+label+`"`) {
		t.Errorf("label %q, svg starts %.200s", label, svg)
	}
	if strings.Contains(svg, in.Case.Pupil) {
		t.Error("the picture names the pupil")
	}
}
