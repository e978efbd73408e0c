package fsdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// VolumeCheck is one thing the volume demo tried, and what happened.
type VolumeCheck struct {
	Action string `json:"action"`
	Result string `json:"result"`
	// Expected is true when the kernel did what a volume promises.
	Expected bool `json:"expected"`
}

// VolumeResult is what `vitro fs volume` shows.
type VolumeResult struct {
	HostDir  string              `json:"host_dir"`
	PropDir  string              `json:"propagation_dir"`
	Volumes  []Volume            `json:"volumes"`
	Inside   []nsdemo.MountEntry `json:"inside"` // the volume mounts, as the container sees them
	Checks   []VolumeCheck       `json:"checks"`
	HostSees string              `json:"host_sees"` // the file the container wrote, read on the host
}

const volumeEntry = "fsdemo-volume"

func init() { registerChild(volumeEntry, volumeChild) }

// VolumeDemo binds a host directory into a busybox rootfs read-write
// (/data) and read-only (/data-ro), and a second one with rshared
// (/shared) and rprivate (/private) propagation; pivots into the rootfs;
// writes through each, and mounts a tmpfs under the second directory
// after the binds to show which of them sees it.
func VolumeDemo(ctx context.Context) (*VolumeResult, error) {
	dir, rootfs, cleanup, err := demoRootfs("volume")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &VolumeResult{HostDir: filepath.Join(dir, "volume"), PropDir: filepath.Join(dir, "propagation")}
	for _, d := range []string{res.HostDir, filepath.Join(res.PropDir, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(res.HostDir, "hello.txt"), []byte("written on the host\n"), 0o644); err != nil {
		return nil, err
	}
	for _, spec := range []string{
		res.HostDir + ":/data",
		res.HostDir + ":/data-ro:ro",
		res.PropDir + ":/shared:rshared",
		res.PropDir + ":/private:rprivate",
	} {
		v, err := ParseVolume(spec)
		if err != nil {
			return nil, err
		}
		res.Volumes = append(res.Volumes, v)
	}
	in := volumeInput{Rootfs: rootfs, Volumes: res.Volumes, PropDir: res.PropDir}
	var inside VolumeResult
	if err := runChild(ctx, volumeEntry, 0, in, &inside, nil); err != nil {
		return nil, err
	}
	res.Inside, res.Checks = inside.Inside, inside.Checks
	b, err := os.ReadFile(filepath.Join(res.HostDir, "from-container.txt"))
	if err != nil {
		res.HostSees = "nothing: " + err.Error()
	} else {
		res.HostSees = fmt.Sprintf("%s: %q", filepath.Join(res.HostDir, "from-container.txt"), strings.TrimSpace(string(b)))
	}
	return res, nil
}

type volumeInput struct {
	Rootfs  string
	Volumes []Volume
	PropDir string
}

func volumeChild(_ *reexec.Pipe, in json.RawMessage) (any, error) {
	var x volumeInput
	if err := decode(in, &x); err != nil {
		return nil, err
	}
	// For rshared to mean anything the source must itself be a shared
	// mount: make it one (docker refuses rshared on a private source).
	if err := Apply([]Mount{
		{Source: x.PropDir, Target: x.PropDir, Flags: unix.MS_BIND | unix.MS_REC},
		{Target: x.PropDir, Flags: unix.MS_SHARED},
	}); err != nil {
		return nil, err
	}
	var ms []Mount
	for _, v := range x.Volumes {
		ms = append(ms, v.Mounts(x.Rootfs)...)
	}
	if err := Apply(ms); err != nil {
		return nil, err
	}
	// A mount made at the source after the binds. Here the demo's own
	// namespace stands in for the host, whose mount table is not touched.
	sub := filepath.Join(x.PropDir, "sub")
	if err := Apply([]Mount{{Source: "tmpfs", Target: sub, Type: "tmpfs", Data: "size=1m"}}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(sub, "late.txt"), []byte("mounted after the bind\n"), 0o644); err != nil {
		return nil, err
	}
	// /proc, to read the mount table from inside.
	if err := Apply(ContainerMounts(x.Rootfs)[:1]); err != nil {
		return nil, err
	}
	if err := PivotRoot(x.Rootfs); err != nil {
		return nil, err
	}
	return volumeChecks(x.Volumes)
}

// volumeChecks runs inside the container, after pivot_root: it writes
// and reads through each volume and lists the volumes' mounts.
func volumeChecks(volumes []Volume) (*VolumeResult, error) {
	res := &VolumeResult{}
	table, err := nsdemo.MountTable(0)
	if err != nil {
		return nil, err
	}
	for _, m := range table {
		for _, v := range volumes {
			if m.Mountpoint == v.Destination || strings.HasPrefix(m.Mountpoint, v.Destination+"/") {
				res.Inside = append(res.Inside, m)
				break
			}
		}
	}
	check := func(action, result string, expected bool) {
		trace.Action("check", trace.Str("action", action), trace.Str("result", result))
		res.Checks = append(res.Checks, VolumeCheck{action, result, expected})
	}
	err = os.WriteFile("/data/from-container.txt", []byte("written in the container\n"), 0o644)
	check("write /data/from-container.txt (rw)", resultText(err), err == nil)
	b, err := os.ReadFile("/data-ro/hello.txt")
	check("read /data-ro/hello.txt (ro)", readText(b, err), err == nil)
	err = os.WriteFile("/data-ro/x.txt", []byte("x"), 0o644)
	check("write /data-ro/x.txt (ro)", resultText(err), errors.Is(err, unix.EROFS))
	b, err = os.ReadFile("/shared/sub/late.txt")
	check("read /shared/sub/late.txt (rshared; tmpfs mounted at the source after the bind)", readText(b, err), err == nil)
	b, err = os.ReadFile("/private/sub/late.txt")
	check("read /private/sub/late.txt (rprivate; same tmpfs)", readText(b, err), errors.Is(err, os.ErrNotExist))
	return res, nil
}

func resultText(err error) string {
	if err == nil {
		return "ok"
	}
	return "failed: " + errnoText(err)
}

func readText(b []byte, err error) string {
	if err != nil {
		return "failed: " + errnoText(err)
	}
	return fmt.Sprintf("%q", strings.TrimSpace(string(b)))
}
