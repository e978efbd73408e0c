package cgroupdemo

import "fmt"

// Notes that explain a figure a demo shows when it looks wrong but is
// what the kernel really reports. Pure, so that the rules are tested.

// memoryNote explains, on v1, a failure count of 0 beside an OOM kill.
// With swap off the demo sets memory.memsw.limit_in_bytes to the limit,
// so a charge meets the memory+swap counter first and fails there; recent
// kernels (6.18, where this was seen) keep a failure count only for the
// memory counter (page_counter.track_failcnt), so memory.memsw.failcnt
// stays 0, and memory.failcnt too, as that counter was never reached.
// (With memory.limit_in_bytes alone, memory.failcnt does count.)
func memoryNote(mode Mode, hits, oomKills uint64) string {
	if mode == Unified || oomKills == 0 || hits != 0 {
		return ""
	}
	return "the limit was hit, though its count reads 0: with swap off, memory.memsw.limit_in_bytes equals the limit, " +
		"so the memory+swap counter trips first, and this kernel counts failures only in memory.failcnt, never in " +
		"memory.memsw.failcnt. The OOM kill in memory.oom_control is the proof."
}

// pidsNote explains pids.current above pids.max. The kernel checks
// pids.max only when a task is created (fork, clone, a new thread); moving
// tasks in through cgroup.procs is never refused. The demo's child is a
// Go program whose runtime threads exist before it is moved into the
// cgroup, and each thread counts as a task.
func pidsNote(max int64, current uint64, threads int) string {
	if max < 0 || current <= uint64(max) {
		return ""
	}
	return fmt.Sprintf("pids.current %d is above pids.max %d: the kernel checks the limit only when a task is created "+
		"(fork, clone, a new thread), never when one is moved in through cgroup.procs; the child's %d threads "+
		"(a Go runtime's) existed before vitro moved it in.", current, max, threads)
}

// CheckSeconds validates a demo's --seconds: how long to measure or watch.
func CheckSeconds(s float64) error {
	if !(s >= 0.1 && s <= 600) { // also rejects NaN
		return fmt.Errorf("%g: want a duration of 0.1 to 600 seconds", s)
	}
	return nil
}

// seconds is cfg.Seconds with 0 (unset) meaning def.
func seconds(s, def float64) (float64, error) {
	if s == 0 {
		return def, nil
	}
	if err := CheckSeconds(s); err != nil {
		return 0, fmt.Errorf("seconds %w", err)
	}
	return s, nil
}
