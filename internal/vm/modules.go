package vm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ulikunitz/xz"
)

// Module is one kernel module file to load in the guest, in load order.
type Module struct {
	Name string // normalised name: "overlay", "llc"
	Path string // path under the modules directory: "kernel/net/llc/llc.ko.xz"
}

// ModuleName turns a module file path or a name a user typed into the
// kernel's name for it: base name without .ko and compression suffix,
// dashes as underscores ("kernel/fs/nls/nls-utf8.ko.xz" → "nls_utf8").
func ModuleName(s string) string {
	s = filepath.Base(s)
	for _, suf := range []string{".xz", ".zst", ".gz"} {
		s = strings.TrimSuffix(s, suf)
	}
	s = strings.TrimSuffix(s, ".ko")
	return strings.ReplaceAll(s, "-", "_")
}

// ModuleDeps is the dependency table of one kernel, read from
// /lib/modules/<release>/modules.dep ("path: dep-path dep-path ...") and
// modules.builtin (modules compiled into the kernel, which need no file).
type ModuleDeps struct {
	paths   map[string]string   // name → path
	deps    map[string][]string // name → names it needs
	builtin map[string]bool
}

// ParseModuleDeps reads a modules.dep and, if builtin is not nil, a
// modules.builtin.
func ParseModuleDeps(dep, builtin io.Reader) (*ModuleDeps, error) {
	md := &ModuleDeps{paths: map[string]string{}, deps: map[string][]string{}, builtin: map[string]bool{}}
	sc := bufio.NewScanner(dep)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		path, rest, ok := strings.Cut(text, ":")
		if !ok {
			return nil, fmt.Errorf("modules.dep line %d: no colon in %q", line, text)
		}
		name := ModuleName(path)
		md.paths[name] = path
		for _, d := range strings.Fields(rest) {
			md.deps[name] = append(md.deps[name], ModuleName(d))
			if _, ok := md.paths[ModuleName(d)]; !ok {
				md.paths[ModuleName(d)] = d
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading modules.dep: %w", err)
	}
	if builtin != nil {
		sc := bufio.NewScanner(builtin)
		for sc.Scan() {
			if t := strings.TrimSpace(sc.Text()); t != "" {
				md.builtin[ModuleName(t)] = true
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading modules.builtin: %w", err)
		}
	}
	return md, nil
}

// LoadModuleDeps reads the tables of the kernel whose modules are in dir
// (e.g. /lib/modules/6.1.0-57-amd64).
func LoadModuleDeps(dir string) (*ModuleDeps, error) {
	f, err := os.Open(filepath.Join(dir, "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("kernel modules: %w (install the modules of this kernel, e.g. apt-get install linux-image-amd64)", err)
	}
	defer f.Close()
	var builtin io.Reader
	if b, err := os.Open(filepath.Join(dir, "modules.builtin")); err == nil {
		defer b.Close()
		builtin = b
	}
	return ParseModuleDeps(f, builtin)
}

// Resolve returns the module files to insmod, dependencies first, each
// once, for the named modules. A module built into the kernel needs no
// file and is left out; a name the kernel does not know is an error.
func (md *ModuleDeps) Resolve(names ...string) ([]Module, error) {
	var out []Module
	done := map[string]bool{}
	var visit func(name string, stack []string) error
	visit = func(name string, stack []string) error {
		if done[name] {
			return nil
		}
		for _, s := range stack {
			if s == name {
				return fmt.Errorf("kernel module dependency cycle: %s → %s", strings.Join(stack, " → "), name)
			}
		}
		for _, d := range md.deps[name] {
			if err := visit(d, append(stack, name)); err != nil {
				return err
			}
		}
		done[name] = true
		out = append(out, Module{Name: name, Path: md.paths[name]})
		return nil
	}
	for _, n := range names {
		name := ModuleName(n)
		if md.builtin[name] {
			continue
		}
		if _, ok := md.paths[name]; !ok {
			return nil, fmt.Errorf("kernel module %q: not in modules.dep nor modules.builtin of this kernel", n)
		}
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadModule returns the plain ELF bytes of a module file, decompressing
// .ko.xz and .ko.gz, because the guest's busybox insmod may be built
// without them. (Debian compresses modules with xz since its 6.x kernels.)
func ReadModule(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r io.Reader
	switch {
	case strings.HasSuffix(path, ".xz"):
		xr, err := xz.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = xr
	case strings.HasSuffix(path, ".gz"):
		gr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = gr
	case strings.HasSuffix(path, ".zst"):
		return nil, fmt.Errorf("%s: zstd-compressed modules are not supported: decompress them (zstd -d) or use a kernel with xz or uncompressed modules", path)
	default:
		return raw, nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", path, err)
	}
	return b, nil
}
