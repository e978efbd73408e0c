package table

import (
	"fmt"
	"strings"
)

// Table is one part of a result as people read it: a title above, a
// header and rows, notes below. Every part is optional: a Table with only
// a Title is a paragraph, one with only Notes a list of lines. Cells may
// hold several lines.
type Table struct {
	Title  string     // above the table; may hold several lines
	Header []string   // column names; none for a list of rows alone
	Rows   [][]string // the cells, row by row
	Notes  []string   // lines below the table, printed as they are
}

// Append adds a row.
func (t *Table) Append(cells ...string) { t.Rows = append(t.Rows, cells) }

// Text is a paragraph: a Table with only a title. Arguments are formatted
// as by fmt.Sprintf.
func Text(format string, args ...any) Table {
	return Table{Title: fmt.Sprintf(format, args...)}
}

// Commands is a titled list of shell commands, each shown as "  $ cmd".
func Commands(title string, cmds []string) Table {
	t := Table{Title: title}
	for _, c := range cmds {
		t.Notes = append(t.Notes, "  $ "+c)
	}
	return t
}

// KV is a two-column table of name and value pairs under header.
func KV(header [2]string, pairs ...[2]string) Table {
	t := Table{Header: header[:]}
	for _, p := range pairs {
		t.Append(p[0], p[1])
	}
	return t
}

// Strings returns every piece of text in ts, titles, header, cells and
// notes, in order: what a test looks through for a result's figures.
func Strings(ts []Table) []string {
	var out []string
	for _, t := range ts {
		if t.Title != "" {
			out = append(out, t.Title)
		}
		out = append(out, t.Header...)
		for _, r := range t.Rows {
			out = append(out, r...)
		}
		out = append(out, t.Notes...)
	}
	return out
}

// Missing returns those of wants that no piece of text in ts contains: a
// test's check that a result's figures are on show.
func Missing(ts []Table, wants ...string) []string {
	all := strings.Join(Strings(ts), "\x00")
	var miss []string
	for _, w := range wants {
		if !strings.Contains(all, w) {
			miss = append(miss, w)
		}
	}
	return miss
}

// YesNo is "yes" or "no".
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// OrDash is s, or "-" when s is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
