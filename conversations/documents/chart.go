package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	offsitebot "github.com/offsitebot/offsitebot"
)

// What a session can be, as the picture shows it.
const (
	sPresent = iota
	sAuthorised
	sUnauthorised
	sNotCounted // unable to attend, closures: left out of the percentage
	sNotRecorded
	nStates
)

var stateNames = [nStates]string{"present", "authorised absence", "unauthorised absence", "not counted", "not recorded"}

// Okabe–Ito colours, told apart with colour-blindness too; "not recorded" is
// pale so a gap reads as a gap.
var stateColours = [nStates]color.RGBA{
	{0, 158, 115, 255}, {86, 180, 233, 255}, {213, 94, 0, 255}, {153, 153, 153, 255}, {228, 228, 228, 255},
}

// maxChartDays bounds the days looked at, so a wrong start date cannot make
// a loop without end; earlier weeks are left out and the picture says so.
const maxChartDays = 3 * 366

type week struct {
	monday   offsitebot.Date
	sessions [nStates]int
}

// attendance is a case's sessions tallied for the picture and the table.
type attendance struct {
	weeks      []week
	from, to   offsitebot.Date // the days counted
	cut        bool            // weeks before from were left out
	review     offsitebot.Date // the last review before the meeting ("" if none)
	codes      map[string][2]int
	notRecord  [2]int // sessions not recorded: since the start, since the last review
	totals     [nStates]int
	all, since [2]int // present and possible sessions
}

// tally counts the sessions from the start to today (or the end), using the
// same reading of codes as everywhere else (offsitebot.AttendanceSummary).
// A past school day with nothing recorded counts as two sessions not recorded.
func tally(c *offsitebot.Case, cal offsitebot.Calendar, today, review offsitebot.Date) attendance {
	a := attendance{review: review, codes: map[string][2]int{}}
	if !c.Start.Valid() || c.Start > today {
		return a
	}
	last := today
	if c.End.Valid() && c.End < last {
		last = c.End
	}
	if c.Status == offsitebot.Ended && c.EndedOn.Valid() && c.EndedOn < last {
		last = c.EndedOn
	}
	a.from, a.to = c.Start, last
	if a.from.DaysUntil(a.to) > maxChartDays {
		a.from, a.cut = a.to.AddDays(-maxChartDays), true
	}
	latest := make(map[offsitebot.Date]offsitebot.AttendanceDay, len(c.Attendance))
	for _, d := range c.Attendance {
		latest[d.Date] = d
	}
	infos := map[string]offsitebot.CodeInfo{}
	for _, ci := range offsitebot.Codes() {
		infos[ci.Code] = ci
	}
	after := func(d offsitebot.Date) bool { return review == "" || d > review }
	for d := monday(a.from); d <= a.to; d = d.AddDays(1) {
		if d.Weekday() == time.Monday {
			a.weeks = append(a.weeks, week{monday: d})
		}
		if d < a.from {
			continue
		}
		wk := &a.weeks[len(a.weeks)-1]
		rec, ok := latest[d]
		if !ok {
			if d < today && cal.IsSchoolDay(d) {
				wk.sessions[sNotRecorded] += 2
				a.notRecord[0] += 2
				if after(d) {
					a.notRecord[1] += 2
				}
			}
			continue
		}
		for _, code := range [2]string{rec.AM, rec.PM} {
			code = strings.ToUpper(strings.TrimSpace(code))
			ci, known := infos[code]
			state := sNotRecorded
			switch {
			case !known:
			case ci.Present:
				state = sPresent
			case !ci.Possible:
				state = sNotCounted
			case ci.Category == offsitebot.CatUnauthorised:
				state = sUnauthorised
			default:
				state = sAuthorised
			}
			wk.sessions[state]++
			if !known {
				a.notRecord[0]++
				if after(d) {
					a.notRecord[1]++
				}
				continue
			}
			n := a.codes[code]
			n[0]++
			if after(d) {
				n[1]++
			}
			a.codes[code] = n
		}
	}
	for _, wk := range a.weeks {
		for s, n := range wk.sessions {
			a.totals[s] += n
		}
	}
	a.all[0], a.all[1] = offsitebot.AttendanceSummary(c.Attendance, a.from, a.to)
	if review != "" {
		a.since[0], a.since[1] = offsitebot.AttendanceSummary(c.Attendance, review.AddDays(1), a.to)
	}
	return a
}

func monday(d offsitebot.Date) offsitebot.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// canvas is what the picture is drawn on: the pack's PDF page or a PNG. Units
// are the chart's own (chartW wide); y grows downwards; text y is the baseline.
type canvas interface {
	rect(x, y, w, h float64, c color.RGBA)
	line(x1, y1, x2, y2, width float64, c color.RGBA, dashed bool)
	text(x, y float64, s string, size float64, c color.RGBA, align byte)
	textWidth(s string, size float64) float64
}

const (
	chartW = 1000.0
	chartH = 430.0
)

var (
	chartInk  = color.RGBA{33, 37, 41, 255}
	chartGrid = color.RGBA{222, 226, 230, 255}
	chartMark = color.RGBA{31, 58, 95, 255}
)

// draw lays the picture out: one stacked bar of sessions per week, the
// week's attendance above it, the last review marked, a legend with totals.
// title, when not empty, heads it (the PNG has no section heading around it).
func (a attendance) draw(cv canvas, title string) {
	cv.rect(0, 0, chartW, chartH, color.RGBA{255, 255, 255, 255})
	top := 50.0 // room above the bars for their percentages and the review's label
	if title != "" {
		cv.text(20, 34, title, 24, chartInk, 'L')
		top = 90
	}
	left, right, bottom := 70.0, chartW-20, chartH-90
	if len(a.weeks) == 0 {
		cv.text(chartW/2, (top+bottom)/2, "No attendance to show yet.", 24, chartInk, 'C')
		return
	}
	ymax := 10
	for _, wk := range a.weeks {
		t := 0
		for _, n := range wk.sessions {
			t += n
		}
		ymax = max(ymax, t)
	}
	ymax += ymax % 2
	yOf := func(v float64) float64 { return bottom - (bottom-top)*v/float64(ymax) }
	for v := 0; v <= ymax; v += 2 {
		cv.line(left, yOf(float64(v)), right, yOf(float64(v)), 1, chartGrid, false)
		cv.text(left-10, yOf(float64(v))+6, fmt.Sprint(v), 16, chartInk, 'R')
	}
	cv.text(20, top-32, "sessions", 16, chartInk, 'L')
	slot := (right - left) / float64(len(a.weeks))
	barW := math.Min(slot*0.7, 60)
	every := int(math.Ceil(70 / slot)) // week labels no closer than 70 units
	type label struct {
		x, y float64
		s    string
	}
	var labels []label // each week's percentage, drawn last over a clear ground
	for i, wk := range a.weeks {
		x := left + slot*float64(i) + (slot-barW)/2
		acc := 0
		for s := range nStates {
			n := wk.sessions[s]
			if n == 0 {
				continue
			}
			y1, y0 := yOf(float64(acc)), yOf(float64(acc+n))
			cv.rect(x, y0, barW, y1-y0, stateColours[s])
			acc += n
		}
		present, possible := wk.sessions[sPresent], wk.sessions[sPresent]+wk.sessions[sAuthorised]+wk.sessions[sUnauthorised]
		if possible > 0 && slot >= 44 {
			labels = append(labels, label{x + barW/2, yOf(float64(acc)) - 6, offsitebot.Percent(present, possible)})
		}
		if i%every == 0 {
			cv.text(x+barW/2, bottom+24, wk.monday.Time().Format("2 Jan"), 16, chartInk, 'C')
		}
	}
	cv.line(left, bottom, right, bottom, 1.5, chartInk, false)
	cv.text(left, bottom+46, "weeks starting on the Monday shown", 15, chartInk, 'L')
	if a.review != "" && a.review >= monday(a.from) && a.review <= a.to {
		// Between the bars, at the review's day in its week.
		i := float64(monday(a.from).DaysUntil(a.review)) / 7
		x := left + slot*(math.Floor(i)) + (slot-barW)/2 + barW*math.Min(1, (i-math.Floor(i))*7/5)
		cv.line(x, top-30, x, bottom, 2, chartMark, true)
		label := "last review " + a.review.Time().Format("2 Jan")
		align := byte('L')
		if x+cv.textWidth(label, 15)+8 > right {
			align = 'R'
		}
		offset := map[byte]float64{'L': 5, 'R': -5}[align]
		cv.text(x+offset, top-20, label, 15, chartMark, align)
	}
	for _, l := range labels {
		w := cv.textWidth(l.s, 15)
		cv.rect(l.x-w/2-3, l.y-15, w+6, 19, color.RGBA{255, 255, 255, 255})
		cv.text(l.x, l.y, l.s, 15, chartInk, 'C')
	}
	x := left
	for s := range nStates {
		if a.totals[s] == 0 && s != sPresent {
			continue
		}
		label := fmt.Sprintf("%s %d", stateNames[s], a.totals[s])
		cv.rect(x, chartH-30, 16, 16, stateColours[s])
		cv.text(x+22, chartH-16, label, 16, chartInk, 'L')
		x += 22 + cv.textWidth(label, 16) + 26
	}
}

// pdfCanvas draws at (x0, y0) on the page, scale millimetres to a unit.
type pdfCanvas struct {
	pdf           *fpdf.Fpdf
	x0, y0, scale float64
}

func (p pdfCanvas) rect(x, y, w, h float64, c color.RGBA) {
	p.pdf.SetFillColor(int(c.R), int(c.G), int(c.B))
	p.pdf.Rect(p.x0+x*p.scale, p.y0+y*p.scale, w*p.scale, h*p.scale, "F")
}

func (p pdfCanvas) line(x1, y1, x2, y2, width float64, c color.RGBA, dashed bool) {
	p.pdf.SetDrawColor(int(c.R), int(c.G), int(c.B))
	p.pdf.SetLineWidth(width * p.scale)
	if dashed {
		p.pdf.SetDashPattern([]float64{6 * p.scale, 4 * p.scale}, 0)
	}
	p.pdf.Line(p.x0+x1*p.scale, p.y0+y1*p.scale, p.x0+x2*p.scale, p.y0+y2*p.scale)
	p.pdf.SetDashPattern(nil, 0)
}

func (p pdfCanvas) font(size float64) { p.pdf.SetFont("sans", "", size*p.scale/ptToMM) }

func (p pdfCanvas) text(x, y float64, s string, size float64, c color.RGBA, align byte) {
	p.font(size)
	p.pdf.SetTextColor(int(c.R), int(c.G), int(c.B))
	x -= map[byte]float64{'L': 0, 'C': 0.5, 'R': 1}[align] * p.textWidth(s, size)
	p.pdf.Text(p.x0+x*p.scale, p.y0+y*p.scale, s)
}

func (p pdfCanvas) textWidth(s string, size float64) float64 {
	p.font(size)
	return p.pdf.GetStringWidth(s) / p.scale
}

// pngCanvas draws on an image, scale pixels to a unit.
type pngCanvas struct {
	img   *image.RGBA
	scale float64
}

var faces = struct {
	sync.Mutex
	font  *opentype.Font
	sizes map[float64]font.Face
}{sizes: map[float64]font.Face{}}

func (p pngCanvas) face(size float64) font.Face {
	faces.Lock()
	defer faces.Unlock()
	px := math.Round(size * p.scale)
	if f, ok := faces.sizes[px]; ok {
		return f
	}
	if faces.font == nil {
		f, err := opentype.Parse(regularTTF)
		if err != nil {
			panic("documents: embedded font: " + err.Error()) // a build defect, not input
		}
		faces.font = f
	}
	f, err := opentype.NewFace(faces.font, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic("documents: font face: " + err.Error())
	}
	faces.sizes[px] = f
	return f
}

func (p pngCanvas) px(v float64) int { return int(math.Round(v * p.scale)) }

func (p pngCanvas) rect(x, y, w, h float64, c color.RGBA) {
	r := image.Rect(p.px(x), p.px(y), p.px(x+w), p.px(y+h))
	draw.Draw(p.img, r, image.NewUniform(c), image.Point{}, draw.Over)
}

// line draws the chart's lines, which are all level or upright.
func (p pngCanvas) line(x1, y1, x2, y2, width float64, c color.RGBA, dashed bool) {
	half := math.Max(width*p.scale, 1) / 2 / p.scale
	if !dashed {
		p.rect(math.Min(x1, x2)-half, math.Min(y1, y2)-half, math.Abs(x2-x1)+2*half, math.Abs(y2-y1)+2*half, c)
		return
	}
	for y := math.Min(y1, y2); y < math.Max(y1, y2); y += 10 {
		p.rect(x1-half, y, 2*half, math.Min(6, math.Max(y1, y2)-y), c)
	}
}

func (p pngCanvas) text(x, y float64, s string, size float64, c color.RGBA, align byte) {
	x -= map[byte]float64{'L': 0, 'C': 0.5, 'R': 1}[align] * p.textWidth(s, size)
	d := font.Drawer{Dst: p.img, Src: image.NewUniform(c), Face: p.face(size),
		Dot: fixed.P(p.px(x), p.px(y))}
	d.DrawString(s)
}

func (p pngCanvas) textWidth(s string, size float64) float64 {
	return float64(font.MeasureString(p.face(size), s).Round()) / p.scale
}

// png renders the picture at scale pixels per unit.
func (a attendance) png(title string, scale float64) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, int(chartW*scale), int(chartH*scale)))
	a.draw(pngCanvas{img: img, scale: scale}, title)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("documents: encoding the attendance picture: %w", err)
	}
	return buf.Bytes(), nil
}

// AttendanceChart draws the case's attendance since the start as a PNG, one
// bar a week with the last review marked. It names the pupil by initials
// only, so it may be shown where others can read it.
func AttendanceChart(in Input) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	c := in.Case
	var review offsitebot.Date
	if last, ok := offsitebot.LastHeldMeeting(c, in.Now); ok {
		review = last.Date()
	}
	a := tally(c, in.Calendar, in.today(), review)
	title := fmt.Sprintf("%s (%s) · attendance since the start: %s (%d of %d sessions)", c.Ref, c.Initials(),
		offsitebot.Percent(a.all[0], a.all[1]), a.all[0], a.all[1])
	return a.png(oneLine(title), 1.2)
}
