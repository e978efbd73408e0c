package cgroupdemo

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/vitro-dev/vitro/internal/reexec"
	"golang.org/x/sys/unix"
)

const entryCpuset = "cgroupdemo-cpuset"

func init() { reexec.Register(entryCpuset, cpusetChild) }

// CpusetResult shows where the kernel lets the child run.
type CpusetResult struct {
	Common
	Requested     string `json:"requested"`      // --cpus as given
	Available     string `json:"available"`      // the CPUs the parent offers
	Cpus          string `json:"cpus"`           // cpuset.cpus read back
	EffectiveCpus string `json:"effective_cpus"` // after the parent's limits
	// ChildAllowed is Cpus_allowed_list from the child's /proc/self/status.
	ChildAllowed string `json:"child_allowed"`
	// ChildAffinity is what sched_getaffinity(2) returned in the child.
	ChildAffinity string `json:"child_affinity"`
}

type cpusetReport struct{ Allowed, Affinity string }

// AvailableCPUs lists the CPUs a new cgroup may be given: the root
// cgroup's effective cpuset (which is the online CPUs), or, without the
// cpuset controller, the CPUs this process may run on.
func AvailableCPUs(d Driver) ([]int, error) {
	if st, err := d.Stats("."); err == nil && st.Cpuset.EffectiveCpus != "" {
		return ParseCPUList(st.Cpuset.EffectiveCpus)
	}
	if b, err := os.ReadFile("/sys/devices/system/cpu/online"); err == nil {
		return ParseCPUList(string(b))
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	return cpuSetList(&set), nil
}

func cpuSetList(s *unix.CPUSet) []int {
	var out []int
	for i := 0; i < len(s)*64; i++ {
		if s.IsSet(i) {
			out = append(out, i)
		}
	}
	return out
}

// CpusetDemo puts a child in a cgroup with cpuset.cpus = cpus and asks
// the child where it may run.
func CpusetDemo(ctx context.Context, o Options, cpus string) (res *CpusetResult, err error) {
	root := o.Root
	if root == "" {
		root = DefaultRoot
	}
	d, err := Detect(root)
	if err != nil {
		return nil, err
	}
	avail, err := AvailableCPUs(d)
	if err != nil {
		return nil, fmt.Errorf("finding the CPUs available: %w", err)
	}
	r := Resources{CpusetCpus: strings.TrimSpace(cpus)}
	if r.CpusetCpus == "" {
		return nil, fmt.Errorf("%w: cpuset %q: empty: want %s", ErrInvalidResources, cpus, cpuSetForms)
	}
	if err := r.Validate(len(avail), avail); err != nil {
		return nil, err
	}
	st := newSteps(5)
	st.next("create cgroup")
	cg, com, err := o.newDemo("cpuset", r)
	if err != nil {
		return nil, err
	}
	defer st.cleanup(cg, &err)
	stop := killOnCancel(ctx, cg)
	defer stop()
	st.next("start child in cgroup")
	c, err := startChild(ctx, cg, entryCpuset, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	st.next("ask the child where it may run")
	var rep cpusetReport
	if err := c.Sync.Expect(reexec.MsgReady, &rep); err != nil {
		return nil, fmt.Errorf("cpuset child: %w", err)
	}
	st.next("read the cpuset back")
	stats, err := cg.Stats()
	if err != nil {
		return nil, err
	}
	res = &CpusetResult{
		Requested: cpus, Available: FormatCPUList(avail), Cpus: stats.Cpuset.Cpus, EffectiveCpus: stats.Cpuset.EffectiveCpus,
		ChildAllowed: rep.Allowed, ChildAffinity: rep.Affinity,
	}
	o.progress("child may run on CPUs %s (Cpus_allowed_list), sched_getaffinity says %s", rep.Allowed, rep.Affinity)
	com.record(cg)
	res.Common = *com
	return res, nil
}

// cpusetChild reports where the kernel lets it run, both ways.
func cpusetChild() {
	p, err := reexec.Child()
	if err != nil {
		os.Exit(3)
	}
	if err := p.Expect(reexec.MsgGo, nil); err != nil {
		os.Exit(4)
	}
	var rep cpusetReport
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		p.SendError(err)
		os.Exit(1)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			rep.Allowed = strings.TrimSpace(v)
		}
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		p.SendError(fmt.Errorf("sched_getaffinity: %w", err))
		os.Exit(1)
	}
	rep.Affinity = FormatCPUList(cpuSetList(&set))
	p.Send(reexec.MsgReady, rep)
	os.Exit(0)
}
