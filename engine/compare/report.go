package compare

import (
	"fmt"
	"strings"
	"time"
)

// Report is what `vitro compare` measured: one row per dimension, one
// cell per contender, in the contenders' order. --format json prints it.
type Report struct {
	Taken      time.Time       `json:"taken"`
	Host       HostInfo        `json:"host"`
	Runs       int             `json:"runs"`
	Quick      bool            `json:"quick"`
	BudgetMiB  int64           `json:"budget_mib"`
	Sizes      Sizes           `json:"sizes"`
	Contenders []ContenderInfo `json:"contenders"`
	Rows       []Row           `json:"rows"`
	Notes      []string        `json:"notes,omitempty"`
	Elapsed    Duration        `json:"elapsed"`
	measured   []*Measured
}

// HostInfo is the machine the figures come from.
type HostInfo struct {
	Kernel      string `json:"kernel"`
	CPUs        int    `json:"cpus"`
	MemTotalMiB int64  `json:"mem_total_mib"`
	Virtualized string `json:"virtualized,omitempty"` // what the host itself runs on, when it says
}

// ContenderInfo is one column.
type ContenderInfo struct {
	Name      string `json:"name"` // host, vitro, vm, runc, crun, docker
	Kind      string `json:"kind"` // process, container, vm
	What      string `json:"what"` // how it runs the script
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`  // why not, or what to keep in mind
	Accel     string `json:"accel,omitempty"` // the VM's: kvm or tcg
}

// Row is one dimension.
type Row struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Unit    string `json:"unit"`
	Claim   string `json:"claim"`   // what the notes' table says
	Meaning string `json:"meaning"` // one line: what the figures say
	Method  string `json:"method"`  // how it was measured (--explain)
	Cells   []Cell `json:"cells"`
	// Chart: whether the row's figures are numbers worth a bar each.
	Chart bool `json:"-"`
	// LogScale: the figures span more than a factor of 20.
	LogScale bool `json:"log_scale,omitempty"`
}

// Cell is one contender's figure in a row.
type Cell struct {
	Contender string `json:"contender"`
	Stat      *Stat  `json:"stat,omitempty"`    // in the row's unit
	Text      string `json:"text"`              // as the table shows it
	Detail    string `json:"detail,omitempty"`  // absolute figures, what was read
	Missing   string `json:"missing,omitempty"` // why there is no figure
}

// Duration marshals as seconds.
type Duration time.Duration

// MarshalJSON writes d in seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", time.Duration(d).Seconds())), nil
}

// UnmarshalJSON reads seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s float64
	if _, err := fmt.Sscan(string(b), &s); err != nil {
		return err
	}
	*d = Duration(s * float64(time.Second))
	return nil
}

// Measured is everything taken from one contender.
type Measured struct {
	Info    ContenderInfo
	Samples []Sample    // one per run of Script
	Memory  []MemSample // one per run, read at "VC idle"
	Disk    Disk
	Density *Density
	Err     string // the contender failed part-way: why
}

// MemSample is one instance's memory, in bytes.
type MemSample struct {
	// Main: the container's cgroup memory, or the process's (qemu's) RSS.
	Main int64 `json:"main"`
	// PSS: proportional set size of its processes (shared pages divided
	// among their users); 0 where the kernel does not say.
	PSS int64 `json:"pss"`
	// Monitor: RSS of the process that watches it (runc, a shim), added
	// to Main; 0 when there is none.
	Monitor int64  `json:"monitor"`
	What    string `json:"what"`
}

// Disk is what an instance needs on disk before it starts.
type Disk struct {
	Bytes int64  `json:"bytes"`
	What  string `json:"what"`
}

// Density is how many idle instances came up together.
type Density struct {
	Tried     int           `json:"tried"`
	Up        int           `json:"up"`
	Took      time.Duration `json:"took_ns"`
	UsedBytes int64         `json:"used_bytes"`
	Limit     string        `json:"limit"`     // what stopped it: the budget, the cap, a failure
	Projected int           `json:"projected"` // budget / memory per instance
}

const mib = 1 << 20

// rowDef is a row's fixed text: its claim from the notes' table (section
// 2.8–2.9 of the course notes this tool follows) and its method.
type rowDef struct {
	id, title, unit, claim string
	chart                  bool
}

var rowDefs = []rowDef{
	{"start", "start to first line", "ms", "container: seconds; VM: minutes", true},
	{"memory", "memory per instance", "MiB", "container: the program's own; VM: a whole operating system", true},
	{"disk", "disk footprint", "MiB", "container: MB; VM: GB", true},
	{"cpu", "CPU-bound loop", "× host", "container: near native; VM: about 50% loss", true},
	{"syscall", "syscall-heavy loop", "× host", "container: near native; VM: about 50% loss", true},
	{"io", "file write + fsync", "MB/s", "container: near native; VM: about 50% loss", true},
	{"density", "instances within budget", "instances", "container: hundreds; VM: about ten", true},
	{"kernel", "kernel", "", "container: shares the host's kernel; VM: its own", false},
	{"isolation", "PIDs it can see", "PIDs", "container: process level; VM: system level (more thorough)", true},
}

// RowIDs lists the rows in order.
func RowIDs() []string {
	ids := make([]string, len(rowDefs))
	for i, d := range rowDefs {
		ids[i] = d.id
	}
	return ids
}

// Build turns the measurements into the report's rows.
func (r *Report) Build(ms []*Measured) {
	r.measured = ms
	r.Contenders = nil
	for _, m := range ms {
		r.Contenders = append(r.Contenders, m.Info)
	}
	host := find(ms, "host")
	r.Rows = nil
	for _, d := range rowDefs {
		row := Row{ID: d.id, Title: d.title, Unit: d.unit, Claim: d.claim, Method: Method(d.id), Chart: d.chart}
		for _, m := range ms {
			row.Cells = append(row.Cells, r.cell(d.id, m, host))
		}
		row.LogScale = wide(row.Cells)
		row.Meaning = meaning(row, r)
		r.Rows = append(r.Rows, row)
	}
}

func find(ms []*Measured, name string) *Measured {
	for _, m := range ms {
		if m.Info.Name == name {
			return m
		}
	}
	return nil
}

// median returns the contender's median in row, or 0.
func (row Row) median(name string) float64 {
	for _, c := range row.Cells {
		if c.Contender == name && c.Stat != nil {
			return c.Stat.Median
		}
	}
	return 0
}

func (row Row) text(name string) string {
	for _, c := range row.Cells {
		if c.Contender == name {
			return c.Text
		}
	}
	return ""
}

// meaning is the row's one line, with the figures of this machine; the
// VM's half is left out when the VM was not measured.
func meaning(row Row, r *Report) string {
	ct, vm, host := row.median("vitro"), row.median("vm"), row.median("host")
	vmName := "the VM"
	for _, c := range r.Contenders {
		if c.Name == "vm" && c.Accel != "" {
			vmName = "the VM (" + strings.ToUpper(c.Accel) + ")"
		}
	}
	ratio := num(vm/ct) + "× the container's"
	var base, withVM string
	switch row.ID {
	case "start":
		base = "a container is a process with new namespaces"
		withVM = fmt.Sprintf("%s boots firmware, a kernel and an init first: %s time", vmName, ratio)
	case "memory":
		base = "the container is charged only its own pages"
		withVM = fmt.Sprintf("%s holds a guest kernel, its page cache and qemu itself: %s", vmName, ratio)
	case "disk":
		base = "the image holds only the program's files"
		withVM = fmt.Sprintf("the VM also needs a kernel and its modules: %s", ratio)
	case "cpu":
		base = fmt.Sprintf("user-space arithmetic needs no kernel: the container runs at the host's speed (%.2f×)", ct)
		if ct > 1.25 || ct < 0.8 {
			base = fmt.Sprintf("user-space arithmetic needs no kernel, so a container should run at the host's speed; %.2f× here: noise if its range overlaps the host's, a real cost to look into if not", ct)
		}
		withVM = fmt.Sprintf("under KVM a VM would too; under TCG every instruction is translated (%.2f×)", vm)
	case "syscall":
		base = fmt.Sprintf("a container's system calls are the host kernel's own (%.2f×)", ct)
		if ct > 1.25 || ct < 0.8 {
			base = fmt.Sprintf("a container's system calls are the host kernel's own, so they should cost the same; %.2f× here: noise if its range overlaps the host's, a real cost (a seccomp filter checks every call) if not", ct)
		}
		withVM = fmt.Sprintf("the VM's are served by its own kernel without leaving the guest (%.2f×): cheap under KVM, under TCG as cheap as the emulated instructions around them; a kernel with other mitigations can even be faster", vm)
	case "io":
		base = fmt.Sprintf("container writes reach the host's disk through overlayfs (%s MB/s vs the host's %s)", num(ct), num(host))
		withVM = fmt.Sprintf("the VM's pass a virtual disk and the guest's file system (%s MB/s)", num(vm))
	case "density":
		base = fmt.Sprintf("%s vitro containers came up within %d MiB", num(ct), r.BudgetMiB)
		withVM = fmt.Sprintf("%s VMs (where a cap stopped first, --explain gives the budget's projection)", num(vm))
	case "kernel":
		base = fmt.Sprintf("the container reports the host's kernel (%s)", row.text("vitro"))
		withVM = fmt.Sprintf("the VM runs its own (%s)", row.text("vm"))
	case "isolation":
		base = fmt.Sprintf("the host process sees %s PIDs, the container %s: its own only, on the host's kernel", num(host), num(ct))
		withVM = fmt.Sprintf("the VM %s, all of its own kernel", num(vm))
	}
	measured := vm > 0 && ct > 0
	if row.ID == "kernel" {
		measured = row.text("vm") != "—" && row.text("vm") != ""
	}
	if !measured {
		return base + "; the VM was not measured"
	}
	return base + "; " + withVM
}
