package vm

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Kernel is a guest kernel and where its modules are.
type Kernel struct {
	Path       string // /boot/vmlinuz-6.1.0-57-amd64
	Release    string // 6.1.0-57-amd64
	ModulesDir string // /lib/modules/6.1.0-57-amd64 (may not exist)
}

// FindKernel returns the newest kernel in /boot (Debian's
// linux-image-amd64 installs /boot/vmlinuz-<release>).
func FindKernel() (Kernel, error) {
	return findKernel("/boot", "/lib/modules")
}

func findKernel(boot, modules string) (Kernel, error) {
	paths, _ := filepath.Glob(filepath.Join(boot, "vmlinuz-*"))
	if len(paths) == 0 {
		return Kernel{}, fmt.Errorf("no kernel in %s (vmlinuz-*): apt-get install linux-image-amd64", boot)
	}
	sort.Slice(paths, func(i, j int) bool {
		return versionLess(strings.TrimPrefix(filepath.Base(paths[i]), "vmlinuz-"), strings.TrimPrefix(filepath.Base(paths[j]), "vmlinuz-"))
	})
	p := paths[len(paths)-1]
	rel := strings.TrimPrefix(filepath.Base(p), "vmlinuz-")
	return Kernel{Path: p, Release: rel, ModulesDir: filepath.Join(modules, rel)}, nil
}

// KernelAt describes the kernel image at path, guessing its release from
// a vmlinuz-<release> name.
func KernelAt(path string) (Kernel, error) {
	if _, err := os.Stat(path); err != nil {
		return Kernel{}, fmt.Errorf("kernel: %w", err)
	}
	rel := strings.TrimPrefix(filepath.Base(path), "vmlinuz-")
	return Kernel{Path: path, Release: rel, ModulesDir: filepath.Join("/lib/modules", rel)}, nil
}

// versionLess compares release strings the way people read them:
// numeric runs as numbers ("6.10" after "6.9").
func versionLess(a, b string) bool {
	for a != "" && b != "" {
		na, ra := splitRun(a)
		nb, rb := splitRun(b)
		if na != nb {
			ia, ea := strconv.Atoi(na)
			ib, eb := strconv.Atoi(nb)
			if ea == nil && eb == nil {
				return ia < ib
			}
			return na < nb
		}
		a, b = ra, rb
	}
	return len(a) < len(b)
}

// splitRun cuts the leading run of digits or of non-digits off s.
func splitRun(s string) (string, string) {
	digit := s[0] >= '0' && s[0] <= '9'
	i := 1
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digit {
		i++
	}
	return s[:i], s[i:]
}
