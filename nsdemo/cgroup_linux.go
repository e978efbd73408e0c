package nsdemo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// CgroupResult is the cgroup namespace demo: /proc/self/cgroup reads "/"
// inside, the real path outside.
type CgroupResult struct {
	Result
	Hierarchy  string   `json:"hierarchy"`  // the mounted hierarchy used, e.g. /sys/fs/cgroup/unified
	Cgroup     string   `json:"cgroup"`     // the cgroup made for the demo, relative to the hierarchy
	HostView   []string `json:"hostView"`   // /proc/<child>/cgroup read by the host
	InsideView []string `json:"insideView"` // /proc/self/cgroup read by the child
}

// Compare puts the host's reading of the child's cgroups beside its own.
func (r *CgroupResult) Compare() []Row {
	rows := []Row{}
	for i := range r.HostView {
		in := ""
		if i < len(r.InsideView) {
			in = r.InsideView[i]
		}
		rows = append(rows, Row{"/proc/<pid>/cgroup", r.HostView[i], in})
	}
	return rows
}

// Tables lays the result out for people.
func (r *CgroupResult) Tables() []table.Table { return tables(r) }

func init() { reexec.Register("nsdemo-cgroup", cgroupChild) }

// Cgroup makes a cgroup, puts a child in it while it waits, then the child
// unshares a cgroup namespace: the namespace's root is the cgroup the
// process is in at that moment, so every path it reads starts at "/".
// (clone(CLONE_NEWCGROUP) would root the namespace at the parent's
// cgroup, before the child could be moved; that is why the child unshares
// and re-executes itself, as unshare(1) does.)
//
// Shell equivalent:
//
//	mkdir /sys/fs/cgroup/vitro/demo; echo $$ > /sys/fs/cgroup/vitro/demo/cgroup.procs
//	unshare --cgroup cat /proc/self/cgroup
func Cgroup(ctx context.Context, opts Options) (*CgroupResult, error) {
	hier, err := cgroupHierarchy()
	if err != nil {
		return nil, err
	}
	parent, ownParent := opts.CgroupParent, true
	if parent == "" {
		parent, ownParent = "vitro", false // shared with other demos: left in place, like docker's docker/
	}
	rel := filepath.Join("/", parent, fmt.Sprintf("nsdemo-%d", os.Getpid()))
	dir := filepath.Join(hier, rel)
	if !strings.HasPrefix(dir, hier+"/") {
		return nil, fmt.Errorf("cgroup parent %q: must stay below %s", parent, hier)
	}
	r := &CgroupResult{Hierarchy: hier, Cgroup: rel}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating cgroup %s: %w", dir, err)
	}
	s, err := start(ctx, "cgroup", 0, &r.Result, opts)
	if err != nil {
		removeCgroup(hier, dir, ownParent)
		return nil, err
	}
	s.onCleanup(func() { removeCgroup(hier, dir, ownParent) }) // after the child is reaped
	defer s.stop()
	s.did("mkdir", dir)
	procs := filepath.Join(dir, "cgroup.procs")
	if err := os.WriteFile(procs, []byte(strconv.Itoa(r.ChildPID)), 0); err != nil {
		return nil, fmt.Errorf("moving PID %d into %s: %w", r.ChildPID, procs, err)
	}
	s.did("write cgroup.procs", fmt.Sprintf("%d > %s", r.ChildPID, procs))

	if err := s.handshake(nil, &r.InsideView); err != nil {
		return nil, err
	}
	r.HostView = lines(readString(fmt.Sprintf("/proc/%d/cgroup", r.ChildPID)))
	r.Shell = []string{
		fmt.Sprintf("mkdir %s; echo $$ > %s", dir, procs),
		"unshare --cgroup cat /proc/self/cgroup   # every path reads /",
		"cat /proc/self/cgroup   # outside: " + rel,
	}
	return r, s.finish(r, nil)
}

func cgroupChild() {
	c := newChild()
	c.expectGo(nil)
	if !c.inStage2() {
		// The parent has moved this process into the demo's cgroup.
		runtime.LockOSThread()
		c.check("unshare(CLONE_NEWCGROUP)", unix.Unshare(unix.CLONE_NEWCGROUP))
		c.did("unshare", "CLONE_NEWCGROUP (on one locked thread), then execve keeps that thread's namespaces")
		c.reexecAfterUnshare(nil)
	}
	c.ready(lines(readString("/proc/self/cgroup")))
	c.serve(nil)
}

// cgroupHierarchy returns the mount point of the cgroup v2 hierarchy, or
// of the first v1 hierarchy when there is no v2.
func cgroupHierarchy() (string, error) {
	ms, err := MountTable(0)
	if err != nil {
		return "", err
	}
	v1 := ""
	for _, m := range ms {
		switch {
		case m.FSType == "cgroup2":
			return m.Mountpoint, nil
		case m.FSType == "cgroup" && v1 == "":
			v1 = m.Mountpoint
		}
	}
	if v1 == "" {
		return "", errors.New("no cgroup hierarchy is mounted (see vitro check)")
	}
	return v1, nil
}

// removeCgroup removes the demo's cgroup, and its parent when the caller
// chose one (and it is now empty). The kernel may take a moment to see the
// last process gone.
func removeCgroup(hier, dir string, parent bool) {
	for i := 0; i < 50; i++ {
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p := filepath.Dir(dir); parent && p != hier {
		unix.Rmdir(p)
	}
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func lines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}
