package cgroupdemo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

const entryMemory = "cgroupdemo-memory"

func init() { reexec.Register(entryMemory, memoryChild) }

// MemoryConfig sets up the memory demo.
type MemoryConfig struct {
	Limit int64 // bytes (--limit 64m)
	// Alloc bounds what the child touches; it stops there if never
	// killed. The default value is 4 × Limit.
	Alloc int64
	// Step is how much the child touches at a time. The default value is
	// 4MiB.
	Step int64
}

// MemoryResult is what the memory demo measured.
type MemoryResult struct {
	Common
	LimitFile    string `json:"limit_file"`    // memory.max or memory.limit_in_bytes
	LimitWritten string `json:"limit_written"` // the value written there
	Limit        int64  `json:"limit"`         // read back
	Alloc        int64  `json:"alloc"`
	Step         int64  `json:"step"`
	Touched      int64  `json:"touched"` // the last amount the child reported touching
	PeakFile     string `json:"peak_file"`
	Peak         uint64 `json:"peak"`
	EventsFile   string `json:"events_file"` // memory.events or memory.oom_control
	OOMKills     uint64 `json:"oom_kills"`
	MaxEvents    uint64 `json:"max_events"`     // times usage hit the limit
	Note         string `json:"note,omitempty"` // why MaxEvents is 0 beside an OOM kill
	Killed       bool   `json:"killed"`         // the child died of a signal
	Signal       string `json:"signal,omitempty"`
	ExitCode     int    `json:"exit_code"`
}

// MemoryDemo starts a child in a cgroup limited to cfg.Limit bytes (swap
// off) that touches memory cfg.Step at a time, and reports how the kernel
// stopped it: the OOM killer's SIGKILL, counted in the cgroup's events.
func MemoryDemo(ctx context.Context, o Options, cfg MemoryConfig) (res *MemoryResult, err error) {
	if cfg.Limit <= 0 {
		return nil, fmt.Errorf("memory limit %d: want %s", cfg.Limit, sizeForms)
	}
	if cfg.Alloc == 0 {
		cfg.Alloc = 4 * cfg.Limit
	}
	if cfg.Step == 0 {
		cfg.Step = 4 << 20
	}
	if cfg.Alloc < 0 || cfg.Step <= 0 {
		return nil, fmt.Errorf("alloc %d, step %d: want %s", cfg.Alloc, cfg.Step, sizeForms)
	}
	swappiness := int64(0)
	r := Resources{Memory: cfg.Limit, MemorySwappiness: &swappiness}
	if err := r.Validate(1, nil); err != nil {
		return nil, err
	}
	st := newSteps(5)
	st.next("create cgroup")
	cg, com, err := o.newDemo("memory", r)
	if err != nil {
		return nil, err
	}
	defer st.cleanup(cg, &err)
	res = &MemoryResult{Alloc: cfg.Alloc, Step: cfg.Step, LimitWritten: strconv.FormatInt(cfg.Limit, 10)}
	if cg.Driver().Mode() == Unified {
		res.LimitFile, res.PeakFile, res.EventsFile = "memory.max", "memory.peak", "memory.events"
	} else {
		res.LimitFile, res.PeakFile, res.EventsFile = "memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.oom_control"
	}
	o.progress("cgroup %s: %s = %s, swap off", cg.Name, res.LimitFile, FormatBytes(cfg.Limit))

	stop := killOnCancel(ctx, cg)
	defer stop()
	st.next("start child in cgroup")
	c, err := startChild(ctx, cg, entryMemory, nil, strconv.FormatInt(cfg.Step, 10), strconv.FormatInt(cfg.Alloc, 10))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	st.next("touch memory until the kernel stops the child")
	for {
		var n int64
		m, rerr := c.Sync.Receive()
		if rerr != nil {
			if !errors.Is(rerr, reexec.ErrClosed) {
				err = rerr
			}
			break
		}
		if len(m.Data) > 0 {
			n, _ = strconv.ParseInt(string(m.Data), 10, 64)
			res.Touched = n
		}
		if m.Type == "touched" {
			o.progress("child touched %s", FormatBytes(n))
		}
	}
	c.Wait()
	ps := c.ProcessState()
	res.Killed, res.Signal, res.ExitCode = childExit(ps)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	st.next("read the counters back")
	stats, serr := cg.Stats()
	if serr != nil {
		return nil, errors.Join(err, serr)
	}
	res.Limit, res.Peak = stats.Memory.Limit, stats.Memory.Peak
	res.OOMKills, res.MaxEvents = stats.Memory.OOMKill, stats.Memory.Max
	res.Note = memoryNote(cg.Driver().Mode(), res.MaxEvents, res.OOMKills)
	trace.KernelEvent("cgroup read", trace.Str(res.LimitFile, strconv.FormatInt(res.Limit, 10)),
		trace.Int(res.PeakFile, int64(res.Peak)), trace.Int("oom_kill", int64(res.OOMKills)))
	com.record(cg)
	res.Common = *com
	return res, err
}

// memoryChild touches memory step by step, reporting each step, until it
// has touched alloc bytes or the kernel kills it. It maps anonymous memory
// itself and writes one byte per page, so the pages are really there
// (charged to the cgroup) and not merely promised.
func memoryChild() {
	p, err := reexec.Child()
	if err != nil {
		os.Exit(3)
	}
	if err := p.Expect(reexec.MsgGo, nil); err != nil {
		os.Exit(4)
	}
	step, _ := strconv.ParseInt(os.Args[1], 10, 64)
	alloc, _ := strconv.ParseInt(os.Args[2], 10, 64)
	page := int64(os.Getpagesize())
	var touched int64
	for touched < alloc {
		n := min(step, alloc-touched)
		mem, err := unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			p.SendError(fmt.Errorf("mmap %d bytes: %w", n, err))
			os.Exit(1)
		}
		for i := int64(0); i < n; i += page {
			mem[i] = 1
		}
		touched += n
		p.Send("touched", touched)
	}
	p.Send(reexec.MsgReady, touched)
	os.Exit(0)
}
