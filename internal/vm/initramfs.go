package vm

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// File is a host file to put in the image.
type File struct {
	Src  string // path on the host
	Dst  string // absolute path in the guest, e.g. /vitro/bin/cgroupdemo.test
	Mode uint32 // permission bits; 0 means the source file's
}

// Initramfs is what goes into the guest's root filesystem. The kernel
// unpacks it into a tmpfs and runs /init from it; nothing is mounted or
// written on the host to build it.
type Initramfs struct {
	// Busybox is a statically linked busybox (Debian: busybox-static,
	// /bin/busybox). It becomes /bin/busybox and, through
	// `busybox --install`, every shell tool /init uses.
	Busybox string
	// Init is the text of /init (see Guest.InitScript).
	Init string
	// Tree, if set, is a host directory copied into the image's root as it
	// is: regular files, directories and symlinks.
	Tree string
	// Files are added after Tree.
	Files []File
	// ModulesDir is /lib/modules/<release> of the guest kernel; Modules
	// are copied from it (decompressed) to /lib/modules/<name>.ko.
	ModulesDir string
	Modules    []Module
}

// WriteTo writes the image as an uncompressed newc cpio archive, which
// the kernel accepts as an initrd as is.
func (ir *Initramfs) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	c := NewCpioWriter(cw)
	if err := ir.write(c); err != nil {
		return cw.n, err
	}
	err := c.Close()
	return cw.n, err
}

func (ir *Initramfs) write(c *CpioWriter) error {
	dirs := map[string]bool{}
	mkdirs := func(p string) error {
		var parts []string
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			parts = append(parts, d)
		}
		for i := len(parts) - 1; i >= 0; i-- {
			if !dirs[parts[i]] {
				dirs[parts[i]] = true
				if err := c.Dir(parts[i], 0o755); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, d := range []string{"/bin", "/dev", "/proc", "/sys", "/sys/fs", "/sys/fs/cgroup", "/tmp", "/lib", "/lib/modules", "/etc"} {
		dirs[d] = true
		if err := c.Dir(d, 0o755); err != nil {
			return err
		}
	}
	if err := c.CharDev("/dev/console", 0o600, 5, 1); err != nil {
		return err
	}
	if err := c.CharDev("/dev/null", 0o666, 1, 3); err != nil {
		return err
	}
	if ir.Busybox == "" {
		return fmt.Errorf("initramfs: no busybox given (apt-get install busybox-static: /bin/busybox)")
	}
	if err := addHostFile(c, ir.Busybox, "/bin/busybox", 0o755); err != nil {
		return err
	}
	if err := c.Symlink("/bin/sh", "busybox"); err != nil {
		return err
	}
	init := []byte(ir.Init)
	if err := c.File("/init", 0o755, int64(len(init)), bytes.NewReader(init)); err != nil {
		return err
	}
	if ir.Tree != "" {
		if err := addTree(c, ir.Tree, dirs); err != nil {
			return err
		}
	}
	for _, f := range ir.Files {
		if !path.IsAbs(f.Dst) || path.Clean(f.Dst) != f.Dst {
			return fmt.Errorf("initramfs: destination %q must be a clean absolute path", f.Dst)
		}
		if err := mkdirs(f.Dst); err != nil {
			return err
		}
		if err := addHostFile(c, f.Src, f.Dst, f.Mode); err != nil {
			return err
		}
	}
	for _, m := range ir.Modules {
		b, err := ReadModule(filepath.Join(ir.ModulesDir, m.Path))
		if err != nil {
			return fmt.Errorf("initramfs: kernel module %s: %w", m.Name, err)
		}
		if err := c.File(guestModulePath(m), 0o644, int64(len(b)), bytes.NewReader(b)); err != nil {
			return err
		}
	}
	return nil
}

func addHostFile(c *CpioWriter, src, dst string, mode uint32) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("initramfs: %s is not a regular file (%s)", src, st.Mode().Type())
	}
	if mode == 0 {
		mode = uint32(st.Mode().Perm())
	}
	return c.File(dst, mode, st.Size(), f)
}

// addTree copies a host directory into the image root, in lexical order
// so the same tree gives the same archive.
func addTree(c *CpioWriter, root string, dirs map[string]bool) error {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("initramfs: reading tree %s: %w", root, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		dst := "/" + filepath.ToSlash(rel)
		st, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("initramfs: %w", err)
		}
		switch {
		case st.IsDir():
			if !dirs[dst] {
				dirs[dst] = true
				err = c.Dir(dst, uint32(st.Mode().Perm()))
			}
		case st.Mode()&fs.ModeSymlink != 0:
			var target string
			if target, err = os.Readlink(p); err == nil {
				err = c.Symlink(dst, target)
			}
		case st.Mode().IsRegular():
			err = addHostFile(c, p, dst, 0)
		default:
			err = fmt.Errorf("initramfs: %s: unsupported file type %s", p, st.Mode().Type())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
