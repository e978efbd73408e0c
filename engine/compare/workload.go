package compare

import (
	"fmt"
	"strings"
	"time"
)

// Sizes are how much work each workload does. The figures that matter
// are ratios to the host and rates, so the sizes only need to make each
// workload last long enough (tenths of a second on the host) to dwarf
// the timing's own noise.
type Sizes struct {
	CPULoops     int `json:"cpu_loops"`     // iterations of a shell arithmetic loop
	SyscallBytes int `json:"syscall_bytes"` // dd bs=1: a read and a write per byte
	IOMiB        int `json:"io_mib"`        // written with fsync
}

// FullSizes and QuickSizes are the sizes of a normal run and of --quick.
var (
	FullSizes  = Sizes{CPULoops: 300000, SyscallBytes: 200000, IOMiB: 64}
	QuickSizes = Sizes{CPULoops: 60000, SyscallBytes: 30000, IOMiB: 16}
)

// The workloads, in the order the script runs them.
const (
	WorkCPU     = "cpu"
	WorkSyscall = "syscall"
	WorkIO      = "io"
)

// marker starts every line of the script that vitro reads.
const marker = "VC "

// Script is the one program every contender runs, with busybox sh. IODir
// is where the file I/O workload writes (the instance's own file system);
// Prelude runs after the first line (the VM mounts its disk there).
//
// The first line is the start-up mark. Then the script reports what the
// instance sees, prints "VC idle" and sleeps half a second, while vitro
// reads the instance's memory, and then runs each workload between
// "VC begin NAME" and "VC end NAME" lines.
func Script(s Sizes, ioDir, prelude string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("trap 'exit 143' TERM INT")
	w("echo VC ready")
	if prelude != "" {
		w("%s", prelude)
	}
	w(`echo "VC kernel $(uname -r)"`)
	w(`echo "VC version $(cat /proc/version)"`)
	w(`echo "VC pids $(ls /proc | grep -c '^[0-9][0-9]*$')"`)
	w(`echo "VC pid1 $(cat /proc/1/comm)"`)
	w(`echo "VC mounts $(wc -l < /proc/mounts)"`)
	w(`echo "VC net $(awk -F: 'NR>2 { gsub(/ /, "", $1); printf "%%s ", $1 }' /proc/net/dev)"`)
	w(`echo "VC iofs $(stat -f -c %%t %s)"`, ioDir) // the statfs magic, in hex
	w("echo VC idle")
	w("sleep 0.5")
	w("echo VC begin %s", WorkCPU)
	w("i=0; while [ $i -lt %d ]; do i=$((i+1)); done", s.CPULoops)
	w("echo VC end %s", WorkCPU)
	w("echo VC begin %s", WorkSyscall)
	w("dd if=/dev/zero of=/dev/null bs=1 count=%d 2>/dev/null || echo VC error %s dd $?", s.SyscallBytes, WorkSyscall)
	w("echo VC end %s", WorkSyscall)
	w("echo VC begin %s", WorkIO)
	w("dd if=/dev/zero of=%s/vc-io bs=1M count=%d conv=fsync 2>/dev/null || echo VC error %s dd $?", ioDir, s.IOMiB, WorkIO)
	w("echo VC end %s", WorkIO)
	w("rm -f %s/vc-io", ioDir)
	w("echo VC done")
	return b.String()
}

// IdleScript is what a density instance runs: its first line, then
// nothing until it is stopped. untilEOF: wait for standard input to close
// (containers and host processes, stopped by closing it); otherwise sleep
// (a VM, stopped by killing qemu).
func IdleScript(untilEOF bool) string {
	if untilEOF {
		return "echo VC ready; read x"
	}
	return "echo VC ready; exec sleep 1000000"
}

// Line is one line of an instance's output, timed from its start.
type Line struct {
	At   time.Duration
	Text string
}

// Sample is what one run of Script reported.
type Sample struct {
	Ready  time.Duration            // start → "VC ready"
	Idle   time.Duration            // start → "VC idle"
	Spans  map[string]time.Duration // workload → time between its begin and end lines
	Info   map[string]string        // kernel, version, pids, pid1, mounts, net, iofs
	Errors []string                 // "VC error" lines
	Done   bool                     // the script reached its last line
	Other  []string                 // lines that were not markers (for error messages)
}

// ParseSample reads the timed lines of one run.
func ParseSample(lines []Line) Sample {
	s := Sample{Spans: map[string]time.Duration{}, Info: map[string]string{}}
	begins := map[string]time.Duration{}
	for _, l := range lines {
		// A VM's console may put text before a marker on the same line.
		i := strings.Index(l.Text, marker)
		if i < 0 {
			s.Other = append(s.Other, l.Text)
			continue
		}
		key, val, _ := strings.Cut(strings.TrimRight(l.Text[i+len(marker):], "\r "), " ")
		switch key {
		case "ready":
			if s.Ready == 0 {
				s.Ready = l.At
			}
		case "idle":
			s.Idle = l.At
		case "begin":
			begins[val] = l.At
		case "end":
			if b, ok := begins[val]; ok {
				s.Spans[val] = l.At - b
			}
		case "error":
			s.Errors = append(s.Errors, val)
		case "done":
			s.Done = true
		default:
			s.Info[key] = strings.TrimSpace(val)
		}
	}
	return s
}

// fsMagic names the file systems the I/O workload may write to, by
// statfs(2) magic (busybox's stat -f calls overlayfs UNKNOWN).
var fsMagic = map[string]string{
	"ef53": "ext4 (ext2/3/4)", "794c7630": "overlayfs", "1021994": "tmpfs", "58465342": "xfs",
	"9123683e": "btrfs", "2fc12fc1": "zfs", "6969": "nfs", "65735546": "fuse",
}

// FSName names a statfs magic number given in hex.
func FSName(hex string) string {
	if n, ok := fsMagic[strings.TrimLeft(hex, "0x")]; ok {
		return n
	}
	return "file system 0x" + hex
}

// Complete says what a sample lacks, or "" when it has every figure.
func (s Sample) Complete() string {
	var missing []string
	if s.Ready == 0 {
		missing = append(missing, "the first line")
	}
	for _, w := range []string{WorkCPU, WorkSyscall, WorkIO} {
		if s.Spans[w] <= 0 {
			missing = append(missing, w)
		}
	}
	if len(s.Errors) > 0 {
		missing = append(missing, "errors: "+strings.Join(s.Errors, "; "))
	}
	if !s.Done {
		missing = append(missing, "the last line")
	}
	return strings.Join(missing, ", ")
}
