package vm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitramfsContents(t *testing.T) {
	dir := t.TempDir()
	bb := filepath.Join(dir, "busybox")
	os.WriteFile(bb, []byte("BUSYBOX"), 0o755)
	prog := filepath.Join(dir, "x.test")
	os.WriteFile(prog, []byte("TEST"), 0o600)
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(tree, "etc"), 0o755)
	os.WriteFile(filepath.Join(tree, "etc", "hostname"), []byte("guest\n"), 0o644)
	os.Symlink("hostname", filepath.Join(tree, "etc", "name"))
	mods := filepath.Join(dir, "modules")
	os.MkdirAll(filepath.Join(mods, "kernel"), 0o755)
	os.WriteFile(filepath.Join(mods, "kernel", "veth.ko"), []byte("\x7fELF"), 0o644)

	ir := &Initramfs{
		Busybox:    bb,
		Init:       "#!/bin/busybox sh\n",
		Tree:       tree,
		Files:      []File{{Src: prog, Dst: "/vitro/bin/x.test", Mode: 0o755}},
		ModulesDir: mods,
		Modules:    []Module{{Name: "veth", Path: "kernel/veth.ko"}},
	}
	var buf bytes.Buffer
	n, err := ir.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d", n, buf.Len())
	}
	got := map[string]cpioEntry{}
	var order []string
	for _, e := range readCpio(t, buf.Bytes()) {
		if _, dup := got[e.name]; dup {
			t.Errorf("%s twice in the archive", e.name)
		}
		got[e.name] = e
		order = append(order, e.name)
	}
	want := map[string]struct {
		mode uint32
		data string
	}{
		"bin/busybox":         {0o100755, "BUSYBOX"},
		"bin/sh":              {0o120777, "busybox"},
		"init":                {0o100755, "#!/bin/busybox sh\n"},
		"dev/console":         {0o020600, ""},
		"etc/hostname":        {0o100644, "guest\n"},
		"etc/name":            {0o120777, "hostname"},
		"vitro":               {0o040755, ""},
		"vitro/bin":           {0o040755, ""},
		"vitro/bin/x.test":    {0o100755, "TEST"},
		"lib/modules/veth.ko": {0o100644, "\x7fELF"},
		"sys/fs/cgroup":       {0o040755, ""},
	}
	for name, w := range want {
		e, ok := got[name]
		if !ok {
			t.Errorf("%s missing; archive has %s", name, strings.Join(order, " "))
			continue
		}
		if e.mode != w.mode || e.data != w.data {
			t.Errorf("%s: mode %o data %q, want %o %q", name, e.mode, e.data, w.mode, w.data)
		}
	}
	// Parents come before children, as the kernel creates them in order.
	seen := map[string]bool{}
	for _, name := range order {
		if d := filepath.Dir(name); d != "." && !seen[d] {
			t.Errorf("%s comes before its directory %s", name, d)
		}
		seen[name] = true
	}
}

func TestInitramfsErrors(t *testing.T) {
	var buf bytes.Buffer
	if _, err := (&Initramfs{}).WriteTo(&buf); err == nil || !strings.Contains(err.Error(), "busybox") {
		t.Errorf("no busybox: got %v", err)
	}
	dir := t.TempDir()
	bb := filepath.Join(dir, "busybox")
	os.WriteFile(bb, []byte("B"), 0o755)
	for _, f := range []File{{Src: bb, Dst: "relative"}, {Src: bb, Dst: "/a/../b"}, {Src: dir, Dst: "/d"}, {Src: filepath.Join(dir, "nope"), Dst: "/n"}} {
		if _, err := (&Initramfs{Busybox: bb, Files: []File{f}}).WriteTo(&buf); err == nil {
			t.Errorf("file %+v accepted", f)
		}
	}
}
