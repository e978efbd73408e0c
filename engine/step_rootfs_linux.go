package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
)

// rootfs is step 3: a read-write layer (upper) over the image's read-only
// layers (lowers), merged by overlayfs; the container's /proc, /dev and
// /sys; the volumes; then pivot_root into it. The parent plans the mounts
// as data and traces them; init, in the container's mount namespace,
// applies them, so none of them ever appears in the host's mount table.
func (r *run) rootfs(ctx context.Context) error {
	c := r.c
	rfs, err := r.rootfsDirs()
	if err != nil {
		return err
	}
	upper, work, merged := rfs.Upper, rfs.Work, rfs.Merged
	ov, err := fsdemo.Overlay(r.img.Layers, upper, work, merged)
	if err != nil {
		return err
	}
	c.Rootfs = Rootfs{Driver: "overlay2", Lowers: r.img.Layers, Upper: upper, Work: work, Merged: merged}
	trace.Action("overlay", trace.Int("lowers", int64(len(r.img.Layers))), trace.Str("upper", upper), trace.Str("work", work), trace.Str("merged", merged))

	mounts := []fsdemo.Mount{ov}
	mounts = append(mounts, fsdemo.ContainerMounts(merged)...)
	for _, spec := range r.o.Volumes {
		v, err := fsdemo.ParseVolume(spec)
		if err != nil {
			return err
		}
		mounts = append(mounts, v.Mounts(merged)...)
	}
	// Init applies the plan with fsdemo.Apply, which traces each mount
	// and its mount(8) equivalent; the events cross the sync socket into
	// this process's trace (internal/reexec).
	spec := rootfsSpec{
		Mounts: mounts, Root: merged, Hostname: c.Config.Hostname, RootRO: r.o.ReadOnly,
	}
	devs, err := resolveDevices(r.o)
	if err != nil {
		return err
	}
	spec.Devices = devs.Nodes
	if !r.o.Privileged {
		spec.Masked, spec.ReadOnly = fsdemo.MaskedPaths, fsdemo.ReadOnlyPaths
	}
	if err := r.sync.Send(msgRootfs, spec); err != nil {
		return err
	}
	var ready rootfsReady
	if err := r.expect(msgRootfsReady, &ready); err != nil {
		return err
	}
	if trace.Enabled(trace.Kernel) {
		ms, err := nsdemo.ParseMountTable(strings.NewReader(ready.Mountinfo))
		if err != nil {
			trace.KernelEvent("mountinfo (inside)", trace.Str("error", err.Error()))
		}
		for _, m := range ms {
			trace.KernelEvent("mountinfo (inside)", trace.Int("id", int64(m.ID)), trace.Str("mountpoint", m.Mountpoint),
				trace.Str("fstype", m.FSType), trace.Str("source", m.Source), trace.Str("options", m.Options), trace.Str("propagation", m.Propagation))
		}
	}
	trace.Action("pivot_root", trace.Str("new root", merged), trace.Int("mounts inside", int64(strings.Count(ready.Mountinfo, "\n"))))
	if r.o.Tty {
		if err := r.receiveConsole(); err != nil {
			return err
		}
		trace.Action("terminal", trace.Str("slave", "/dev/pts/0 of the container's devpts"), trace.Str("master", "passed to vitro over the sync socket (SCM_RIGHTS)"))
	}
	return r.e.Containers.Save(c)
}

// rootfsDirs makes the container's upper, work and merged directories
// (kept across restarts: the upper directory is the container's writes).
func (r *run) rootfsDirs() (Rootfs, error) {
	dir := r.e.Containers.DirOf(r.c.ID)
	rfs := Rootfs{Driver: "overlay2", Lowers: r.img.Layers, Upper: filepath.Join(dir, "upper"),
		Work: filepath.Join(dir, "work"), Merged: filepath.Join(dir, "merged")}
	for _, d := range []string{rfs.Upper, rfs.Work, rfs.Merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return rfs, err
		}
	}
	r.c.Rootfs = rfs
	return rfs, r.e.Containers.Save(r.c)
}

// expect receives the next message from init, turning its failure report
// into an error that carries docker's exit status.
func (r *run) expect(typ string, out any) error {
	m, err := r.sync.Receive()
	if err != nil {
		return fmt.Errorf("container init: %w", err)
	}
	if m.Type == msgFailed {
		var ee execError
		decode(m.Data, &ee)
		return &StepError{Step: r.currentStep(typ), Name: steps[r.currentStep(typ)-1].name, Err: fmt.Errorf("%s", ee.Msg), Code: ee.Code}
	}
	if m.Type != typ {
		return fmt.Errorf("container init said %q, want %q", m.Type, typ)
	}
	if out != nil {
		return decode(m.Data, out)
	}
	return nil
}

func (r *run) currentStep(waitingFor string) int {
	if waitingFor == msgRootfsReady {
		return 3
	}
	return 6
}
