package lessons

import (
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
)

type fakeResult struct{ Figure string }

func (r fakeResult) Tables() []table.Table {
	return []table.Table{{Title: "Measured:", Header: []string{"what", "value"}, Rows: [][]string{{"figure", r.Figure}}}}
}

// TestMeasuredPrintsTheResultsTables checks that a live step prints its
// result's own tables, as the CLI does, then the lesson's shell lines.
func TestMeasuredPrintsTheResultsTables(t *testing.T) {
	m := measure("x.demo", fakeResult{Figure: "4026531838"})
	m.shell = []string{"unshare --uts sh"}
	var got, cli strings.Builder
	if err := m.WriteText(&got); err != nil {
		t.Fatal(err)
	}
	if err := tabletext.Write(&cli, m.Result.Tables()...); err != nil {
		t.Fatal(err)
	}
	want := cli.String() + "\nshell equivalent:\n  $ unshare --uts sh\n"
	if got.String() != want {
		t.Errorf("live step printed:\n%s\nwant the CLI's tables, then the shell:\n%s", got.String(), want)
	}
	if !strings.Contains(got.String(), "4026531838") {
		t.Errorf("the result's figure is missing:\n%s", got.String())
	}
}
