package compare

import (
	"fmt"
	"strings"

	"github.com/vitro-dev/vitro/internal/table"
)

// Tables lays the report out for people: the machine and the contenders,
// the table (one row per dimension, one column per contender, then the
// notes' claim), and what each row means. The CLI and the lesson print
// them with the one table renderer, internal/table/tabletext.
func (r *Report) Tables() []table.Table { return r.tables(false) }

// Explained is Tables followed by how each row was measured, with every
// cell's detail: `vitro compare --explain`.
func (r *Report) Explained() []table.Table { return r.tables(true) }

func (r *Report) tables(explain bool) []table.Table {
	pre := []string{fmt.Sprintf("host: kernel %s, %d CPUs, %d MiB%s; %d runs each%s; budget %d MiB",
		r.Host.Kernel, r.Host.CPUs, r.Host.MemTotalMiB, virt(r.Host.Virtualized), r.Runs, quick(r.Quick), r.BudgetMiB)}
	main := table.Table{Header: []string{"dimension"}}
	for _, c := range r.Contenders {
		h := c.Name
		if c.Accel != "" {
			h += " (" + c.Accel + ")"
		}
		main.Header = append(main.Header, h)
		if c.Note != "" {
			pre = append(pre, c.Name+": "+c.Note)
		}
	}
	main.Title = strings.Join(pre, "\n") + "\n"
	main.Header = append(main.Header, "claim (course notes)")
	for _, row := range r.Rows {
		title := row.Title
		if row.Unit != "" && row.Unit != "× host" {
			title += " (" + row.Unit + ")"
		}
		cells := []string{title}
		for _, c := range row.Cells {
			cells = append(cells, c.Text)
		}
		main.Append(append(cells, row.Claim)...)
	}
	means := table.Table{Title: "What this means:"}
	for _, row := range r.Rows {
		means.Append("  "+row.ID, row.Meaning)
	}
	for _, c := range r.Contenders {
		if c.Accel == "tcg" {
			means.Notes = append(means.Notes, "", TCGNote)
		}
	}
	means.Notes = append(means.Notes, r.Notes...)
	out := []table.Table{main, means}
	if !explain {
		return append(out, table.Text("vitro compare --explain says how each row was measured."))
	}
	out = append(out, table.Text("How each row was measured:"))
	for _, row := range r.Rows {
		t := table.Table{Title: row.Title + ": " + row.Method}
		for _, c := range row.Cells {
			switch {
			case c.Missing != "":
				t.Append("  "+c.Contender, c.Missing)
			case c.Detail != "":
				t.Append("  "+c.Contender, c.Detail)
			}
		}
		out = append(out, t)
	}
	return out
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
