package compare

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 820
	labelWidth  = 150
	barAreaW    = 470
	barHeight   = 16
	barGap      = 6
	panelHeader = 34
	panelGap    = 14
)

var barColors = map[string]string{
	"host": "#6b7280", "vitro": "#2563eb", "vm": "#dc2626",
	"runc": "#059669", "crun": "#0d9488", "docker": "#7c3aed",
}

// WriteChart draws the report as an SVG: one panel (<g class="row">) per
// numeric row, one bar per contender with a whisker from min to max, on a
// log scale where a row's figures span more than a factor of 20. Plain
// SVG, no script or external resource, for slides.
func (r *Report) WriteChart(w io.Writer) error {
	var rows []Row
	for _, row := range r.Rows {
		if row.Chart {
			rows = append(rows, row)
		}
	}
	n := len(r.Contenders)
	panelH := panelHeader + n*(barHeight+barGap)
	height := 40 + len(rows)*(panelH+panelGap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">%s</text>`+"\n",
		esc(fmt.Sprintf("vitro compare — %s, %s", r.Host.Kernel, r.Taken.Format("2006-01-02 15:04 MST"))))
	y := 40
	for _, row := range rows {
		writePanel(&b, row, r.Contenders, y)
		y += panelH + panelGap
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func writePanel(b *bytes.Buffer, row Row, cs []ContenderInfo, y int) {
	scale := "linear"
	if row.LogScale {
		scale = "log"
	}
	unit := row.Unit
	fmt.Fprintf(b, `<g class="row" data-row="%s" data-scale="%s" transform="translate(0,%d)">`+"\n", esc(row.ID), scale, y)
	title := row.Title
	if unit != "" {
		title += " (" + unit + ")"
	}
	if row.LogScale {
		title += " — log scale"
	}
	fmt.Fprintf(b, `<text x="10" y="16" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(b, `<text x="10" y="29" fill="#555" font-size="10">claim: %s</text>`+"\n", esc(row.Claim))
	lo, hi := bounds(row)
	x := func(v float64) float64 {
		if hi <= 0 || v <= 0 {
			return 0
		}
		if row.LogScale {
			return barAreaW * (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
		}
		return barAreaW * v / hi
	}
	for i, c := range row.Cells {
		by := panelHeader + i*(barHeight+barGap)
		name := c.Contender
		if i < len(cs) && cs[i].Accel != "" {
			name += " (" + cs[i].Accel + ")"
		}
		fmt.Fprintf(b, `<text x="10" y="%d">%s</text>`+"\n", by+12, esc(name))
		if c.Stat == nil {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#888">not measured</text>`+"\n", labelWidth, by+12)
			continue
		}
		col := barColors[c.Contender]
		if col == "" {
			col = "#444"
		}
		wd := math.Max(1, x(c.Stat.Median))
		fmt.Fprintf(b, `<rect class="bar" data-contender="%s" x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n",
			esc(c.Contender), labelWidth, by, wd, barHeight, col)
		if c.Stat.N > 1 && c.Stat.Max > c.Stat.Min {
			x0, x1 := float64(labelWidth)+x(c.Stat.Min), float64(labelWidth)+x(c.Stat.Max)
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="black"/>`+"\n", x0, x1, by+barHeight/2, by+barHeight/2)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(labelWidth)+wd+6, by+12, esc(c.Text))
	}
	b.WriteString("</g>\n")
}

// bounds returns the smallest and largest figure of a row (mins and
// maxes included), widened a little so no bar is empty on a log scale.
func bounds(row Row) (float64, float64) {
	lo, hi := math.Inf(1), 0.0
	for _, c := range row.Cells {
		if c.Stat == nil {
			continue
		}
		for _, v := range []float64{c.Stat.Min, c.Stat.Median, c.Stat.Max} {
			if v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == 0 {
		return 1, 1
	}
	return lo / 2, hi * 1.05
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
