package lessons

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// Labs for root filesystems: escape a chroot, then pivot into a root that
// cannot be escaped; and an overlay's copy-up and whiteouts.

func init() {
	registerLab(&Lab{
		ID: "rootfs-pivot", Title: "Escape a chroot, then build a root that cannot be escaped", Lesson: "rootfs",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Rootfs": filepath.Join(e.Dir, "rootfs"), "Secret": filepath.Join(e.Dir, "secret")}, nil
		},
		Setup: func(_ context.Context, e *LabEnv) error {
			if err := os.MkdirAll(e.Vars["Rootfs"], 0o755); err != nil {
				return err
			}
			if err := fsdemo.BuildRootfs(e.Vars["Rootfs"]); err != nil {
				return err
			}
			b := make([]byte, 8)
			rand.Read(b)
			return os.WriteFile(e.Vars["Secret"], []byte(hex.EncodeToString(b)+"\n"), 0o600)
		},
		Task: `` + "`{{.Rootfs}}`" + ` is a tiny root filesystem (busybox). The file ` + "`{{.Secret}}`" + ` lies
*outside* it.

1. **Escape.** Start a shell chrooted into it (` + "`chroot {{.Rootfs}} /bin/sh`" + `). From that
   shell, as root, read the secret file anyway, and write its content into ` + "`/answer`" + `
   inside the chroot.
2. **Contain.** Now start a shell that cannot do that: in new mount and PID
   namespaces, make the rootfs the *namespace's* root with ` + "`pivot_root`" + `, detach the old
   root, mount a fresh ` + "`/proc`" + `, and leave the shell running.`,
		Solution: `{{with .Export}}{{.}}
{{end}}# 1. a root process in a chroot is still in the host's mount and PID namespaces
chroot {{.Rootfs}} /bin/sh -c 'mount -t proc proc /proc; cat /proc/$PPID/root{{.Secret}} > /answer; umount /proc'
# 2. pivot_root changes the root of the whole mount namespace
unshare --mount --pid --fork sh -c '
  mount --bind {{.Rootfs}} {{.Rootfs}}; cd {{.Rootfs}}; mkdir -p oldroot
  pivot_root . oldroot; cd /; umount -l /oldroot
  mount -t proc proc /proc; exec /bin/sleep 100000' &`,
		Checks: []Check{
			{Name: "/answer in the rootfs holds the secret",
				Hint: "a chroot does not change the mount or PID namespace: mount proc inside the chroot, and the root of a process outside it is /proc/PID/root. Try cat /proc/$PPID/root{{.Secret}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					want, _ := os.ReadFile(e.Vars["Secret"])
					got, err := os.ReadFile(filepath.Join(e.Vars["Rootfs"], "answer"))
					if err != nil {
						return "no /answer in the rootfs", false, nil
					}
					if len(want) > 0 && bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
						return "it matches", true, nil
					}
					return fmt.Sprintf("/answer holds %q, not the secret", strings.TrimSpace(string(got))), false, nil
				}},
			{Name: "a process of yours has the rootfs as its root, in its own mount namespace",
				Hint: "unshare --mount --pid --fork sh, then bind-mount the rootfs on itself and pivot_root into it (see vitro lab solution rootfs-pivot)",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ps := e.rootedProcs()
					if len(ps) == 0 {
						return "none of your processes in a mount namespace of their own has it as /", false, nil
					}
					return fmt.Sprintf("PID %d", ps[0]), true, nil
				}},
			{Name: "the rootfs is the root of that mount namespace (pivot_root, not chroot)",
				Hint: "chroot changes where one process starts its lookups; pivot_root changes the namespace's root mount: mount --bind R R; cd R; mkdir oldroot; pivot_root . oldroot",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					p, ok := e.pivoted()
					if !ok {
						return "the namespace's root is still the host's /", false, nil
					}
					return fmt.Sprintf("setns into PID %d's mount namespace lands in the rootfs", p), true, nil
				}},
			{Name: "no mount of the host's root is left in it",
				Hint: "after pivot_root the old root is still mounted at oldroot: umount -l /oldroot",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					p, ok := e.pivoted()
					if !ok {
						return "no pivoted namespace yet", false, nil
					}
					left, err := hostRootMountsIn(p)
					if err != nil {
						return "", false, err
					}
					if len(left) > 0 {
						return "the host's / is still mounted at " + strings.Join(left, ", "), false, nil
					}
					return "none", true, nil
				}},
			{Name: "it has its own PID namespace",
				Hint: "with the host's PIDs in sight, /proc/PID/root of a host process leads out again: add --pid --fork, and mount a fresh /proc",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					p, ok := e.pivoted()
					if ok && inOwnNS(p, "pid") {
						return fmt.Sprintf("PID %d is %d inside", p, innerPID(p)), true, nil
					}
					return "the pivoted process shares the host's PID namespace", false, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			if _, err := e.spawn(ctx, unix.CLONE_NEWNS, "escape", e.Vars["Rootfs"], e.Vars["Secret"]); err != nil {
				return err
			}
			_, err := e.spawn(ctx, unix.CLONE_NEWNS|unix.CLONE_NEWPID, "pivot", e.Vars["Rootfs"])
			return err
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			ps := e.studentProcs(func(p int) bool { return sameFile(fmt.Sprintf("/proc/%d/root", p), e.Vars["Rootfs"]) })
			out := killAll(ps, "rooted in the lab's rootfs")
			return out, nil
		},
		Residue: func(e *LabEnv) []string {
			var left []string
			for _, p := range e.rootedProcs() {
				left = append(left, fmt.Sprintf("process %d", p))
			}
			return left
		},
	})

	// escape ROOTFS SECRET: what the student does in part 1. Run in a
	// mount namespace of its own so that its proc mount does not land in
	// the host's table.
	helpers["escape"] = func(a []string) error {
		if err := privateRoot(); err != nil {
			return err
		}
		if err := unix.Chroot(a[0]); err != nil {
			return fmt.Errorf("chroot %s: %w", a[0], err)
		}
		if err := unix.Chdir("/"); err != nil {
			return err
		}
		if err := unix.Mount("proc", "/proc", "proc", 0, ""); err != nil {
			return fmt.Errorf("mount proc inside the chroot: %w", err)
		}
		// The parent, vitro, is not chrooted: its root is the host's.
		secret, err := os.ReadFile(fmt.Sprintf("/proc/%d/root%s", os.Getppid(), a[1]))
		if err != nil {
			return fmt.Errorf("escaping through /proc/%d/root: %w", os.Getppid(), err)
		}
		return os.WriteFile("/answer", secret, 0o644)
	}
	afterReady["escape"] = func() error { os.Exit(0); return nil }
	// pivot ROOTFS: part 2, PID 1 of new mount and PID namespaces.
	helpers["pivot"] = func(a []string) error {
		if err := privateRoot(); err != nil {
			return err
		}
		if err := fsdemo.PivotRoot(a[0]); err != nil {
			return err
		}
		if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("mount proc: %w", err)
		}
		return nil
	}
}

// rootedProcs lists the student's processes in their own mount namespace
// whose root directory is the lab's rootfs.
func (e *LabEnv) rootedProcs() []int {
	if v, ok := e.cache["rooted"]; ok {
		return v.([]int)
	}
	ps := e.studentProcs(func(p int) bool {
		return inOwnNS(p, "mnt") && sameFile(fmt.Sprintf("/proc/%d/root", p), e.Vars["Rootfs"])
	})
	e.cache["rooted"] = ps
	return ps
}

// pivoted returns a rooted process whose mount namespace's root is the
// rootfs: setns(CLONE_NEWNS) sets the caller's root to the namespace's
// root mount, so stat("/") afterwards tells what that is.
func (e *LabEnv) pivoted() (int, bool) {
	want, err := os.Stat(e.Vars["Rootfs"])
	if err != nil {
		return 0, false
	}
	// unshare --mount --pid --fork leaves unshare itself in the pivoted
	// mount namespace but the host's PID namespace: prefer its child.
	found := 0
	for _, p := range e.rootedProcs() {
		var root os.FileInfo
		err := inNamespace(p, unix.CLONE_NEWNS, func() (err error) {
			root, err = os.Stat("/")
			return err
		})
		if err == nil && os.SameFile(root, want) {
			if inOwnNS(p, "pid") {
				return p, true
			}
			if found == 0 {
				found = p
			}
		}
	}
	return found, found != 0
}

// hostRootMountsIn lists where pid's mount namespace still has the host's
// root filesystem mounted (the root of it, not a bind of a subdirectory).
func hostRootMountsIn(pid int) ([]string, error) {
	hostRoot, err := nsdemo.Mounts(0, func(i *mountinfo.Info) (bool, bool) { return i.Mountpoint != "/", i.Mountpoint == "/" })
	if err != nil || len(hostRoot) == 0 {
		return nil, fmt.Errorf("reading the host's root mount: %v", err)
	}
	hr := hostRoot[len(hostRoot)-1]
	ms, err := nsdemo.Mounts(pid, func(i *mountinfo.Info) (bool, bool) {
		return !(i.Major == hr.Major && i.Minor == hr.Minor && i.Root == hr.Root), false
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Mountpoint)
	}
	return out, nil
}

// sameFile tells whether two paths name the same inode.
func sameFile(a, b string) bool {
	x, err1 := os.Stat(a)
	y, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(x, y)
}

// unmountUnder detaches every mount of the host's table at or below dir,
// deepest first, so that removing dir can never reach into a mounted
// filesystem.
func unmountUnder(dir string) ([]string, error) {
	ms, err := nsdemo.Mounts(0, mountinfo.PrefixFilter(dir))
	if err != nil {
		return nil, err
	}
	sort.Slice(ms, func(i, j int) bool { return len(ms[i].Mountpoint) > len(ms[j].Mountpoint) })
	var out []string
	for _, m := range ms {
		if err := unix.Unmount(m.Mountpoint, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
			return out, fmt.Errorf("umount -l %s: %w", m.Mountpoint, err)
		}
		out = append(out, "mount "+m.FSType+" on "+m.Mountpoint)
	}
	return out, nil
}
