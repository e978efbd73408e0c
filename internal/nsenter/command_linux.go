package nsenter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Env is the variable the constructor reads: "type:fd,type:fd,...".
const Env = "_VITRO_NSENTER"

// entryPoint is the re-exec entry that runs once the constructor joined.
const entryPoint = "nsenter"

// Variables read by the entry point (not by the C constructor).
const (
	dirEnv  = "_VITRO_NSENTER_DIR"
	userEnv = "_VITRO_NSENTER_USER"
)

// Order is the order namespaces are joined in. The user namespace comes
// last: a root caller can join the others with the capabilities it has in
// the initial user namespace, and would lose them (for the namespaces the
// host owns) once inside another user namespace. The mount namespace
// comes after pid and time, which only name namespaces for children and
// do not care where the filesystem root is.
var Order = []string{"cgroup", "ipc", "uts", "net", "pid", "time", "mnt", "user"}

// ErrNoProcess says the target PID does not exist (any more).
var ErrNoProcess = errors.New("no such process")

// ErrUnsupported says this binary was built without cgo and has no
// constructor.
var ErrUnsupported = errors.New("this vitro was built without cgo (CGO_ENABLED=0), so it cannot join namespaces: rebuild with CGO_ENABLED=1 and a C compiler")

// Cmd is a program about to run inside another process's namespaces.
// Start or Run it like an exec.Cmd; Close it if it is never started.
type Cmd struct {
	*exec.Cmd
	Target  int      // the PID whose namespaces are joined
	Joined  []string // namespace types that will be joined, in order
	Skipped []string // asked for but already shared with the target (setns would be a no-op or EINVAL)
	// Dir is the program's working directory, looked up after joining
	// (docker exec -w). Empty means the root of the joined mount
	// namespace, or vitro's own directory when none is joined.
	Dir string
	// User is "uid:gid" to run the program as (docker exec -u), numeric.
	// Empty means 0:0 when a user namespace is joined (as nsenter does),
	// and vitro's own ids otherwise.
	User  string
	files []*os.File
}

// Command prepares argv to run inside the namespaces of types (names as in
// /proc/<pid>/ns/) of process pid. An empty argv runs $SHELL or /bin/sh.
// The namespace files are opened here, in the calling process, so a bad
// PID or a missing namespace is reported with a clear error before
// anything starts; the child only receives open fds, which keep the
// namespaces alive even if the target exits in between.
//
// Shell equivalent: nsenter --target PID --uts --mount ... -- ARGV
func Command(pid int, types []string, argv []string) (*Cmd, error) {
	if !Supported {
		return nil, ErrUnsupported
	}
	if pid <= 0 {
		return nil, fmt.Errorf("--target %d: a PID is a positive number", pid)
	}
	want := map[string]bool{}
	for _, t := range types {
		if !known(t) {
			return nil, fmt.Errorf("namespace type %q: want one of %s", t, strings.Join(Order, ", "))
		}
		want[t] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no namespace to join: name at least one type (%s)", strings.Join(Order, ", "))
	}
	// A pidfd pins the process's identity: if the PID is reused after
	// this point, the liveness check below still asks about this process.
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil, fmt.Errorf("--target %d: %w: see vitro ns ls or ps for running processes", pid, ErrNoProcess)
		}
		return nil, fmt.Errorf("pidfd_open(%d): %w", pid, err)
	}
	defer unix.Close(pidfd)

	c := &Cmd{Target: pid}
	var spec []string
	for _, t := range Order {
		if !want[t] {
			continue
		}
		path := filepath.Join("/proc", strconv.Itoa(pid), "ns", t)
		same, err := sameAsSelf(pid, path, t)
		if err != nil {
			c.Close()
			return nil, err
		}
		if same {
			c.Skipped = append(c.Skipped, t)
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			c.Close()
			return nil, openError(pid, t, err)
		}
		c.files = append(c.files, f)
		c.Joined = append(c.Joined, t)
		spec = append(spec, fmt.Sprintf("%s:%d", t, 2+len(c.files))) // ExtraFiles start at fd 3
	}
	// The namespaces were read off a process that still existed after the
	// files were opened, not off a recycled PID.
	if err := unix.PidfdSendSignal(pidfd, 0, nil, 0); err != nil {
		c.Close()
		return nil, fmt.Errorf("--target %d exited while its namespaces were opened: %w", pid, ErrNoProcess)
	}

	c.Cmd = reexec.Command(entryPoint, argv...)
	c.Cmd.ExtraFiles = c.files
	c.Cmd.Env = append(os.Environ(), Env+"="+strings.Join(spec, ","))
	for i, t := range c.Joined {
		trace.KernelEvent("setns", trace.Str("ns", t), trace.Str("file", c.files[i].Name()), trace.Int("target", int64(pid)))
	}
	if trace.Enabled(trace.Steps) {
		trace.Shellf("nsenter --target %d %s -- %s", pid, shellFlags(c.Joined), strings.Join(argv, " "))
	}
	return c, nil
}

// Start starts the child and closes the parent's copies of the namespace
// files, which the child has inherited.
func (c *Cmd) Start() error {
	if c.Dir != "" {
		c.Cmd.Env = append(c.Cmd.Env, dirEnv+"="+c.Dir)
	}
	if c.User != "" {
		if _, _, err := parseUser(c.User); err != nil {
			c.Close()
			return err
		}
		c.Cmd.Env = append(c.Cmd.Env, userEnv+"="+c.User)
	}
	err := c.Cmd.Start()
	c.Close()
	return err
}

// Run starts the child and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Close releases the namespace files. Start calls it; call it yourself
// only when the command is never started.
func (c *Cmd) Close() {
	for _, f := range c.files {
		f.Close()
	}
	c.files = nil
}

func known(t string) bool {
	for _, o := range Order {
		if o == t {
			return true
		}
	}
	return false
}

// sameAsSelf reports whether the target's namespace is the caller's own.
// Joining one's own user namespace is EINVAL, and nsenter --all skips
// namespaces already shared; so does this.
func sameAsSelf(pid int, path, t string) (bool, error) {
	var target, self unix.Stat_t
	if err := unix.Stat(path, &target); err != nil {
		return false, openError(pid, t, err)
	}
	if err := statOnThread("/proc/thread-self/ns/"+t, &self); err != nil {
		return false, fmt.Errorf("this kernel has no %s namespace (/proc/self/ns/%s: %w)", t, t, err)
	}
	return target.Ino == self.Ino && target.Dev == self.Dev, nil
}

// statOnThread stats a /proc/thread-self path from a thread that the
// scheduler hands out, like the one the child will be forked from. The
// main thread (/proc/self) may be parked in another namespace by code that
// locked it and returned without unlocking.
func statOnThread(path string, st *unix.Stat_t) error {
	err := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err <- unix.Stat(path, st)
	}()
	return <-err
}

func openError(pid int, t string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		if _, serr := os.Lstat("/proc/self/ns/" + t); serr != nil {
			return fmt.Errorf("this kernel has no %s namespace", t)
		}
		return fmt.Errorf("--target %d: %w (it exited, or is a zombie whose namespaces are gone)", pid, ErrNoProcess)
	}
	return fmt.Errorf("opening the %s namespace of PID %d: %w", t, pid, err)
}

func shellFlags(types []string) string {
	var f []string
	for _, t := range types {
		switch t {
		case "mnt":
			f = append(f, "--mount")
		default:
			f = append(f, "--"+t)
		}
	}
	return strings.Join(f, " ")
}

// ExitStatus turns the error of Wait into the exit status a shell would
// report: the program's code, or 128+N when signal N killed it.
func ExitStatus(err error) (int, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, err == nil
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ee.ExitCode(), true
}

// parseUser reads "uid:gid" (or "uid", meaning gid = uid).
func parseUser(s string) (uint32, uint32, error) {
	u, g, ok := strings.Cut(s, ":")
	if !ok {
		g = u
	}
	uid, err1 := strconv.ParseUint(u, 10, 32)
	gid, err2 := strconv.ParseUint(g, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("user %q: want numeric uid:gid, as in 1000:1000", s)
	}
	return uint32(uid), uint32(gid), nil
}
