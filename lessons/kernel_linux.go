package lessons

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// This file reads the kernel state that lessons show and labs check:
// namespace inodes, process lists, per-namespace values read from inside.

// NSRow is one namespace type seen from two processes.
type NSRow struct {
	Type   string `json:"type"`
	Host   uint64 `json:"host"`
	Inside uint64 `json:"inside"`
}

// Differs tells whether the two processes are in different namespaces.
func (r NSRow) Differs() bool { return r.Host != r.Inside }

// nsTable compares every namespace type of pid with this process's.
func nsTable(pid int) ([]NSRow, error) {
	var rows []NSRow
	for _, t := range nsdemo.Types {
		h, err := nsdemo.Inode(os.Getpid(), t.Name)
		if err != nil {
			return nil, err
		}
		in, err := nsdemo.Inode(pid, t.Name)
		if err != nil {
			return nil, err
		}
		rows = append(rows, NSRow{Type: t.Name, Host: h, Inside: in})
	}
	return rows, nil
}

// pids lists the processes on the host.
func pids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// procEnv returns the value of key in /proc/<pid>/environ, whether it
// was set, and whether the environment could be read at all.
func procEnv(pid int, key string) (value string, set, readable bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return "", false, false
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok && k == key {
			return v, true, true
		}
	}
	return "", false, true
}

// statusField returns a field of /proc/<pid>/status, such as "NSpid".
func statusField(pid int, field string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// innerPID is the process's PID in its own (innermost) PID namespace: the
// last number of NSpid in /proc/<pid>/status.
func innerPID(pid int) int {
	f := strings.Fields(statusField(pid, "NSpid"))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[len(f)-1])
	return n
}

// comm is the process's command name.
func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// inNamespace runs fn on a fresh OS thread that has joined the namespace
// of type typ (a CLONE_NEW* flag) that process pid is in. The thread is
// never handed back to the Go scheduler: when fn returns the goroutine
// ends still locked, and the runtime retires the thread, so a thread in a
// foreign namespace can never run other code. Works for uts, ipc, net and
// time-free types; mnt needs the thread's fs_struct unshared first, which
// is done here too (CLONE_FS), since Go's threads share one.
//
// Shell equivalent: nsenter --target PID --uts|--ipc|--net|--mount CMD
func inNamespace(pid int, typ int, fn func() error) error {
	name := map[int]string{unix.CLONE_NEWUTS: "uts", unix.CLONE_NEWIPC: "ipc", unix.CLONE_NEWNET: "net", unix.CLONE_NEWNS: "mnt"}[typ]
	if name == "" {
		return fmt.Errorf("inNamespace: unsupported namespace type %#x", typ)
	}
	p := fmt.Sprintf("/proc/%d/ns/%s", pid, name)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread, on purpose: see above.
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- fmt.Errorf("open %s: %w", p, err)
			return
		}
		defer unix.Close(fd)
		if typ == unix.CLONE_NEWNS {
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				done <- fmt.Errorf("unshare(CLONE_FS): %w", err)
				return
			}
		}
		if err := unix.Setns(fd, typ); err != nil {
			done <- fmt.Errorf("setns %s: %w", p, err)
			return
		}
		done <- fn()
	}()
	return <-done
}

// hostnameOf reads the hostname in the UTS namespace of pid.
func hostnameOf(pid int) (string, error) {
	var name string
	err := inNamespace(pid, unix.CLONE_NEWUTS, func() error {
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			return err
		}
		name = unix.ByteSliceToString(u.Nodename[:])
		return nil
	})
	return name, err
}

// uname returns this process's hostname and kernel release.
func uname() (nodename, release string) {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "", ""
	}
	return unix.ByteSliceToString(u.Nodename[:]), unix.ByteSliceToString(u.Release[:])
}

// resolveRoot returns the path /proc/<pid>/root points at, as seen here.
func resolveRoot(pid int) string {
	s, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "root"))
	if err != nil {
		return ""
	}
	return s
}
