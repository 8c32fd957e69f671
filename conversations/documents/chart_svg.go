package documents

import (
	"fmt"
	"html"
	"image/color"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
)

// svgCanvas draws the picture as SVG elements, in the chart's own units, for
// a web page to show inline. Colours are attributes, not style, so a page
// whose Content-Security-Policy allows no inline style shows them.
type svgCanvas struct{ b *strings.Builder }

func hexColour(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

func (s svgCanvas) rect(x, y, w, h float64, c color.RGBA) {
	fmt.Fprintf(s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, h, hexColour(c))
}

func (s svgCanvas) line(x1, y1, x2, y2, width float64, c color.RGBA, dashed bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`, x1, y1, x2, y2, hexColour(c), width, dash)
}

func (s svgCanvas) text(x, y float64, t string, size float64, c color.RGBA, align byte) {
	anchor := map[byte]string{'L': "start", 'C': "middle", 'R': "end"}[align]
	fmt.Fprintf(s.b, `<text x="%.1f" y="%.1f" font-size="%.0f" fill="%s" text-anchor="%s">%s</text>`, x, y, size, hexColour(c), anchor, html.EscapeString(t))
}

// textWidth measures with the font the PNG is drawn in, which the SVG names first.
func (s svgCanvas) textWidth(t string, size float64) float64 {
	return pngCanvas{scale: 1}.textWidth(t, size)
}

// AttendanceSVG is the attendance picture of AttendanceChart as an SVG
// element, without a title of its own (the page around it has the heading),
// described for screen readers by label.
func AttendanceSVG(c *offsitebot.Case, cal offsitebot.Calendar, today offsitebot.Date, review offsitebot.Date) (svg, label string) {
	a := tally(c, cal, today, review)
	label = fmt.Sprintf("Attendance since the start, one bar a week: %s (%d of %d sessions).", offsitebot.Percent(a.all[0], a.all[1]), a.all[0], a.all[1])
	for st := range nStates {
		if a.totals[st] > 0 {
			label += fmt.Sprintf(" %s %d.", stateNames[st], a.totals[st])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" font-family="DejaVu Sans, Verdana, sans-serif">`, chartW, chartH, html.EscapeString(label))
	a.draw(svgCanvas{&b}, "")
	b.WriteString(`</svg>`)
	return b.String(), label
}
