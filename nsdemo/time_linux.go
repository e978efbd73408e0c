package nsdemo

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// Clocks is one reading of the clocks a time namespace offsets.
type Clocks struct {
	Monotonic time.Duration `json:"monotonic"`
	Boottime  time.Duration `json:"boottime"`
	Uptime    string        `json:"uptime"` // /proc/uptime, seconds up and idle
}

// TimeResult is the time namespace demo: CLOCK_MONOTONIC and
// CLOCK_BOOTTIME run ahead by the offset inside, and not on the host.
type TimeResult struct {
	Result
	Offset        time.Duration `json:"offset"`
	HostBefore    Clocks        `json:"hostBefore"` // read before the child read its clocks
	Inside        Clocks        `json:"inside"`
	HostAfter     Clocks        `json:"hostAfter"`     // read after
	InsideOffsets string        `json:"insideOffsets"` // /proc/<child>/timens_offsets
	HostOffsets   string        `json:"hostOffsets"`   // /proc/self/timens_offsets of vitro
}

// Compare puts the host's clocks beside the child's.
func (r *TimeResult) Compare() []Row {
	return []Row{
		{"timens_offsets", r.HostOffsets, r.InsideOffsets},
		{"CLOCK_MONOTONIC", r.HostAfter.Monotonic.Round(time.Second).String(), r.Inside.Monotonic.Round(time.Second).String()},
		{"CLOCK_BOOTTIME", r.HostAfter.Boottime.Round(time.Second).String(), r.Inside.Boottime.Round(time.Second).String()},
		{"/proc/uptime", r.HostAfter.Uptime, r.Inside.Uptime},
		{"CLOCK_REALTIME", "not offset: a time namespace cannot change wall-clock time", ""},
	}
}

// Tables lays the result out for people.
func (r *TimeResult) Tables() []table.Table { return tables(r) }

type timeGo struct{ Offset int64 }

// DefaultTimeOffset is what the time demo adds: 10 days.
const DefaultTimeOffset = 10 * 24 * 3600

func init() { reexec.Register("nsdemo-time", timeChild) }

// Time starts a child that unshares a time namespace, writes its offsets
// while no process is in it yet, and re-executes itself into it. Offsets
// can only be written before the first process enters (the kernel freezes
// them then), and unshare(CLONE_NEWTIME) makes the namespace for the
// caller's future children, not for the caller: execve after unshare is
// what moves the process in (as unshare --time does).
//
// Shell equivalent: unshare --time --fork --monotonic 864000 --boottime 864000 cat /proc/uptime
func Time(ctx context.Context, opts Options) (*TimeResult, error) {
	off := opts.TimeOffset
	if off == 0 {
		off = DefaultTimeOffset
	}
	if off < 0 || off > 100*365*24*3600 {
		return nil, fmt.Errorf("time offset %ds: want 1s to 100 years (negative offsets may not take a clock below zero)", off)
	}
	r := &TimeResult{Offset: time.Duration(off) * time.Second, HostOffsets: readTrim("/proc/self/timens_offsets")}
	s, err := start(ctx, "time", 0, &r.Result, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	r.HostBefore = readClocks()
	if err := s.handshake(timeGo{Offset: off}, &r.Inside); err != nil {
		return nil, err
	}
	r.HostAfter = readClocks()
	r.InsideOffsets = readTrim(fmt.Sprintf("/proc/%d/timens_offsets", r.ChildPID))
	r.Shell = []string{
		fmt.Sprintf("unshare --time --fork --monotonic %d --boottime %d cat /proc/uptime", off, off),
		"cat /proc/uptime   # on the host: unchanged",
	}
	return r, s.finish(r, nil)
}

func timeChild() {
	c := newChild()
	var g timeGo
	c.expectGo(&g)
	if !c.inStage2() {
		runtime.LockOSThread() // the main thread (see child_linux.go)
		c.check("unshare(CLONE_NEWTIME)", unix.Unshare(unix.CLONE_NEWTIME))
		c.did("unshare", "CLONE_NEWTIME (on the locked main thread): a namespace for children, still empty")
		offsets := fmt.Sprintf("monotonic %d 0\nboottime %d 0\n", g.Offset, g.Offset)
		c.check("writing timens_offsets", os.WriteFile("/proc/self/timens_offsets", []byte(offsets), 0))
		c.did("write timens_offsets", fmt.Sprintf("monotonic +%ds, boottime +%ds > /proc/self/timens_offsets", g.Offset, g.Offset))
		c.reexecAfterUnshare(g)
	}
	c.ready(readClocks())
	c.serve(nil)
}

func readClocks() Clocks {
	var c Clocks
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) == nil {
		c.Monotonic = time.Duration(ts.Nano())
	}
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) == nil {
		c.Boottime = time.Duration(ts.Nano())
	}
	c.Uptime = readTrim("/proc/uptime")
	return c
}
