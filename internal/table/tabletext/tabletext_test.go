package tabletext

import (
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/table"
)

func TestColumnsAlignedHeaderInCapitals(t *testing.T) {
	tb := table.Table{Header: []string{"name", "value"}}
	tb.Append("a", "1")
	tb.Append("longer", "22")
	var b strings.Builder
	if err := Write(&b, tb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || strings.HasSuffix(lines[1], " ") {
		t.Fatalf("table:\n%q", b.String())
	}
	if strings.Index(lines[1], "1") != strings.Index(lines[0], "VALUE") || strings.Index(lines[2], "22") != strings.Index(lines[0], "VALUE") {
		t.Errorf("columns not aligned:\n%s", b.String())
	}
}

func TestPartsInOrderBlankLineBetweenTables(t *testing.T) {
	ts := []table.Table{
		table.Text("Heading, %d mounts", 3),
		{Title: "Before:", Header: []string{"id", "path"}, Rows: [][]string{{"1", "/"}}},
		table.Commands("The same with a shell:", []string{"mount --bind a b"}),
		{Rows: [][]string{{"k", "v"}}},
	}
	var b strings.Builder
	if err := Write(&b, ts...); err != nil {
		t.Fatal(err)
	}
	want := "Heading, 3 mounts\n\nBefore:\nID   PATH\n1    /\n\nThe same with a shell:\n  $ mount --bind a b\n\nk   v\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestMultiLineCellStaysWhole(t *testing.T) {
	tb := table.Table{Header: []string{"what", "inside"}, Rows: [][]string{{"lines", "one\ntwo"}}}
	var b strings.Builder
	if err := Write(&b, tb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "one") || !strings.Contains(b.String(), "two") {
		t.Errorf("a cell's lines went missing:\n%s", b.String())
	}
}

func TestMissingNamesAbsentFigures(t *testing.T) {
	ts := []table.Table{{Title: "pool 10.0.0.0/29", Rows: [][]string{{"allocate", "10.0.0.2"}}, Notes: []string{"Removed: x"}}}
	if m := table.Missing(ts, "10.0.0.0/29", "10.0.0.2", "Removed: x"); len(m) != 0 {
		t.Errorf("present figures reported missing: %v", m)
	}
	if m := table.Missing(ts, "10.0.0.3", "allocate10"); len(m) != 2 {
		t.Errorf("absent figures not reported: %v", m)
	}
}
