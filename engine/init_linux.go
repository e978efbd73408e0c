package engine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/seccomp"
	"golang.org/x/sys/unix"
)

// The container's init is vitro itself, re-executed in the container's new
// namespaces (entry point "container-init"). It does the inside half of
// the run, in two rounds of the sync handshake:
//
//	parent (vitro run)                     init (PID 1 in the container)
//	step 2: clone(CLONE_NEW*) ───────────▶ waits on fd 3
//	        cgroup.procs ← PID
//	step 3: Send("rootfs", rootfsSpec) ──▶ overlay, /proc /dev /sys, volumes,
//	                                       pivot_root, masked paths, hostname
//	        Receive("rootfs-ready") ◀───── mount table as seen inside
//	step 4: veth into the netns
//	step 5: address and route
//	step 6: Send("exec", execSpec) ──────▶ user, capabilities, fds, execve
//	        EOF on fd 3 ◀───────────────── (close-on-exec: the program runs)
const initEntry = "container-init"

// Message types of the container handshake.
const (
	msgRootfs      = "rootfs"
	msgRootfsReady = "rootfs-ready"
	msgExec        = "exec"
	msgFailed      = "failed"
	msgConsole     = "console"
)

// rootfsSpec is everything init needs to build the container's root.
type rootfsSpec struct {
	Mounts   []fsdemo.Mount // in order: the overlay (or bind of a vfs copy), then the standard mounts, then volumes
	Root     string         // where the root ends up before pivot_root
	Masked   []string       // paths hidden inside the container
	ReadOnly []string       // paths made read-only inside the container
	RootRO   bool           // --read-only
	Hostname string
	Devices  []fsdemo.DeviceNode // --device nodes, made after pivot_root
}

// rootfsReady is init's report after step 3.
type rootfsReady struct {
	Mountinfo string // /proc/self/mountinfo as seen inside, after pivot_root
}

// execSpec is how init runs the program.
type execSpec struct {
	Argv       []string
	Env        []string
	Cwd        string
	User       string
	Caps       []string
	NoNewPrivs bool
	Seccomp    []byte // the filter compiled by the parent (seccomp.Encode); nil for none
}

// execError is init's report that exec failed, with docker's status.
type execError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func init() {
	reexec.Register(initEntry, containerInit)
}

func containerInit() {
	p, err := reexec.Child()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitro init:", err)
		os.Exit(ExitVitroError)
	}
	fail := func(code int, err error) {
		p.Send(msgFailed, execError{Code: code, Msg: err.Error()})
		os.Exit(code)
	}
	var rs rootfsSpec
	if err := p.Expect(msgRootfs, &rs); err != nil {
		os.Exit(ExitVitroError) // the parent is gone or gave up
	}
	if err := buildRootfs(rs); err != nil {
		fail(ExitVitroError, err)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if err := p.Send(msgRootfsReady, rootfsReady{Mountinfo: string(mi)}); err != nil {
		os.Exit(ExitVitroError)
	}
	m, err := p.Receive()
	if err != nil {
		os.Exit(ExitVitroError)
	}
	if m.Type == msgConsole {
		if err := makeConsole(p.SendFile); err != nil {
			fail(ExitVitroError, fmt.Errorf("terminal: %w", err))
		}
		if m, err = p.Receive(); err != nil {
			os.Exit(ExitVitroError)
		}
	}
	var es execSpec
	if m.Type != msgExec || decode(m.Data, &es) != nil {
		fail(ExitVitroError, fmt.Errorf("container init: got %q, want %q", m.Type, msgExec))
	}
	code, err := execProgram(es)
	fail(code, err)
}

// buildRootfs runs inside the new mount namespace: nothing it mounts is
// visible on the host, and all of it vanishes with the namespace.
func buildRootfs(rs rootfsSpec) error {
	// Stop mount events from travelling back to the host before the first
	// mount: a shared / would propagate every one of them.
	if err := fsdemo.Apply([]fsdemo.Mount{{Target: "/", Flags: unix.MS_REC | unix.MS_PRIVATE}}); err != nil {
		return err
	}
	if err := fsdemo.Apply(rs.Mounts); err != nil {
		return err
	}
	// /dev/fd, /dev/stdin ... and /dev/ptmx, in the fresh /dev tmpfs.
	if err := fsdemo.CreateDevSymlinks(rs.Root); err != nil {
		return err
	}
	if err := fsdemo.PivotRoot(rs.Root); err != nil {
		return err
	}
	for _, n := range rs.Devices {
		if err := fsdemo.MakeDeviceNode(n); err != nil {
			return err
		}
	}
	var post []fsdemo.Mount
	post = append(post, fsdemo.MaskPaths(rs.Masked)...)
	post = append(post, fsdemo.ReadOnlyMounts(rs.ReadOnly)...)
	if rs.RootRO {
		post = append(post, fsdemo.Mount{Source: "/", Target: "/", Flags: unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY})
	}
	if err := fsdemo.Apply(post); err != nil {
		return err
	}
	if rs.Hostname != "" {
		if err := unix.Sethostname([]byte(rs.Hostname)); err != nil {
			return fmt.Errorf("sethostname %q: %w", rs.Hostname, err)
		}
	}
	return nil
}

// execProgram becomes the user's program. It returns only on failure,
// with docker's exit status: 126 cannot execute, 127 not found.
func execProgram(es execSpec) (int, error) {
	// Credentials, capabilities and the bounding set are per thread until
	// execve: do all of it, and the execve, on this one thread.
	runtime.LockOSThread()
	if err := newSessionKeyring(); err != nil {
		return ExitVitroError, err
	}
	id, err := lookupUser("", es.User)
	if err != nil {
		return ExitVitroError, err
	}
	cwd := es.Cwd
	if cwd == "" {
		cwd = "/"
	}
	// CVE-2024-21626: a working directory inherited or reached through a
	// leaked fd could sit outside the container. Resolve it after
	// pivot_root and refuse anything that is not a directory under "/".
	if !filepath.IsAbs(cwd) {
		return ExitVitroError, fmt.Errorf("working directory %q: must be an absolute path", cwd)
	}
	// The image may have made the directory, or a component of it, a
	// symlink: create and enter it on a descriptor resolved inside "/"
	// (the container's root by now), never by following a string.
	wd, err := fsdemo.MkdirAllInRoot("/", cwd, 0o755)
	if err != nil {
		return ExitVitroError, fmt.Errorf("working directory %q: %w", cwd, err)
	}
	err = unix.Fchdir(int(wd.Fd()))
	wd.Close()
	if err != nil {
		return ExitVitroError, fmt.Errorf("chdir %q: %w", cwd, err)
	}
	if wd, err := os.Getwd(); err != nil || !strings.HasPrefix(wd, "/") {
		return ExitVitroError, fmt.Errorf("working directory %q resolves outside the container (%q)", cwd, wd)
	}
	env := es.Env
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	hasHome := false
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
		hasHome = hasHome || strings.HasPrefix(e, "HOME=")
	}
	if !hasHome {
		env = append(env, "HOME="+id.Home)
	}
	os.Setenv("PATH", path)
	prog := es.Argv[0]
	if !strings.Contains(prog, "/") {
		p, err := exec.LookPath(prog)
		if err != nil {
			return ExitNotFound, fmt.Errorf("exec %q: executable file not found in $PATH (%s)", prog, path)
		}
		prog = p
	}
	if es.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return ExitVitroError, fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
	}
	// Without no_new_privs, installing a filter needs CAP_SYS_ADMIN:
	// install it now, while init still has it (runc's order). The calls
	// init makes after this (prctl, setgroups, setresuid, capset,
	// close_range, execve) are all in the default profile.
	if len(es.Seccomp) > 0 && !es.NoNewPrivs {
		if err := seccomp.Install(es.Seccomp); err != nil {
			return ExitVitroError, err
		}
	}
	// The order runc uses: shrink the bounding set while still root; keep
	// capabilities across the change of user (PR_SET_KEEPCAPS); become
	// the user; then set the final sets. A user other than root gets no
	// effective capabilities, only the bounding set, as in docker.
	if err := dropBounding(es.Caps); err != nil {
		return ExitVitroError, err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return ExitVitroError, fmt.Errorf("prctl(PR_SET_KEEPCAPS): %w", err)
	}
	if err := setIdentity(id); err != nil {
		return ExitVitroError, err
	}
	unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0)
	caps := es.Caps
	if id.UID != 0 {
		caps = nil
	}
	if err := setCaps(caps); err != nil {
		return ExitVitroError, err
	}
	// With no_new_privs, the filter goes on last, as near execve as it
	// can: the fewer of init's own calls it must allow, the better.
	if len(es.Seccomp) > 0 && es.NoNewPrivs {
		if err := seccomp.Install(es.Seccomp); err != nil {
			return ExitVitroError, err
		}
	}
	// Every fd above stdio closes on exec: the sync socket included, which
	// is how the parent learns that execve succeeded.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		// Before Linux 5.11 (or 5.9 without the flag): mark each one.
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return ExitVitroError, fmt.Errorf("listing descriptors to close before exec: %w", err)
		}
		for _, e := range fds {
			if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
				unix.CloseOnExec(fd)
			}
		}
	}
	err = unix.Exec(prog, es.Argv, env)
	switch {
	case errors.Is(err, unix.ENOENT):
		return ExitNotFound, fmt.Errorf("exec %q: no such file or directory", prog)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.ENOEXEC), errors.Is(err, unix.EISDIR):
		return ExitCannotExec, fmt.Errorf("exec %q: %w", prog, err)
	}
	return ExitCannotExec, fmt.Errorf("exec %q: %w", prog, err)
}

func setIdentity(id Identity) error {
	groups := make([]int, len(id.Groups))
	for i, g := range id.Groups {
		groups[i] = int(g)
	}
	if err := unix.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups %v: %w", groups, err)
	}
	if err := unix.Setresgid(int(id.GID), int(id.GID), int(id.GID)); err != nil {
		return fmt.Errorf("setgid %d: %w", id.GID, err)
	}
	if err := unix.Setresuid(int(id.UID), int(id.UID), int(id.UID)); err != nil {
		return fmt.Errorf("setuid %d: %w", id.UID, err)
	}
	return nil
}
