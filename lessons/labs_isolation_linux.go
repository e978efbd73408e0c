package lessons

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// Labs for the mount, IPC, user, cgroup and time namespaces.

func init() {
	registerLab(&Lab{
		ID: "mnt-private", Title: "A mount only one namespace can see", Lesson: "mnt",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Target": filepath.Join(e.Dir, "mnt")}, nil
		},
		Setup: func(_ context.Context, e *LabEnv) error { return os.MkdirAll(e.Vars["Target"], 0o755) },
		Task: `Start a shell in a new mount namespace. In it, mount a tmpfs on
` + "`{{.Target}}`" + ` and create a file called ` + "`hello`" + ` there. Leave the shell running.
The host must not see the mount: ` + "`findmnt {{.Target}}`" + ` on the host prints nothing.`,
		Solution: `{{with .Export}}{{.}}
{{end}}unshare --mount sh -c 'mount -t tmpfs tmpfs {{.Target}}; echo hi > {{.Target}}/hello; exec sleep infinity' &`,
		Checks: []Check{
			{Name: "a process of yours has its own mount namespace with a tmpfs on the target",
				Hint: "unshare --mount sh, then inside: mount -t tmpfs tmpfs {{.Target}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					if ps := e.withMount(); len(ps) > 0 {
						return fmt.Sprintf("PID %d, mount namespace %d", ps[0], mustInode(ps[0], "mnt")), true, nil
					}
					n := len(e.studentProcs(func(p int) bool { return inOwnNS(p, "mnt") }))
					return fmt.Sprintf("%d process(es) of yours in a mount namespace of their own, none with a tmpfs on %s", n, e.Vars["Target"]), false, nil
				}},
			{Name: "the file hello is on that tmpfs",
				Hint: "inside the namespace: echo hi > {{.Target}}/hello",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					for _, p := range e.withMount() {
						if _, err := os.Stat(fmt.Sprintf("/proc/%d/root%s/hello", p, e.Vars["Target"])); err == nil {
							return "found through /proc/" + strconv.Itoa(p) + "/root", true, nil
						}
					}
					return "no hello on the tmpfs", false, nil
				}},
			{Name: "the host does not see the mount",
				Hint: "the mount propagated to the host: your namespace's / was shared with it. unshare --mount makes it private by default; with --propagation shared (or mount --make-shared) it leaks. umount {{.Target}} on the host and start again",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ms, err := mountsAt(0, e.Vars["Target"])
					if err != nil {
						return "", false, err
					}
					if len(ms) > 0 {
						return fmt.Sprintf("the host's mount table has %s on %s", ms[0].FSType, e.Vars["Target"]), false, nil
					}
					return "nothing mounted there in the host's table", true, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			_, err := e.spawn(ctx, unix.CLONE_NEWNS, "mnt", e.Vars["Target"])
			return err
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			out := killAll(e.withMount(), "holding a tmpfs on "+e.Vars["Target"])
			for i := 0; i < 8; i++ { // leaked mounts, possibly stacked
				ms, _ := mountsAt(0, e.Vars["Target"])
				if len(ms) == 0 {
					break
				}
				if err := unix.Unmount(e.Vars["Target"], unix.MNT_DETACH); err != nil {
					return out, fmt.Errorf("umount %s: %w", e.Vars["Target"], err)
				}
				out = append(out, "mount on "+e.Vars["Target"]+" (host)")
			}
			return out, nil
		},
		Residue: func(e *LabEnv) []string {
			var left []string
			for _, p := range e.withMount() {
				left = append(left, fmt.Sprintf("process %d", p))
			}
			if ms, _ := mountsAt(0, e.Vars["Target"]); len(ms) > 0 {
				left = append(left, "host mount on "+e.Vars["Target"])
			}
			return left
		},
	})

	registerLab(&Lab{
		ID: "ipc-shm", Title: "Shared memory the host cannot see", Lesson: "ipc",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Size": strconv.Itoa(shmSize(e.Student.Name))}, nil
		},
		Task: `In a new IPC namespace, create a System V shared-memory segment of exactly
**{{.Size}}** bytes (the size tells your segment from everyone else's), and
keep a process running in that namespace. ` + "`ipcs -m`" + ` on the host must not list it.`,
		Solution: `{{with .Export}}{{.}}
{{end}}unshare --ipc sh -c 'ipcmk -M {{.Size}}; exec sleep infinity' &`,
		Checks: []Check{
			{Name: "a process of yours has its own IPC namespace",
				Hint: "start a shell with unshare --ipc sh and keep it open: a namespace lives as long as something is in it",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ps := e.studentProcs(func(p int) bool { return inOwnNS(p, "ipc") })
					if len(ps) == 0 {
						return "none", false, nil
					}
					return fmt.Sprintf("PID %d in IPC namespace %d", ps[0], mustInode(ps[0], "ipc")), true, nil
				}},
			{Name: "a segment of the right size exists in it",
				Hint: "inside that shell: ipcmk -M {{.Size}}, then ipcs -m shows it",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					if ps := e.withSegment(); len(ps) > 0 {
						return fmt.Sprintf("found in the IPC namespace of PID %d", ps[0]), true, nil
					}
					return "no segment of " + e.Vars["Size"] + " bytes in your IPC namespaces", false, nil
				}},
			{Name: "the host's IPC namespace has no such segment",
				Hint: "you made one on the host: remove it with ipcrm -m SHMID (ipcs -m shows the id), then make it inside the new namespace",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ids, err := shmWithSize(atoi(e.Vars["Size"]))
					if err != nil {
						return "", false, err
					}
					if len(ids) > 0 {
						return fmt.Sprintf("the host has segment(s) %v of that size", ids), false, nil
					}
					return "none on the host", true, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			_, err := e.spawn(ctx, unix.CLONE_NEWIPC, "ipc", e.Vars["Size"])
			return err
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			out := killAll(e.withSegment(), "holding the lab's segment")
			ids, _ := shmWithSize(atoi(e.Vars["Size"]))
			for _, id := range ids {
				if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err == nil {
					out = append(out, fmt.Sprintf("shared-memory segment %d (host)", id))
				}
			}
			return out, nil
		},
		Residue: func(e *LabEnv) []string {
			var left []string
			for _, p := range e.withSegment() {
				left = append(left, fmt.Sprintf("process %d", p))
			}
			if ids, _ := shmWithSize(atoi(e.Vars["Size"])); len(ids) > 0 {
				left = append(left, fmt.Sprintf("host segments %v", ids))
			}
			return left
		},
	})
}

// withMount lists the student's processes in their own mount namespace
// with something mounted on the lab's target.
func (e *LabEnv) withMount() []int {
	if v, ok := e.cache["mount"]; ok {
		return v.([]int)
	}
	ps := e.studentProcs(func(p int) bool {
		if !inOwnNS(p, "mnt") {
			return false
		}
		ms, err := mountsAt(p, e.Vars["Target"])
		return err == nil && len(ms) > 0 && ms[len(ms)-1].FSType == "tmpfs"
	})
	e.cache["mount"] = ps
	return ps
}

// mountsAt returns the entries of pid's mount table (0: this process's)
// mounted on target.
//
// Shell equivalent: findmnt -N PID TARGET
func mountsAt(pid int, target string) ([]*mountinfo.Info, error) {
	return nsdemo.Mounts(pid, func(i *mountinfo.Info) (bool, bool) { return i.Mountpoint != target, false })
}

func mustInode(pid int, typ string) uint64 {
	n, _ := nsdemo.Inode(pid, typ)
	return n
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// shmSize is a size unlikely to be anyone else's: a page count from the
// student's name.
func shmSize(student string) int {
	h := fnv.New32a()
	h.Write([]byte("vitro-ipc-" + student))
	return 4096 * int(101+h.Sum32()%899)
}

// shmWithSize lists the ids of segments of size bytes in the calling
// thread's IPC namespace.
//
// Shell equivalent: ipcs -m
func shmWithSize(size int) ([]int, error) {
	f, err := os.Open("/proc/sysvipc/shm")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// key shmid perms size cpid lpid nattch uid gid ...
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || fs[0] == "key" {
			continue
		}
		if atoi(fs[3]) == size {
			ids = append(ids, atoi(fs[1]))
		}
	}
	return ids, sc.Err()
}

// withSegment lists the student's processes whose own IPC namespace holds
// a segment of the lab's size.
func (e *LabEnv) withSegment() []int {
	if v, ok := e.cache["segment"]; ok {
		return v.([]int)
	}
	size := atoi(e.Vars["Size"])
	ps := e.studentProcs(func(p int) bool {
		if !inOwnNS(p, "ipc") {
			return false
		}
		var ids []int
		err := inNamespace(p, unix.CLONE_NEWIPC, func() (err error) {
			ids, err = shmWithSize(size)
			return err
		})
		return err == nil && len(ids) > 0
	})
	e.cache["segment"] = ps
	return ps
}
