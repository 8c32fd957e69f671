package documents

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// A4 portrait, in millimetres.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 18.0
	ptToMM       = 25.4 / 72
)

var (
	ink     = [3]int{33, 37, 41}
	muted   = [3]int{100, 106, 112}
	accent  = [3]int{31, 58, 95}
	rule    = [3]int{206, 212, 218}
	shading = [3]int{236, 240, 244}
)

// writer lays text out on pages with fpdf, breaking pages itself so that
// tables repeat their heading and nothing is ever cut off at a page's foot.
type writer struct {
	pdf    *fpdf.Fpdf
	size   float64 // body text, in points
	left   float64
	width  float64
	top    float64
	bottom float64
	// exact holds text that had to be changed to print (emoji, scripts the
	// font lacks); it is attached to the PDF word for word.
	exact []string
}

// line is one line of text ready to draw: in visual order, and whether it
// belongs to a right-to-left paragraph (so it is aligned right).
type line struct {
	text string
	rtl  bool
}

// newWriter starts a document whose pages say header at the top (when not
// empty) and footer with the page number at the foot.
func newWriter(title, header, footer string, size float64, now time.Time) *writer {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetCatalogSort(true) // the same input makes the same bytes
	pdf.AddUTF8FontFromBytes("sans", "", regularTTF)
	pdf.AddUTF8FontFromBytes("sans", "B", boldTTF)
	pdf.SetTitle(title, true)
	pdf.SetCreator("offsitebot", true)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	pdf.AliasNbPages("{nb}")
	w := &writer{pdf: pdf, size: size, left: margin, width: pageW - 2*margin, top: margin, bottom: pageH - margin - 6}
	if header != "" {
		w.top = margin + 8
	}
	header, footer = oneLine(header), oneLine(footer)
	pdf.SetHeaderFunc(func() {
		if header == "" {
			return
		}
		w.small(muted)
		w.cell(w.left, margin-6, w.width, header, "L")
	})
	pdf.SetFooterFunc(func() {
		w.small(muted)
		w.cell(w.left, pageH-margin-2, w.width*0.8, footer, "L")
		w.cell(w.left, pageH-margin-2, w.width, fmt.Sprintf("page %d of {nb}", pdf.PageNo()), "R")
	})
	w.newPage()
	return w
}

func (w *writer) small(colour [3]int) {
	w.pdf.SetFont("sans", "", w.size-2)
	w.pdf.SetTextColor(colour[0], colour[1], colour[2])
}

func (w *writer) lh() float64 { return w.size * ptToMM * 1.4 }

func (w *writer) y() float64 { return w.pdf.GetY() }

func (w *writer) newPage() {
	w.pdf.AddPage()
	w.pdf.SetY(w.top)
}

// need starts a new page unless h millimetres still fit on this one.
func (w *writer) need(h float64) {
	if w.y()+h > w.bottom {
		w.newPage()
	}
}

func (w *writer) space(h float64) {
	if w.y() > w.top {
		w.pdf.SetY(w.y() + h)
	}
}

// cell draws one prepared line at (x, y) in a box of width wd.
func (w *writer) cell(x, y, wd float64, s, align string) {
	w.pdf.SetXY(x, y)
	w.pdf.CellFormat(wd, w.lh(), s, "", 0, align, false, 0, "")
}

// lines prepares text for width wd in the current font: printable, shaped,
// wrapped, and in display order.
func (w *writer) lines(s string, wd float64) []line {
	text, changed := printable(s)
	if changed {
		w.exact = append(w.exact, s)
	}
	text = shapeArabic(text)
	var out []line
	for _, para := range strings.Split(text, "\n") {
		rtl := rtlParagraph(para)
		for _, l := range wrap(para, wd, w.pdf.GetStringWidth) {
			out = append(out, line{visual(l, rtl), rtl})
		}
	}
	return out
}

// oneLine prepares short text of our own making (a header, a label) that
// may hold a name: printable, shaped and in display order, not wrapped.
func oneLine(s string) string {
	text, _ := printable(strings.ReplaceAll(s, "\n", " "))
	text = shapeArabic(text)
	return visual(text, rtlParagraph(text))
}

// text writes a paragraph in the given style ("" or "B") and colour,
// indented by indent millimetres, breaking pages between lines.
func (w *writer) text(s, style string, size float64, colour [3]int, indent float64) {
	w.pdf.SetFont("sans", style, size)
	w.pdf.SetTextColor(colour[0], colour[1], colour[2])
	lh := size * ptToMM * 1.4
	for _, l := range w.lines(s, w.width-indent) {
		w.need(lh)
		w.pdf.SetXY(w.left+indent, w.y())
		w.pdf.CellFormat(w.width-indent, lh, l.text, "", 1, align(l), false, 0, "")
	}
}

func align(l line) string {
	if l.rtl {
		return "R"
	}
	return "L"
}

func (w *writer) para(s string) {
	w.text(s, "", w.size, ink, 0)
	w.space(1.5)
}

// note is a muted remark, such as what a section leaves out.
func (w *writer) note(s string) {
	w.text(s, "", w.size-1, muted, 0)
	w.space(1.5)
}

func (w *writer) title(s string) {
	w.text(s, "B", w.size+6, accent, 0)
	w.space(2)
}

// heading starts a section, on a new page unless it and a few lines fit.
func (w *writer) heading(s string) {
	w.space(3)
	w.need(w.lh() * 5)
	w.text(s, "B", w.size+3, accent, 0)
	y := w.y() + 0.5
	w.pdf.SetDrawColor(rule[0], rule[1], rule[2])
	w.pdf.SetLineWidth(0.3)
	w.pdf.Line(w.left, y, w.left+w.width, y)
	w.pdf.SetY(y + 2)
}

func (w *writer) subheading(s string) {
	w.space(1)
	w.need(w.lh() * 3)
	w.text(s, "B", w.size, ink, 0)
}

// bullet is one item of a list, its later lines set in under the first.
func (w *writer) bullet(s string) {
	w.pdf.SetFont("sans", "", w.size)
	w.pdf.SetTextColor(ink[0], ink[1], ink[2])
	lh := w.lh()
	for i, l := range w.lines(s, w.width-5) {
		w.need(lh)
		if i == 0 {
			w.cell(w.left, w.y(), 5, "•", "L")
		}
		w.pdf.SetXY(w.left+5, w.y())
		w.pdf.CellFormat(w.width-5, lh, l.text, "", 1, align(l), false, 0, "")
	}
}

// quote is someone's own words, set in from the margin with a bar beside them.
func (w *writer) quote(s string) {
	w.pdf.SetFont("sans", "", w.size)
	w.pdf.SetTextColor(ink[0], ink[1], ink[2])
	w.pdf.SetDrawColor(accent[0], accent[1], accent[2])
	w.pdf.SetLineWidth(0.6)
	lh := w.lh()
	for _, l := range w.lines(s, w.width-6) {
		w.need(lh)
		y := w.y()
		w.pdf.Line(w.left+1.5, y+0.5, w.left+1.5, y+lh-0.5)
		w.pdf.SetXY(w.left+6, y)
		w.pdf.CellFormat(w.width-6, lh, l.text, "", 1, align(l), false, 0, "")
	}
	w.space(2)
}

// column of a table: its heading and share of the width.
type column struct {
	title string
	share float64
}

// facts is a two-column table of labels and values, without a heading row.
func (w *writer) facts(rows [][2]string) {
	cols := []column{{"", 0.3}, {"", 0.7}}
	body := make([][]string, len(rows))
	for i, r := range rows {
		body[i] = []string{r[0], r[1]}
	}
	w.table(cols, body)
}

// table draws rows under a heading row (if the columns have titles); a row
// taller than what is left of the page carries on on the next one, under the
// heading again.
func (w *writer) table(cols []column, rows [][]string) {
	const pad = 1.2
	xs := make([]float64, len(cols))
	ws := make([]float64, len(cols))
	x := w.left
	for i, c := range cols {
		xs[i], ws[i] = x, w.width*c.share
		x += ws[i]
	}
	lh := w.lh()
	draw := func(cells []string, style string, fill bool) {
		w.pdf.SetFont("sans", style, w.size)
		w.pdf.SetTextColor(ink[0], ink[1], ink[2])
		prepared := make([][]line, len(cells))
		n := 0
		for i, s := range cells {
			prepared[i] = w.lines(s, ws[i]-2*pad)
			n = max(n, len(prepared[i]))
		}
		for k := 0; k < n; {
			fit := int((w.bottom - w.y() - 2*pad) / lh)
			if fit < min(n-k, 2) && w.y() > w.top {
				w.newPage()
				if style == "" && cols[0].title != "" {
					w.headerRow(cols, xs, ws, pad)
				}
				w.pdf.SetFont("sans", style, w.size)
				w.pdf.SetTextColor(ink[0], ink[1], ink[2])
				continue
			}
			m := max(1, min(fit, n-k))
			y := w.y()
			h := float64(m)*lh + 2*pad
			if fill {
				w.pdf.SetFillColor(shading[0], shading[1], shading[2])
				w.pdf.Rect(w.left, y, w.width, h, "F")
			}
			for i := range cells {
				for j := k; j < k+m && j < len(prepared[i]); j++ {
					l := prepared[i][j]
					w.cell(xs[i]+pad, y+pad+float64(j-k)*lh, ws[i]-2*pad, l.text, align(l))
				}
			}
			w.pdf.SetDrawColor(rule[0], rule[1], rule[2])
			w.pdf.SetLineWidth(0.2)
			w.pdf.Line(w.left, y+h, w.left+w.width, y+h)
			w.pdf.SetY(y + h)
			k += m
		}
	}
	if cols[0].title != "" {
		w.need(lh*3 + 4*pad)
		w.headerRow(cols, xs, ws, pad)
	}
	for _, r := range rows {
		draw(r, "", false)
	}
	w.space(2)
}

func (w *writer) headerRow(cols []column, xs, ws []float64, pad float64) {
	w.pdf.SetFont("sans", "B", w.size-1)
	w.pdf.SetTextColor(ink[0], ink[1], ink[2])
	w.pdf.SetFillColor(shading[0], shading[1], shading[2])
	titles := make([][]line, len(cols))
	n := 1
	for i, c := range cols {
		titles[i] = w.lines(c.title, ws[i]-2*pad)
		n = max(n, len(titles[i]))
	}
	y, lh := w.y(), w.lh()
	h := float64(n)*lh + 2*pad
	w.pdf.Rect(w.left, y, w.width, h, "F")
	for i := range cols {
		for j, l := range titles[i] {
			w.cell(xs[i]+pad, y+pad+float64(j)*lh, ws[i]-2*pad, l.text, "L")
		}
	}
	w.pdf.SetY(y + h)
}

// finish attaches the exact words that could not all be printed, and
// returns the PDF.
func (w *writer) finish() ([]byte, error) {
	if len(w.exact) > 0 {
		w.space(3)
		w.note("Words in [square brackets] stand for characters this document's font cannot show. " +
			"The exact words, as written, are attached to this PDF as " + exactFile + ".")
		w.pdf.SetAttachments([]fpdf.Attachment{{
			Content:     []byte(strings.Join(w.exact, "\n\n---\n\n") + "\n"),
			Filename:    exactFile,
			Description: "The exact words, as written",
		}})
	}
	var buf bytes.Buffer
	if err := w.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("documents: writing the PDF: %w", err)
	}
	return buf.Bytes(), nil
}

const exactFile = "exact-words.txt"
