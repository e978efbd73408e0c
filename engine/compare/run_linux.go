package compare

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/config"
)

// Options are `vitro compare`'s flags.
type Options struct {
	Config *config.Config
	// Runs is how many instances of each contender run the script.
	// Default 5, or 2 with Quick.
	Runs int
	// Quick: smaller workloads, fewer runs and density instances.
	Quick bool
	// Budget is the memory the density row may fill, in bytes. Default 2 GiB.
	Budget int64
	// MaxInstances caps the density row's containers. Default 20, or 5
	// with Quick; VMs are capped at 4, or 2 with Quick.
	MaxInstances int
	// With adds runtimes: runc, crun, docker.
	With []string
	// NoVM leaves the VM out.
	NoVM bool
	// VMHelper is the vitro-vm binary. Default: helperbin.Find.
	VMHelper string
	// VMTimeout bounds each VM boot; a boot that hangs is killed and
	// tried once more. Default 3 minutes.
	VMTimeout time.Duration
	// Progress, if not nil, is told what is being measured.
	Progress func(what string, n, of int)
}

// Extras are the runtimes --with accepts.
var Extras = []string{"runc", "crun", "docker"}

func (o *Options) defaults() error {
	if o.Runs == 0 {
		o.Runs = 5
		if o.Quick {
			o.Runs = 2
		}
	}
	if o.Runs < 1 || o.Runs > 100 {
		return fmt.Errorf("--runs %d: give 1 to 100 (the median needs a few; 5 is the default)", o.Runs)
	}
	if o.Budget == 0 {
		o.Budget = 2 << 30
	}
	if o.Budget < 16*mib {
		return fmt.Errorf("--budget %d bytes: give at least 16m", o.Budget)
	}
	avail, err := memAvailable()
	if err != nil {
		return err
	}
	if o.Budget > avail {
		return fmt.Errorf("--budget %d MiB is more than the memory free now, %d MiB (MemAvailable in /proc/meminfo): give --budget %dm or less",
			o.Budget/mib, avail/mib, avail/mib)
	}
	if o.MaxInstances == 0 {
		o.MaxInstances = 20
		if o.Quick {
			o.MaxInstances = 5
		}
	}
	if o.MaxInstances < 1 {
		return fmt.Errorf("--max-instances %d: give at least 1", o.MaxInstances)
	}
	for _, w := range o.With {
		ok := false
		for _, x := range Extras {
			ok = ok || w == x
		}
		if !ok {
			return fmt.Errorf("--with %q: vitro compare knows %s", w, strings.Join(Extras, ", "))
		}
	}
	if o.VMTimeout == 0 {
		o.VMTimeout = 3 * time.Minute
	}
	return nil
}

// Run measures every contender and returns the report. Ctrl-C (ctx)
// stops every instance and removes what was made; the error is then
// ctx's.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	began := time.Now()
	sizes := FullSizes
	if o.Quick {
		sizes = QuickSizes
	}
	r := &Report{Taken: began.UTC(), Runs: o.Runs, Quick: o.Quick, BudgetMiB: o.Budget / mib, Sizes: sizes, Host: hostInfo()}
	tmp := filepath.Join(o.Config.DataRoot, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(tmp, "compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	busybox := image.DefaultBusybox
	cs, err := contenders(ctx, o, busybox, tmp)
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()
	if err != nil {
		return nil, err
	}
	ms := make([]*Measured, len(cs))
	for i, c := range cs {
		ms[i] = &Measured{Info: c.info()}
	}
	progress := func(i int) func(string, int, int) {
		return func(what string, n, of int) {
			if o.Progress != nil {
				o.Progress(fmt.Sprintf("[%d/%d] %s: %s", i+1, len(cs), ms[i].Info.Name, what), n, of)
			}
		}
	}
	// The runs go round the contenders, so that a burst of load on the
	// machine falls on all of them alike, not on one column.
	for run := 0; run < o.Runs; run++ {
		for i, c := range cs {
			if ms[i].Info.Available && ms[i].Err == "" {
				measureRun(ctx, c, ms[i], sizes, run, o.Runs, progress(i))
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}
	for i, c := range cs {
		m := ms[i]
		if !m.Info.Available {
			continue
		}
		if m.Err == "" {
			m.Disk = c.disk()
			m.Density = density(ctx, c, m, o, progress(i))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	r.Build(ms)
	r.Elapsed = Duration(time.Since(began))
	return r, nil
}

// contenders makes the columns, in order: host, vitro, vm, then --with.
func contenders(ctx context.Context, o Options, busybox, tmp string) ([]contender, error) {
	var cs []contender
	h, err := newHost(busybox, tmp)
	if err != nil {
		return cs, err
	}
	cs = append(cs, h)
	v, err := newVitro(ctx, engine.New(o.Config), busybox)
	if err != nil {
		return cs, err
	}
	cs = append(cs, v)
	if !o.NoVM {
		cs = append(cs, newVM(ctx, o.VMHelper, busybox, tmp, o.VMTimeout))
	}
	for _, w := range o.With {
		switch w {
		case "runc", "crun":
			cs = append(cs, newOCI(w, v.img, tmp))
		case "docker":
			cs = append(cs, newDocker(ctx))
		}
	}
	return cs, nil
}

// measureRun runs the script once more in c.
func measureRun(ctx context.Context, c contender, m *Measured, sizes Sizes, run, runs int, p func(string, int, int)) {
	script := c.script(sizes)
	p("start, memory and workloads", run+1, runs)
	s, mem, err := runOnce(ctx, c, script)
	if err != nil && m.Info.Kind == "vm" && isTimeout(err) && ctx.Err() == nil {
		p("the boot hung and was killed; once more", run+1, runs)
		s, mem, err = runOnce(ctx, c, script)
	}
	if err != nil {
		m.Err = err.Error()
		return
	}
	m.Samples = append(m.Samples, s)
	if mem.Main > 0 {
		m.Memory = append(m.Memory, mem)
	}
}

type timeoutError struct{ error }

func isTimeout(err error) bool {
	_, ok := err.(timeoutError)
	return ok
}

// runOnce runs the script in one instance and reads its memory at
// "VC idle".
func runOnce(ctx context.Context, c contender, script string) (Sample, MemSample, error) {
	inst, err := c.start(ctx, script, false)
	if err != nil {
		return Sample{}, MemSample{}, err
	}
	defer inst.stop()
	var lines []Line
	var mem MemSample
	var memErr error
	for l := range inst.lines {
		lines = append(lines, l)
		if strings.Contains(l.Text, marker+"idle") {
			time.Sleep(200 * time.Millisecond) // the script sleeps 0.5 s
			mem, memErr = inst.memory()
		}
	}
	err = inst.wait()
	s := ParseSample(lines)
	if err != nil {
		if inst.timedOut {
			return s, mem, timeoutError{err}
		}
		return s, mem, err
	}
	if miss := s.Complete(); miss != "" {
		return s, mem, fmt.Errorf("the script's output lacks %s (other output: %s)", miss, tail(s.Other, 5))
	}
	if memErr != nil {
		return s, mem, fmt.Errorf("reading memory: %w", memErr)
	}
	return s, mem, nil
}

func tail(l []string, n int) string {
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, " | ")
}

// density starts idle instances together: as many as the budget holds at
// the memory row's median, at most the cap.
func density(ctx context.Context, c contender, m *Measured, o Options, p func(string, int, int)) *Density {
	per := Summarize(func() []float64 {
		var v []float64
		for _, s := range m.Memory {
			v = append(v, float64(s.Main+s.Monitor))
		}
		return v
	}())
	if per.N == 0 || per.Median <= 0 {
		return nil
	}
	capN := o.MaxInstances
	if m.Info.Kind == "vm" {
		capN = min(capN, 4)
		if o.Quick {
			capN = min(capN, 2)
		}
	}
	fit := int(float64(o.Budget) / per.Median)
	d := &Density{Tried: min(fit, capN), Projected: fit}
	d.Limit = fmt.Sprintf("the budget at %s MiB each", num(per.Median/mib))
	if capN < fit {
		d.Limit = fmt.Sprintf("capped at %d", capN)
	}
	if d.Tried < 1 {
		d.Limit = "one instance is larger than the budget"
		return d
	}
	t0 := time.Now()
	var insts []*instance
	defer func() {
		for _, in := range insts {
			in.stop()
		}
	}()
	ready := make(chan bool, d.Tried)
	for i := 0; i < d.Tried && ctx.Err() == nil; i++ {
		p("density: starting idle instances", i+1, d.Tried)
		in, err := c.start(ctx, IdleScript(true), true)
		if err != nil {
			d.Limit = "instance " + fmt.Sprint(i+1) + " failed: " + err.Error()
			break
		}
		insts = append(insts, in)
		go func() {
			ok := false
			for l := range in.lines {
				if strings.Contains(l.Text, marker+"ready") {
					ok = true
					break
				}
			}
			ready <- ok
			for range in.lines {
			}
		}()
	}
	deadline := time.After(o.VMTimeout)
	for i := range insts {
		select {
		case ok := <-ready:
			if ok {
				d.Up++
				p("density: instances up", d.Up, len(insts))
			}
		case <-deadline:
			d.Limit = fmt.Sprintf("%d did not come up within %s", len(insts)-i, o.VMTimeout)
		case <-ctx.Done():
		}
	}
	d.Took = time.Since(t0)
	time.Sleep(200 * time.Millisecond)
	for _, in := range insts {
		if s, err := in.memory(); err == nil {
			d.UsedBytes += s.Main + s.Monitor
		}
	}
	return d
}

func hostInfo() HostInfo {
	var u unix.Utsname
	unix.Uname(&u)
	h := HostInfo{Kernel: unix.ByteSliceToString(u.Release[:]), CPUs: runtime.NumCPU()}
	if n, err := meminfo("MemTotal:"); err == nil {
		h.MemTotalMiB = n / mib
	}
	if b, err := os.ReadFile("/sys/class/dmi/id/product_name"); err == nil {
		h.Virtualized = strings.TrimSpace(string(b))
	} else if b, err := os.ReadFile("/proc/cpuinfo"); err == nil && strings.Contains(string(b), " hypervisor") {
		h.Virtualized = "a virtual machine (cpuinfo: hypervisor)"
	}
	return h
}
