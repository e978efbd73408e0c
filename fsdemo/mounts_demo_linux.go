package fsdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// PathCheck is one masked or read-only path, inside and on the host.
type PathCheck struct {
	Path   string `json:"path"`
	Rule   string `json:"rule"` // masked or read-only
	Inside string `json:"inside"`
	Host   string `json:"host"`
	Why    string `json:"why"`
	// Protected is true when the container could neither read (masked)
	// nor write (read-only) it, or it does not exist there.
	Protected bool `json:"protected"`
}

// MountsResult is what `vitro fs mounts` shows.
type MountsResult struct {
	Inside           []nsdemo.MountEntry `json:"inside"`  // the container's mount table
	Devices          []string            `json:"devices"` // its /dev
	Paths            []PathCheck         `json:"paths"`
	Processes        [2]int              `json:"processes"` // PIDs in /proc: inside, host
	HostMountsBefore int                 `json:"host_mounts_before"`
	HostMountsDuring int                 `json:"host_mounts_during"` // while the container's mounts were all up
	HostMountsAfter  int                 `json:"host_mounts_after"`
	// HostSawDemo lists the host's mounts under the demo's directory,
	// read while the container's mounts were up: none, if the mount
	// namespace did its job.
	HostSawDemo       []string `json:"host_saw_demo"`
	HostUntouched     bool     `json:"host_untouched"`
	SysWritableInside string   `json:"sys_writable_inside"`
}

const mountsEntry = "fsdemo-mounts"

// sysctlProbe is a file under /proc/sys that every kernel has; it is
// opened for writing and closed, never written.
const sysctlProbe = "/proc/sys/kernel/hostname"

func init() { registerChild(mountsEntry, mountsChild) }

// MountsDemo starts a child in new mount and PID namespaces, gives it
// the standard container mounts, pivots into a busybox rootfs and applies
// docker's masked and read-only paths; then checks each path inside and
// on the host, and that the host's mount table did not change.
func MountsDemo(ctx context.Context) (*MountsResult, error) {
	dir, rootfs, cleanup, err := demoRootfs("mounts")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	before, err := nsdemo.MountTable(0)
	if err != nil {
		return nil, err
	}
	var during []nsdemo.MountEntry
	onStep := func(_, _ int) error {
		during, err = nsdemo.MountTable(0)
		return err
	}
	var res MountsResult
	if err := runChild(ctx, mountsEntry, unix.CLONE_NEWPID, rootfs, &res, onStep); err != nil {
		return nil, err
	}
	after, err := nsdemo.MountTable(0)
	if err != nil {
		return nil, err
	}
	res.HostMountsBefore, res.HostMountsDuring, res.HostMountsAfter = len(before), len(during), len(after)
	// Other programs may mount and unmount on the host meanwhile; what
	// must never appear there is a mount of ours.
	for _, m := range during {
		if m.Mountpoint == dir || strings.HasPrefix(m.Mountpoint, dir+"/") {
			res.HostSawDemo = append(res.HostSawDemo, m.Mountpoint)
		}
	}
	res.HostUntouched = during != nil && len(res.HostSawDemo) == 0
	for i := range res.Paths {
		res.Paths[i].Host = probePath(res.Paths[i].Path, res.Paths[i].Rule)
	}
	res.Processes[1] = countPIDs()
	return &res, nil
}

func mountsChild(p *reexec.Pipe, in json.RawMessage) (any, error) {
	var rootfs string
	if err := decode(in, &rootfs); err != nil {
		return nil, err
	}
	if err := Apply(ContainerMounts(rootfs)); err != nil {
		return nil, err
	}
	if err := CreateDevSymlinks(rootfs); err != nil {
		return nil, err
	}
	if err := PivotRoot(rootfs); err != nil {
		return nil, err
	}
	if err := Apply(MaskPaths(MaskedPaths)); err != nil {
		return nil, err
	}
	if err := Apply(ReadOnlyMounts(ReadOnlyPaths)); err != nil {
		return nil, err
	}
	// Everything is mounted: let the parent look at the host's table now.
	if err := waitStep(p, 1); err != nil {
		return nil, err
	}
	var res MountsResult
	var err error
	if res.Inside, err = nsdemo.MountTable(0); err != nil {
		return nil, err
	}
	entries, _ := os.ReadDir("/dev")
	for _, e := range entries {
		res.Devices = append(res.Devices, devDescription("/dev/"+e.Name()))
	}
	for _, p := range MaskedPaths {
		out := probePath(p, "masked")
		res.Paths = append(res.Paths, PathCheck{Path: p, Rule: "masked", Inside: out, Why: PathReason(p), Protected: isProtected(out)})
	}
	for _, p := range append(ReadOnlyPaths, sysctlProbe) {
		out := probePath(p, "read-only")
		why := PathReason(p)
		if p == sysctlProbe {
			why = "a file under /proc/sys: opening it for writing shows the read-only bind at work"
		}
		res.Paths = append(res.Paths, PathCheck{Path: p, Rule: "read-only", Inside: out, Why: why, Protected: isProtected(out)})
	}
	res.SysWritableInside = accessW("/sys/kernel")
	res.Processes[0] = countPIDs()
	return &res, nil
}

// probePath reads a masked path (how much can be read?) or tries to open
// a read-only one for writing. Nothing is ever written: on the host,
// /proc/sysrq-trigger is opened and closed, never written to.
func probePath(p, rule string) string {
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return absent
	}
	if err != nil {
		return err.Error()
	}
	if rule == "read-only" {
		if st.IsDir() {
			// access(W_OK) on a /proc directory answers EACCES before it
			// looks at the mount; the mount's own flag is the evidence.
			var fs unix.Statfs_t
			if err := unix.Statfs(p, &fs); err != nil {
				return "statfs: " + errnoText(err)
			}
			if fs.Flags&unix.ST_RDONLY != 0 {
				return "read-only mount (statfs: ST_RDONLY)"
			}
			return "read-write mount"
		}
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return "open for writing: " + errnoText(err)
		}
		f.Close()
		return "writable (opened for writing, nothing written)"
	}
	if st.IsDir() {
		es, err := os.ReadDir(p)
		if err != nil {
			return "list: " + errnoText(err)
		}
		return fmt.Sprintf("%d entries", len(es))
	}
	f, err := os.Open(p)
	if err != nil {
		return "read: " + errnoText(err)
	}
	defer f.Close()
	n, err := io.ReadFull(f, make([]byte, 64))
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return "reads 0 bytes"
	case n == 64:
		return "reads 64+ bytes"
	case err != nil && err != io.ErrUnexpectedEOF:
		return fmt.Sprintf("read: %s", errnoText(err))
	}
	return fmt.Sprintf("reads %d bytes", n)
}

func accessW(p string) string {
	if err := unix.Access(p, unix.W_OK); err != nil {
		return "write access: " + errnoText(err)
	}
	return "writable"
}

// absent: this kernel does not have the path (kcore and sysrq-trigger
// are build options), inside or out.
const absent = "absent (not in this kernel)"

func isProtected(s string) bool {
	switch s {
	case absent, "reads 0 bytes", "0 entries", "read-only mount (statfs: ST_RDONLY)",
		"write access: EROFS (read-only file system)", "open for writing: EROFS (read-only file system)":
		return true
	}
	return false
}

// errnoText names the errno, the way a lesson should: EROFS (read-only file system).
func errnoText(err error) string {
	if err == nil {
		return "ok"
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		return unix.ErrnoName(en) + " (" + en.Error() + ")"
	}
	return err.Error()
}

func devDescription(p string) string {
	st, err := os.Lstat(p)
	if err != nil {
		return p + ": " + err.Error()
	}
	name := filepath.Base(p)
	switch {
	case st.Mode()&os.ModeSymlink != 0:
		t, _ := os.Readlink(p)
		return name + " -> " + t
	case st.Mode()&os.ModeCharDevice != 0:
		rdev := st.Sys().(*syscall.Stat_t).Rdev
		return fmt.Sprintf("%s c %d:%d", name, unix.Major(rdev), unix.Minor(rdev))
	case st.IsDir():
		return name + "/"
	}
	return name
}

func countPIDs() int {
	es, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range es {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			n++
		}
	}
	return n
}
