package fsdemo

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/trace"
)

// BusyboxPath is where Debian's busybox-static installs busybox.
const BusyboxPath = "/bin/busybox"

// busyboxApplets get a symlink in the demo rootfs's /bin.
var busyboxApplets = []string{"sh", "ls", "cat", "echo", "mkdir", "rm", "cp", "mv", "ln", "touch", "stat",
	"mount", "umount", "ps", "id", "hostname", "find", "grep", "head", "wc", "du", "df", "chroot", "env", "sleep", "true", "false"}

// BuildRootfs makes a tiny root filesystem in dir (which must exist and
// be empty or new) from the host's static busybox: /bin/busybox, a
// symlink per common applet, the usual empty top-level directories and a
// minimal /etc. It is what the demos run on, so they need no image.
func BuildRootfs(dir string) error {
	if err := checkStatic(BusyboxPath); err != nil {
		return err
	}
	trace.Action("build rootfs", trace.Str("dir", dir), trace.Str("from", BusyboxPath))
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root", "var", "usr/bin"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("building rootfs: %w", err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777|os.ModeSticky); err != nil {
		return fmt.Errorf("building rootfs: %w", err)
	}
	if err := copyFile(BusyboxPath, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return fmt.Errorf("building rootfs: %w", err)
	}
	for _, a := range busyboxApplets {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			return fmt.Errorf("building rootfs: %w", err)
		}
	}
	files := map[string]string{
		"etc/passwd":     "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":      "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
		"etc/hostname":   "vitro\n",
		"etc/os-release": "NAME=\"vitro busybox rootfs\"\nID=vitro\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("building rootfs: %w", err)
		}
	}
	return nil
}

// checkStatic refuses a busybox that needs a dynamic loader, which the
// rootfs would not have.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("building the demo rootfs: %s not found: install busybox-static (apt-get install busybox-static), or pass --rootfs DIR", path)
	}
	if err != nil {
		return fmt.Errorf("building the demo rootfs: %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("building the demo rootfs: %s is dynamically linked and would not run in a rootfs without its libraries: install busybox-static, or pass --rootfs DIR", path)
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
