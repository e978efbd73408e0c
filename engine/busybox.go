package engine

import (
	"debug/elf"
	"os"
	"strconv"
	"strings"
)

// staticELF reports whether path is an ELF executable without an
// interpreter, which can run in a root filesystem with no libraries.
func staticELF(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// BusyboxPath finds a static busybox to build bootstrap images from.
func BusyboxPath() (string, bool) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"} {
		if staticELF(p) {
			return p, true
		}
	}
	return "", false
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
