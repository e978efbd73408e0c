package lessons

import (
	"context"
	"strings"

	"github.com/vitro-dev/vitro/fsdemo"
)

// Live steps from fsdemo: root filesystems and union filesystems.

func init() {
	register(Demo{Name: "fs.chroot-escape", Summary: "a root process walks out of a chroot; after pivot_root it cannot",
		Command: "vitro fs chroot-escape", Run: runChrootEscape})
	register(Demo{Name: "fs.pivot-root", Summary: "pivot_root step by step, with the mount table after each step",
		Command: "vitro fs pivot-root", Run: runPivotRoot,
		Shell: "unshare --mount sh -c 'mount --make-rprivate /; mount --bind R R; cd R\n  pivot_root . .; mount --make-rslave .; umount -l .; exec /bin/sh'"})
	register(Demo{Name: "fs.overlay", Summary: "an overlay: copy-up, a whiteout, an opaque directory, and the layer they make",
		Command: "vitro fs overlay", Run: runOverlay,
		Shell: "mount -t overlay overlay -o lowerdir=L2:L1,upperdir=U,workdir=W M\necho x >> M/file-from-L1     # copy-up into U\nrm M/other-file               # whiteout: a 0/0 character device in U\nrm -r M/dir; mkdir M/dir      # opaque: trusted.overlay.opaque=y on U/dir"})
	register(Demo{Name: "fs.storage", Summary: "N root filesystems by full copy (vfs) and by overlay: disk and time",
		Command: "vitro fs storage", Run: runStorage})
	register(Demo{Name: "fs.mounts", Summary: "a container's standard mounts; masked and read-only paths of /proc and /sys",
		Command: "vitro fs mounts", Run: runMounts})
}

func runChrootEscape(ctx context.Context, _ Options) (Result, error) {
	r, err := fsdemo.ChrootEscape(ctx)
	if err != nil {
		return nil, err
	}
	m := measure("fs.chroot-escape", r)
	esc := map[string]bool{}
	for _, a := range r.Attempts {
		esc[a.Method] = a.Escaped
	}
	m.shell = []string{"chroot ROOTFS sh   # then: mkdir x; chroot x; cd ../../..; chroot .",
		"unshare --mount sh -c 'mount --bind ROOTFS ROOTFS; cd ROOTFS; pivot_root . .; umount -l .; exec chroot . sh'"}
	m.fact(esc["chroot"], "the root process escaped the chroot", "chroot escaped: %v", esc["chroot"])
	_, hasPivot := esc["pivot_root"]
	m.fact(hasPivot && !esc["pivot_root"], "the same attempt fails after pivot_root", "pivot_root escaped: %v", esc["pivot_root"])
	return m, nil
}

func runPivotRoot(ctx context.Context, _ Options) (Result, error) {
	r, err := fsdemo.PivotRootDemo(ctx, "")
	if err != nil {
		return nil, err
	}
	m := measure("fs.pivot-root", r)
	m.fact(len(r.After) < len(r.Before) && len(r.After) > 0, "the host's mounts are gone from the new root's table", "%d entries before, %d after", len(r.Before), len(r.After))
	m.fact(len(r.Root) > 0, "/ now holds the new root's files", "%s", strings.Join(r.Root, " "))
	return m, nil
}

func runOverlay(ctx context.Context, _ Options) (Result, error) {
	r, err := fsdemo.OverlayDemo(ctx)
	if err != nil {
		return nil, err
	}
	m := measure("fs.overlay", r)
	kinds := map[string]int{}
	for _, e := range r.Layer {
		kinds[e.Type]++
	}
	m.fact(kinds["whiteout"] > 0, "deleting a lower file left a whiteout in the upper dir", "%d whiteout entries", kinds["whiteout"])
	m.fact(kinds["opaque"] > 0, "recreating a deleted directory made it opaque", "%d opaque entries", kinds["opaque"])
	m.fact(kinds["file"] > 0, "changed and new files are copied up into the upper dir", "%d file entries", kinds["file"])
	return m, nil
}

func runStorage(ctx context.Context, o Options) (Result, error) {
	n, err := o.Int("containers", 3)
	if err != nil {
		return nil, err
	}
	r, err := fsdemo.StorageDemo(ctx, n, "")
	if err != nil {
		return nil, err
	}
	m := measure("fs.storage", r)
	disk := map[string]int64{}
	for _, row := range r.Rows {
		disk[strings.Fields(row.Driver)[0]] = row.DiskBytes
	}
	m.fact(disk["overlay2"] > 0 && disk["overlay2"] < disk["vfs"], "overlay uses less disk than full copies", "vfs %d bytes, overlay2 %d bytes", disk["vfs"], disk["overlay2"])
	return m, nil
}

func runMounts(ctx context.Context, _ Options) (Result, error) {
	r, err := fsdemo.MountsDemo(ctx)
	if err != nil {
		return nil, err
	}
	m := measure("fs.mounts", r)
	protected := 0
	for _, p := range r.Paths {
		if p.Protected {
			protected++
		}
	}
	m.fact(protected == len(r.Paths) && protected > 0, "every masked and read-only path is protected inside", "%d of %d", protected, len(r.Paths))
	m.fact(r.HostUntouched, "the host's mount table is untouched", "%d mounts before, %d after", r.HostMountsBefore, r.HostMountsAfter)
	return m, nil
}
