package fsdemo

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// StorageRow is one storage driver's cost for N containers.
type StorageRow struct {
	Driver     string        `json:"driver"` // vfs or overlay2
	Containers int           `json:"containers"`
	Time       time.Duration `json:"time_ns"`
	DiskBytes  int64         `json:"disk_bytes"`  // allocated blocks under its directories, hard links once
	StatfsUsed int64         `json:"statfs_used"` // change of the filesystem's used blocks, a cross-check
	Note       string        `json:"note"`
}

// StorageResult is what `vitro fs storage` shows.
type StorageResult struct {
	Image      string       `json:"image"`
	ImageBytes int64        `json:"image_bytes"`
	ImageFiles int          `json:"image_files"`
	Rows       []StorageRow `json:"rows"`
}

const storageEntry = "fsdemo-storage"

func init() { registerChild(storageEntry, storageChild) }

// StorageDemo makes n container root filesystems from one image twice:
// by copying the image n times (docker's vfs driver) and by n overlay
// mounts over the one image (overlay2), in a child with its own mount
// namespace, and measures the time and the disk each took. image ""
// builds a busybox rootfs.
func StorageDemo(ctx context.Context, n int, image string) (*StorageResult, error) {
	if n < 1 || n > 200 {
		return nil, fmt.Errorf("--count %d: want 1 to 200 containers", n)
	}
	dir, cleanup, err := demoDir("storage")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if image == "" {
		image = filepath.Join(dir, "image")
		if err := BuildRootfs(image); err != nil {
			return nil, err
		}
	} else if err := CheckRootfs(image); err != nil {
		return nil, err
	}
	res := &StorageResult{Image: image}
	if res.ImageBytes, res.ImageFiles, err = diskUsage(image); err != nil {
		return nil, err
	}
	if err := runChild(ctx, storageEntry, 0, storageInput{Image: image, Dir: dir, N: n}, &res.Rows, nil); err != nil {
		return nil, err
	}
	return res, nil
}

type storageInput struct {
	Image, Dir string
	N          int
}

func storageChild(_ *reexec.Pipe, in json.RawMessage) (any, error) {
	var x storageInput
	if err := decode(in, &x); err != nil {
		return nil, err
	}
	var rows []StorageRow
	// vfs: every container gets a full copy of the image.
	vfs := filepath.Join(x.Dir, "vfs")
	used0 := fsUsed(x.Dir)
	start := time.Now()
	for i := range x.N {
		if err := copyTree(x.Image, filepath.Join(vfs, fmt.Sprint(i))); err != nil {
			return nil, err
		}
	}
	row := StorageRow{Driver: "vfs (full copy)", Containers: x.N, Time: time.Since(start), StatfsUsed: fsUsed(x.Dir) - used0,
		Note: "each container has its own copy: disk grows with N × image"}
	var err error
	if row.DiskBytes, _, err = diskUsage(vfs); err != nil {
		return nil, err
	}
	rows = append(rows, row)
	// overlay2: the image is shared read-only; each container adds an
	// empty upper and work dir, and a mount.
	ov := filepath.Join(x.Dir, "overlay")
	used0 = fsUsed(x.Dir)
	start = time.Now()
	for i := range x.N {
		c := filepath.Join(ov, fmt.Sprint(i))
		upper, work, merged := filepath.Join(c, "upper"), filepath.Join(c, "work"), filepath.Join(c, "merged")
		for _, d := range []string{upper, work, merged} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
		m, err := Overlay([]string{x.Image}, upper, work, merged)
		if err != nil {
			return nil, err
		}
		if err := Apply([]Mount{m}); err != nil {
			return nil, err
		}
	}
	row = StorageRow{Driver: "overlay2 (shared layers)", Containers: x.N, Time: time.Since(start), StatfsUsed: fsUsed(x.Dir) - used0,
		Note: "one image on disk for all; each container adds an upper dir that grows only with its own writes"}
	// Count only the containers' own dirs, not through the mounts.
	for i := range x.N {
		for _, d := range []string{"upper", "work"} {
			b, _, err := diskUsage(filepath.Join(ov, fmt.Sprint(i), d))
			if err != nil {
				return nil, err
			}
			row.DiskBytes += b
		}
	}
	rows = append(rows, row)
	return rows, nil
}

// diskUsage is du: the blocks allocated to files under dir (st_blocks ×
// 512), each hard-linked inode once, not crossing into other mounts.
func diskUsage(dir string) (int64, int, error) {
	var root unix.Stat_t
	if err := unix.Lstat(dir, &root); err != nil {
		return 0, 0, fmt.Errorf("du %s: %w", dir, err)
	}
	seen := map[uint64]bool{}
	var total int64
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Dev != root.Dev {
			return filepath.SkipDir
		}
		if seen[st.Ino] {
			return nil
		}
		seen[st.Ino] = true
		total += st.Blocks * 512
		files++
		return nil
	})
	return total, files, err
}

// fsUsed is the used bytes of the filesystem holding dir (statfs).
func fsUsed(dir string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0
	}
	unix.Sync()
	unix.Statfs(dir, &st)
	return int64(st.Blocks-st.Bfree) * st.Bsize
}

// copyTree copies src to dst as the vfs driver does: every file, link
// and directory, with modes.
func copyTree(src, dst string) error {
	trace.KernelEvent("copy", trace.Str("from", src), trace.Str("to", dst))
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			return os.MkdirAll(t, fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, t)
		case fi.Mode().IsRegular():
			return copyFile(p, t, fi.Mode().Perm())
		}
		return nil // devices, sockets: not in a demo image
	})
}
