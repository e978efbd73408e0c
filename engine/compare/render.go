package compare

import (
	"fmt"
	"strings"
)

// Text is the report laid out for a terminal: lines before the table,
// the table (one row per dimension, one column per contender, then the
// notes' claim), and lines after it. The cmd package draws the table.
type Text struct {
	Preamble []string
	Header   []string
	Rows     [][]string
	Footer   []string
}

// Text lays the report out; explain adds how each row was measured and
// every cell's detail.
func (r *Report) Text(explain bool) Text {
	var t Text
	t.Preamble = append(t.Preamble, fmt.Sprintf("host: kernel %s, %d CPUs, %d MiB%s; %d runs each%s; budget %d MiB",
		r.Host.Kernel, r.Host.CPUs, r.Host.MemTotalMiB, virt(r.Host.Virtualized), r.Runs, quick(r.Quick), r.BudgetMiB))
	t.Header = []string{"dimension"}
	for _, c := range r.Contenders {
		h := c.Name
		if c.Accel != "" {
			h += " (" + c.Accel + ")"
		}
		t.Header = append(t.Header, h)
		if c.Note != "" {
			t.Preamble = append(t.Preamble, c.Name+": "+c.Note)
		}
	}
	t.Header = append(t.Header, "claim (course notes)")
	for _, row := range r.Rows {
		title := row.Title
		if row.Unit != "" && row.Unit != "×" {
			title += " (" + row.Unit + ")"
		}
		cells := []string{title}
		for _, c := range row.Cells {
			cells = append(cells, c.Text)
		}
		t.Rows = append(t.Rows, append(cells, row.Claim))
	}
	t.Footer = append(t.Footer, "What this means:")
	for _, row := range r.Rows {
		t.Footer = append(t.Footer, fmt.Sprintf("  %-10s %s", row.ID, row.Meaning))
	}
	for _, c := range r.Contenders {
		if c.Accel == "tcg" {
			t.Footer = append(t.Footer, "", TCGNote)
		}
	}
	t.Footer = append(t.Footer, r.Notes...)
	if !explain {
		t.Footer = append(t.Footer, "", "vitro compare --explain says how each row was measured.")
		return t
	}
	t.Footer = append(t.Footer, "", "How each row was measured:")
	for _, row := range r.Rows {
		t.Footer = append(t.Footer, "", row.Title+": "+row.Method)
		for _, c := range row.Cells {
			switch {
			case c.Missing != "":
				t.Footer = append(t.Footer, fmt.Sprintf("  %-7s %s", c.Contender, c.Missing))
			case c.Detail != "":
				t.Footer = append(t.Footer, fmt.Sprintf("  %-7s %s", c.Contender, c.Detail))
			}
		}
	}
	return t
}

func virt(v string) string {
	if v == "" {
		return ""
	}
	return ", itself " + v
}

func quick(q bool) string {
	if q {
		return " (--quick: smaller workloads)"
	}
	return ""
}

// String renders t with plain padding (tests and the lesson; the CLI
// uses its own table writer).
func (t Text) String() string {
	var b strings.Builder
	for _, l := range t.Preamble {
		b.WriteString(l + "\n")
	}
	width := make([]int, len(t.Header))
	for _, r := range append([][]string{t.Header}, t.Rows...) {
		for i, c := range r {
			if i < len(width) && len([]rune(c)) > width[i] {
				width[i] = len([]rune(c))
			}
		}
	}
	for ri, r := range append([][]string{t.Header}, t.Rows...) {
		var cells []string
		for i, c := range r {
			if ri == 0 {
				c = strings.ToUpper(c)
			}
			cells = append(cells, c+strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteString(strings.TrimRight(strings.Join(cells, "   "), " ") + "\n")
	}
	for _, l := range t.Footer {
		b.WriteString(l + "\n")
	}
	return b.String()
}
