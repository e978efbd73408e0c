package nsdemo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// MntResult is the mount demo: a tmpfs mounted inside exists only in the
// child's mount table.
type MntResult struct {
	Result
	Target              string      `json:"target"`              // where the tmpfs is mounted (an empty directory on the host)
	HostRootPropagation string      `json:"hostRootPropagation"` // "/" on the host
	RootPropagationCopy string      `json:"rootPropagationCopy"` // "/" as the child found it: the host's propagation, copied
	RootPropagation     string      `json:"rootPropagation"`     // after mount --make-rprivate /
	InsideMount         *MountEntry `json:"insideMount"`         // the tmpfs in the child's /proc/self/mountinfo
	HostMount           *MountEntry `json:"hostMount"`           // the same path in the host's mountinfo: nil
	InsideFiles         []string    `json:"insideFiles"`         // the target directory seen inside
	HostFiles           []string    `json:"hostFiles"`           // the same directory seen on the host: empty
	InsideMountCount    int         `json:"insideMountCount"`
	HostMountCount      int         `json:"hostMountCount"`
}

// Compare puts the host's mount table beside the child's.
func (r *MntResult) Compare() []Row {
	show := func(m *MountEntry) string {
		if m == nil {
			return "(not mounted)"
		}
		return fmt.Sprintf("%s on %s (id %d, %s)", m.FSType, m.Mountpoint, m.ID, m.Propagation)
	}
	return []Row{
		{"propagation of /", r.HostRootPropagation, r.RootPropagationCopy + " (copied) → " + r.RootPropagation},
		{"mountinfo entry for " + r.Target, show(r.HostMount), show(r.InsideMount)},
		{"files in " + r.Target, fmt.Sprint(r.HostFiles), fmt.Sprint(r.InsideFiles)},
		{"mounts in the table", fmt.Sprint(r.HostMountCount), fmt.Sprint(r.InsideMountCount)},
	}
}

// Tables lays the result out for people.
func (r *MntResult) Tables() []table.Table { return tables(r) }

type mntGo struct{ Target string }

type mntInside struct {
	Before, After string
	Mount         *MountEntry
	Files         []string
	Count         int
}

func init() { reexec.Register("nsdemo-mnt", mntChild) }

// Mnt starts a child in a new mount namespace that makes its mounts
// private and mounts a tmpfs on a directory vitro made on the host.
//
// Shell equivalent:
//
//	unshare --mount --propagation private --fork sh -c 'mount -t tmpfs tmpfs DIR; grep DIR /proc/self/mountinfo'
func Mnt(ctx context.Context, opts Options) (*MntResult, error) {
	r := &MntResult{}
	s, err := start(ctx, "mnt", unix.CLONE_NEWNS, &r.Result, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	// The child waits for "go": make its mount point now. The tmpfs will
	// live in the child's namespace and die with it; only the empty
	// directory is the host's to remove.
	dir, err := os.MkdirTemp("", "vitro-ns-mnt-")
	if err != nil {
		return nil, fmt.Errorf("making the mount point: %w", err)
	}
	s.onCleanup(func() { os.Remove(dir) })
	r.Target = dir
	s.did("mkdir", dir)

	var in mntInside
	if err := s.handshake(mntGo{Target: dir}, &in); err != nil {
		return nil, err
	}
	r.RootPropagationCopy, r.RootPropagation = in.Before, in.After
	r.InsideMount, r.InsideFiles, r.InsideMountCount = in.Mount, in.Files, in.Count
	host, err := MountTable(0)
	if err != nil {
		return nil, err
	}
	r.HostMountCount = len(host)
	if m, ok := FindMount(host, "/"); ok {
		r.HostRootPropagation = m.Propagation
	}
	if m, ok := FindMount(host, dir); ok {
		r.HostMount = &m
	}
	r.HostFiles = listDir(dir)
	r.Shell = []string{
		fmt.Sprintf("unshare --mount --propagation private --fork sh -c 'mount -t tmpfs tmpfs %s; grep %s /proc/self/mountinfo'", dir, dir),
		fmt.Sprintf("grep %s /proc/self/mountinfo   # on the host: nothing", dir),
		"findmnt -o TARGET,PROPAGATION /   # why private first: a shared / would copy the mount to the host",
	}
	return r, s.finish(r, nil)
}

func mntChild() {
	c := newChild()
	var g mntGo
	c.expectGo(&g)
	before := rootPropagation(c)
	// The new namespace starts as a copy of the host's, and that copy
	// keeps the propagation of each mount: on a systemd host / is
	// "shared", so a mount made below it here would be propagated to the
	// host's peer. Making everything private first cuts that link.
	c.check("mount --make-rprivate /", unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""))
	c.did("mount", `"" on / flags=MS_REC|MS_PRIVATE   (mount --make-rprivate /)`)
	after := rootPropagation(c)
	c.check("mount tmpfs", unix.Mount("tmpfs", g.Target, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0755"))
	c.did("mount", fmt.Sprintf("tmpfs on %s type tmpfs flags=MS_NOSUID|MS_NODEV data=size=1m,mode=0755", g.Target))
	c.check("writing a file", os.WriteFile(filepath.Join(g.Target, "hello"), []byte("written inside the mount namespace\n"), 0o644))
	c.did("write", filepath.Join(g.Target, "hello"))
	ms, err := MountTable(0)
	c.check("reading mountinfo", err)
	in := mntInside{Before: before, After: after, Files: listDir(g.Target), Count: len(ms)}
	if m, ok := FindMount(ms, g.Target); ok {
		in.Mount = &m
	}
	c.ready(in)
	c.serve(nil)
}

func rootPropagation(c *child) string {
	ms, err := MountTable(0)
	c.check("reading mountinfo", err)
	m, ok := FindMount(ms, "/")
	if !ok {
		c.fail(fmt.Errorf("no / in /proc/self/mountinfo"))
	}
	return m.Propagation
}

func listDir(dir string) []string {
	es, _ := os.ReadDir(dir)
	names := []string{}
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
