package cgroupdemo

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vitro-dev/vitro/internal/reexec"
	"golang.org/x/sys/unix"
)

const entryCount = "cgroupdemo-count"

func init() { reexec.Register(entryCount, countChild) }

// FreezeConfig sets up the freeze demo.
type FreezeConfig struct {
	// Seconds is how long each phase (running, frozen, thawed) is
	// watched. The default value is 1.
	Seconds float64
}

// FreezePhase is the child's progress during one phase.
type FreezePhase struct {
	Phase   string       `json:"phase"` // running, frozen, thawed
	State   FreezerState `json:"state"` // read back from the kernel
	Counted uint64       `json:"counted"`
	WallNS  int64        `json:"wall_ns"`
	Counter uint64       `json:"counter"` // the counter's value at the end
}

// FreezeResult shows a counting child stop and resume.
type FreezeResult struct {
	Common
	File   string        `json:"file"` // freezer.state or cgroup.freeze
	Phases []FreezePhase `json:"phases"`
}

// FreezeDemo freezes and thaws a child that counts in memory it shares
// with vitro, reading the counter in each phase. The counter is a page of
// a memfd mapped by both, so vitro can watch progress without asking the
// child, which, frozen, could not answer.
func FreezeDemo(ctx context.Context, o Options, cfg FreezeConfig) (res *FreezeResult, err error) {
	if cfg.Seconds, err = seconds(cfg.Seconds, 1); err != nil {
		return nil, err
	}
	fd, err := unix.MemfdCreate("vitro-counter", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "vitro-counter")
	defer f.Close()
	if err := unix.Ftruncate(fd, int64(os.Getpagesize())); err != nil {
		return nil, fmt.Errorf("ftruncate memfd: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap memfd: %w", err)
	}
	defer unix.Munmap(mem)
	counter := (*atomic.Uint64)(unsafe.Pointer(&mem[0]))

	st := newSteps(6)
	st.next("create cgroup")
	cg, com, err := o.newDemo("freeze", Resources{})
	if err != nil {
		return nil, err
	}
	defer st.cleanup(cg, &err)
	stop := killOnCancel(ctx, cg)
	defer stop()
	st.next("start counting child in cgroup")
	c, err := startChild(ctx, cg, entryCount, []*os.File{f}, "3")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	res = &FreezeResult{File: "freezer.state"}
	if cg.Driver().Mode() == Unified {
		res.File = "cgroup.freeze"
	}
	interval := time.Duration(cfg.Seconds * float64(time.Second))
	// watch samples the counter over the interval. When progress is
	// expected it keeps watching (up to 30s) until there is some, so a
	// loaded machine slows the demo down instead of failing it.
	watch := func(phase string, expectProgress bool) error {
		state, err := cg.Driver().FreezeState(cg.Name)
		if err != nil {
			return err
		}
		start, t0 := counter.Load(), time.Now()
		for {
			if err := sleepCtx(ctx, interval); err != nil {
				return err
			}
			if !expectProgress || counter.Load() > start || time.Since(t0) > 30*time.Second {
				break
			}
		}
		end := counter.Load()
		res.Phases = append(res.Phases, FreezePhase{Phase: phase, State: state, Counted: end - start, WallNS: int64(time.Since(t0)), Counter: end})
		o.progress("%-7s %-8s the child counted %d in %.2fs", phase, state, end-start, time.Since(t0).Seconds())
		return nil
	}
	st.next("watch it run")
	if err := watch("running", true); err != nil {
		return nil, err
	}
	st.next("freeze")
	if err := cg.Freeze(ctx); err != nil {
		return nil, err
	}
	if err := watch("frozen", false); err != nil {
		return nil, err
	}
	st.next("thaw")
	if err := cg.Thaw(ctx); err != nil {
		return nil, err
	}
	if err := watch("thawed", true); err != nil {
		return nil, err
	}
	com.record(cg)
	res.Common = *com
	return res, nil
}

// countChild adds one to the shared counter about every millisecond.
func countChild() {
	p, err := reexec.Child()
	if err != nil {
		os.Exit(3)
	}
	fd, _ := strconv.Atoi(os.Args[1])
	mem, err := unix.Mmap(fd, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		p.SendError(fmt.Errorf("mmap the counter: %w", err))
		os.Exit(1)
	}
	if err := p.Expect(reexec.MsgGo, nil); err != nil {
		os.Exit(4)
	}
	counter := (*atomic.Uint64)(unsafe.Pointer(&mem[0]))
	for {
		counter.Add(1)
		time.Sleep(time.Millisecond)
	}
}
