package compare

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want Stat
	}{
		{[]float64{3, 1, 2}, Stat{N: 3, Median: 2, Min: 1, Max: 3}},
		{[]float64{4, 1, 2, 3}, Stat{N: 4, Median: 2.5, Min: 1, Max: 4}},
		{[]float64{5}, Stat{N: 1, Median: 5, Min: 5, Max: 5}},
		{[]float64{math.NaN(), 7, math.Inf(1)}, Stat{N: 1, Median: 7, Min: 7, Max: 7}},
		{nil, Stat{}},
	} {
		if got := Summarize(tc.in); got != tc.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	r := Summarize([]float64{20, 40}).Ratio(Stat{N: 1, Median: 10})
	if r.Median != 3 || r.Min != 2 || r.Max != 4 {
		t.Errorf("Ratio = %+v, want median 3 from 2 to 4", r)
	}
	if got := Summarize([]float64{1}).Ratio(Stat{}); got.N != 0 {
		t.Errorf("a ratio to nothing is %+v, want no figure", got)
	}
}

func lines(at ...any) []Line {
	var out []Line
	for i := 0; i+1 < len(at); i += 2 {
		out = append(out, Line{At: at[i].(time.Duration), Text: at[i+1].(string)})
	}
	return out
}

func TestParseSample(t *testing.T) {
	ms := time.Millisecond
	s := ParseSample(lines(
		ms, "SeaBIOS",
		5*ms, "Booting from ROM..VC ready",
		6*ms, "VC kernel 6.1.0-57-amd64",
		7*ms, "VC pids 3",
		8*ms, "VC idle",
		10*ms, "VC begin cpu", 30*ms, "VC end cpu",
		31*ms, "VC begin syscall", 41*ms, "VC end syscall",
		42*ms, "VC begin io", 52*ms, "VC end io",
		53*ms, "VC done"))
	if s.Ready != 5*ms || s.Spans[WorkCPU] != 20*ms || s.Spans[WorkSyscall] != 10*ms || s.Info["kernel"] != "6.1.0-57-amd64" || !s.Done {
		t.Errorf("ParseSample = %+v", s)
	}
	if miss := s.Complete(); miss != "" {
		t.Errorf("a full sample lacks %q", miss)
	}
	if miss := ParseSample(lines(ms, "VC ready", 2*ms, "VC error io dd 1")).Complete(); !strings.Contains(miss, "cpu") || !strings.Contains(miss, "io dd 1") || !strings.Contains(miss, "last line") {
		t.Errorf("Complete of a broken run = %q, want the missing workloads, the error and the last line", miss)
	}
}

func TestScriptIsOneProgramForAll(t *testing.T) {
	s := Script(QuickSizes, "/tmp", "")
	for _, want := range []string{"echo VC ready", "dd if=/dev/zero of=/dev/null bs=1 count=30000", "conv=fsync", "VC end io", "echo VC done"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "VC ready") > strings.Index(s, "uname") {
		t.Error("the first line must come before any other work")
	}
}

// fakeReport is a report as three contenders would give it, the VM
// absent.
func fakeReport(vm bool) *Report {
	ms := time.Millisecond
	sample := func(f time.Duration) Sample {
		return ParseSample(lines(f*5, "VC ready", f*6, "VC kernel 6.18", f*7, "VC pids 3", 8*ms, "VC iofs ef53", 9*ms, "VC idle",
			10*ms, "VC begin cpu", 10*ms+f*20, "VC end cpu", 40*ms, "VC begin syscall", 40*ms+f*10, "VC end syscall",
			60*ms, "VC begin io", 100*ms, "VC end io", 101*ms, "VC done"))
	}
	m := func(name, kind string, f time.Duration, mem int64) *Measured {
		return &Measured{Info: ContenderInfo{Name: name, Kind: kind, Available: true},
			Samples: []Sample{sample(f), sample(f + ms)},
			Memory:  []MemSample{{Main: mem, PSS: mem / 2}, {Main: mem + 1, PSS: mem / 2}},
			Disk:    Disk{Bytes: 2 * mib, What: "busybox"},
			Density: &Density{Tried: 5, Up: 5, Took: time.Second, UsedBytes: 5 * mem, Limit: "capped at 5", Projected: 100}}
	}
	all := []*Measured{m("host", "process", ms, mib), m("vitro", "container", 2*ms, mib)}
	if vm {
		v := m("vm", "vm", 300*ms, 200*mib)
		v.Info.Accel = "tcg"
		all = append(all, v)
	} else {
		all = append(all, &Measured{Info: ContenderInfo{Name: "vm", Kind: "vm", Note: "qemu-system-x86_64 not found: apt-get install qemu-system-x86"}})
	}
	r := &Report{Runs: 2, BudgetMiB: 2048, Sizes: QuickSizes, Host: HostInfo{Kernel: "6.18", CPUs: 2}}
	r.Build(all)
	return r
}

func TestTableHasEveryRowAndContender(t *testing.T) {
	r := fakeReport(true)
	ts := r.Explained()
	txt := ts[0]
	if len(txt.Rows) != len(rowDefs) {
		t.Fatalf("%d rows, want %d", len(txt.Rows), len(rowDefs))
	}
	if strings.Join(txt.Header, ",") != "dimension,host,vitro,vm (tcg),claim (course notes)" {
		t.Errorf("header %q", txt.Header)
	}
	for _, row := range txt.Rows {
		if len(row) != 5 {
			t.Errorf("row %q has %d cells, want 5", row, len(row))
		}
		for _, c := range row[1:4] {
			if c == "—" || c == "" {
				t.Errorf("row %q has an empty cell", row)
			}
		}
	}
	start := txt.Rows[0]
	if start[1] != "7.50 ms (5–10)" {
		t.Errorf("host start %q, want 5 ms with its range", start[1])
	}
	if cpu := r.Rows[3]; cpu.Cells[0].Text != "1.00× (0.67–1.33)" {
		t.Errorf("host CPU cell %q, want 1.00× with its range", cpu.Cells[0].Text)
	}
	var b strings.Builder
	if err := tabletext.Write(&b, ts...); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"What this means:", "How each row was measured:", "TCG:", "container: seconds; VM: minutes"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if !r.Rows[0].LogScale {
		t.Error("start times of 5 ms and 1.5 s should be drawn on a log scale")
	}
}

func TestMissingVMSaysWhatToInstall(t *testing.T) {
	r := fakeReport(false)
	if miss := table.Missing(r.Tables(), "apt-get install qemu-system-x86"); len(miss) > 0 {
		t.Errorf("the tables do not say what to install: %q", table.Strings(r.Tables()))
	}
	for _, row := range r.Rows {
		if c := row.Cells[2]; c.Stat != nil || c.Missing == "" {
			t.Errorf("row %s: the absent VM has %+v", row.ID, c)
		}
	}
	var back Report
	b, _ := json.Marshal(r)
	if err := json.Unmarshal(b, &back); err != nil || len(back.Rows) != len(rowDefs) {
		t.Errorf("the JSON does not read back: %v", err)
	}
}

func TestChartIsSVGWithOneGroupPerRow(t *testing.T) {
	r := fakeReport(true)
	var b bytes.Buffer
	if err := r.WriteChart(&b); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&b)
	groups, bars, root := 0, 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
		}
		for _, a := range se.Attr {
			if a.Name.Local == "class" && a.Value == "row" {
				groups++
			}
			if a.Name.Local == "class" && a.Value == "bar" {
				bars++
			}
		}
	}
	want := 0
	for _, row := range r.Rows {
		if row.Chart {
			want++
		}
	}
	if root != "svg" || groups != want || want < 7 {
		t.Errorf("root <%s>, %d row groups; want <svg> and %d", root, groups, want)
	}
	if bars != want*3 {
		t.Errorf("%d bars, want %d (one per contender per row)", bars, want*3)
	}
}
