package lessons

import (
	"io"

	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
)

// Measured is a demo package's result as a lesson step: the result itself
// (for JSON, and for its tables, the same as the CLI prints), the shell
// commands that do the same, and the facts the step promises.
type Measured struct {
	Demo   string `json:"demo"`
	Result tabler `json:"result"`
	shell  []string
	facts  []Evidence
}

// tabler is a demo package's result: it lays itself out as tables.
type tabler interface{ Tables() []table.Table }

// measure wraps a demo package's result as a lesson step's.
func measure(demo string, r tabler) *Measured { return &Measured{Demo: demo, Result: r} }

// WriteText prints the result's tables, as the CLI does, and the shell
// equivalent.
func (m *Measured) WriteText(w io.Writer) error {
	ts := m.Result.Tables()
	if len(m.shell) > 0 {
		ts = append(ts, table.Commands("shell equivalent:", m.shell))
	}
	return tabletext.Write(w, ts...)
}

// Evidence returns the promised facts.
func (m *Measured) Evidence() []Evidence { return m.facts }

func (m *Measured) fact(ok bool, claim, format string, args ...any) {
	m.facts = append(m.facts, evidence(ok, claim, format, args...))
}
