package cgroupdemo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

const entryForker = "cgroupdemo-forker"

func init() { reexec.Register(entryForker, forkerChild) }

// PidsConfig sets up the pids demo.
type PidsConfig struct {
	Max int64 // pids.max (--max 16)
	// Forks is how many processes the child tries to start: a bounded
	// loop, never a fork bomb. The default value is 2 × Max + 8.
	Forks int
}

// PidsResult is what the pids demo measured.
type PidsResult struct {
	Common
	Max          int64  `json:"max"`            // pids.max read back
	Forks        int    `json:"forks"`          // attempted
	Forked       int    `json:"forked"`         // succeeded
	EAGAIN       int    `json:"eagain"`         // refused with EAGAIN
	OtherErrors  int    `json:"other_errors"`   // refused otherwise
	ChildThreads int    `json:"child_threads"`  // the forker's own threads, which count too
	Current      uint64 `json:"current"`        // pids.current with all forks alive
	MaxEvents    uint64 `json:"max_events"`     // pids.events "max"
	Note         string `json:"note,omitempty"` // why Current is above Max
}

// forkReport is what the forker child sends back.
type forkReport struct {
	Forked, EAGAIN, Other, Threads int
	FirstError                     string
}

// PidsDemo starts a child in a cgroup with pids.max = cfg.Max that tries
// to fork cfg.Forks processes, and counts how many the kernel refused.
func PidsDemo(ctx context.Context, o Options, cfg PidsConfig) (res *PidsResult, err error) {
	if cfg.Max <= 0 || cfg.Max > 4096 {
		return nil, fmt.Errorf("%w: pids.max %d: want 1 to 4096 tasks", ErrInvalidResources, cfg.Max)
	}
	if cfg.Forks == 0 {
		cfg.Forks = int(2*cfg.Max) + 8
	}
	if cfg.Forks < 0 || cfg.Forks > 8192 {
		return nil, fmt.Errorf("forks %d: want 1 to 8192", cfg.Forks)
	}
	st := newSteps(5)
	st.next("create cgroup")
	cg, com, err := o.newDemo("pids", Resources{PidsLimit: cfg.Max})
	if err != nil {
		return nil, err
	}
	defer st.cleanup(cg, &err)
	stop := killOnCancel(ctx, cg)
	defer stop()
	st.next("start child in cgroup")
	c, err := startChild(ctx, cg, entryForker, nil, strconv.Itoa(cfg.Forks))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	st.next("fork until the kernel refuses")
	var rep forkReport
	if err := c.Sync.Expect("forked", &rep); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("forker child: %w", err)
	}
	st.next("read the counters back")
	stats, err := cg.Stats()
	if err != nil {
		return nil, err
	}
	trace.KernelEvent("pids", trace.Int("pids.current", int64(stats.Pids.Current)), trace.Int("pids.events max", int64(stats.Pids.Max)))
	// Now let the child kill and reap its own children.
	c.Sync.Send("reap", nil)
	c.Sync.Expect(reexec.MsgReady, nil)
	res = &PidsResult{
		Max: stats.Pids.Limit, Forks: cfg.Forks, Forked: rep.Forked, EAGAIN: rep.EAGAIN, OtherErrors: rep.Other,
		ChildThreads: rep.Threads, Current: stats.Pids.Current, MaxEvents: stats.Pids.Max,
	}
	res.Note = pidsNote(res.Max, res.Current, res.ChildThreads)
	o.progress("%d of %d forks succeeded, %d failed with EAGAIN; pids.current %d = %d threads of the child + %d processes",
		rep.Forked, cfg.Forks, rep.EAGAIN, stats.Pids.Current, rep.Threads, rep.Forked)
	if rep.FirstError != "" {
		o.progress("first other error: %s", rep.FirstError)
	}
	com.record(cg)
	res.Common = *com
	return res, nil
}

// forkerChild forks up to n times and reports how many the kernel
// allowed. Its children are made with a raw clone(2) and never return to
// Go: they block every signal and sleep in ppoll until SIGKILL, so each
// is exactly one task, and none starts a Go runtime with threads of its
// own. The forker itself keeps its thread count still (one P, no GC) so
// that, at the limit, the Go runtime never needs a thread it cannot have.
func forkerChild() {
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(-1)
	p, err := reexec.Child()
	if err != nil {
		os.Exit(3)
	}
	if err := p.Expect(reexec.MsgGo, nil); err != nil {
		os.Exit(4)
	}
	n, _ := strconv.Atoi(os.Args[1])
	rep := forkReport{Threads: threads()}
	pids := make([]int, 0, n)
	for i := 0; i < n; i++ {
		pid, errno := rawFork()
		switch {
		case errno == 0:
			pids = append(pids, pid)
		case errno == syscall.EAGAIN:
			rep.EAGAIN++
		default:
			rep.Other++
			if rep.FirstError == "" {
				rep.FirstError = errno.Error()
			}
		}
	}
	rep.Forked = len(pids)
	p.Send("forked", rep)
	err = p.Expect("reap", nil)
	for _, pid := range pids {
		syscall.RawSyscall(syscall.SYS_KILL, uintptr(pid), uintptr(syscall.SIGKILL), 0)
	}
	for _, pid := range pids {
		for {
			_, _, e := syscall.RawSyscall6(syscall.SYS_WAIT4, uintptr(pid), 0, 0, 0, 0, 0)
			if e != syscall.EINTR {
				break
			}
		}
	}
	if err == nil || errors.Is(err, reexec.ErrClosed) {
		p.Send(reexec.MsgReady, nil)
	}
	os.Exit(0)
}

// threads reads this process's thread count from /proc/self/status.
func threads() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
