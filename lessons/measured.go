package lessons

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	tbl "github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
)

// Measured is a demo package's result as a lesson step: the result itself
// (for JSON, and for its tables, the same as the CLI prints), the shell
// commands that do the same, and the facts the step promises.
type Measured struct {
	Demo   string `json:"demo"`
	Result any    `json:"result"`
	tables []table
	shell  []string
	facts  []Evidence
}

type table struct {
	title  string
	header []string
	rows   [][]string
}

// table adds a table; header may be nil for a two-column key/value list.
func (m *Measured) table(title string, header []string, rows ...[]string) {
	m.tables = append(m.tables, table{title: title, header: header, rows: rows})
}

// kv adds a key/value table.
func (m *Measured) kv(title string, pairs ...string) {
	var rows [][]string
	for i := 0; i+1 < len(pairs); i += 2 {
		rows = append(rows, []string{pairs[i], pairs[i+1]})
	}
	m.table(title, nil, rows...)
}

// tabler is a demo package's result: it lays itself out as tables.
type tabler interface{ Tables() []tbl.Table }

// measure wraps a demo package's result as a lesson step's.
func measure(demo string, r tabler) *Measured { return &Measured{Demo: demo, Result: r} }

// WriteText prints the result's tables, as the CLI does, and the shell
// equivalent.
func (m *Measured) WriteText(w io.Writer) error {
	if t, ok := m.Result.(tabler); ok {
		if err := tabletext.Write(w, t.Tables()...); err != nil {
			return err
		}
	}
	for i, t := range m.tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if t.title != "" {
			fmt.Fprintln(w, t.title)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
		if t.header != nil {
			fmt.Fprintln(tw, strings.ToUpper(strings.Join(t.header, "\t")))
		}
		for _, r := range t.rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(m.shell) > 0 {
		fmt.Fprintln(w, "\nshell equivalent:")
		for _, l := range m.shell {
			fmt.Fprintln(w, "  $ "+l)
		}
	}
	return nil
}

// Evidence returns the promised facts.
func (m *Measured) Evidence() []Evidence { return m.facts }

func (m *Measured) fact(ok bool, claim, format string, args ...any) {
	m.facts = append(m.facts, evidence(ok, claim, format, args...))
}
