package vm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
	"github.com/vitro-dev/vitro/internal/testenv"
)

const depTable = `kernel/fs/overlayfs/overlay.ko.xz:
kernel/drivers/net/veth.ko.xz:
kernel/net/bridge/bridge.ko.xz: kernel/net/802/stp.ko.xz kernel/net/llc/llc.ko.xz
kernel/net/802/stp.ko.xz: kernel/net/llc/llc.ko.xz
kernel/net/llc/llc.ko.xz:
kernel/fs/nls/nls-utf8.ko.xz:
`

func TestResolveOrdersDependenciesFirst(t *testing.T) {
	md, err := ParseModuleDeps(strings.NewReader(depTable), strings.NewReader("kernel/fs/ext4/ext4.ko\n"))
	if err != nil {
		t.Fatal(err)
	}
	mods, err := md.Resolve("bridge", "veth", "llc", "ext4", "nls-utf8")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mods {
		names = append(names, m.Name)
	}
	if got, want := strings.Join(names, " "), "llc stp bridge veth nls_utf8"; got != want {
		t.Errorf("load order %q, want %q (dependencies first, each once, builtin ext4 left out)", got, want)
	}
	if mods[0].Path != "kernel/net/llc/llc.ko.xz" {
		t.Errorf("llc path %q", mods[0].Path)
	}
}

func TestResolveUnknown(t *testing.T) {
	md, _ := ParseModuleDeps(strings.NewReader(depTable), nil)
	_, err := md.Resolve("wireguard")
	if err == nil || !strings.Contains(err.Error(), `"wireguard"`) {
		t.Fatalf("got %v, want an error naming wireguard", err)
	}
}

func TestResolveCycle(t *testing.T) {
	md, _ := ParseModuleDeps(strings.NewReader("a.ko: b.ko\nb.ko: a.ko\n"), nil)
	if _, err := md.Resolve("a"); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("got %v, want a cycle error", err)
	}
}

func TestParseModuleDepsBadLine(t *testing.T) {
	if _, err := ParseModuleDeps(strings.NewReader("kernel/x.ko\n"), nil); err == nil {
		t.Fatal("line without a colon accepted")
	}
}

func TestModuleName(t *testing.T) {
	for in, want := range map[string]string{
		"kernel/fs/nls/nls-utf8.ko.xz": "nls_utf8",
		"overlay":                      "overlay",
		"veth.ko":                      "veth",
		"br_netfilter.ko.zst":          "br_netfilter",
	} {
		if got := ModuleName(in); got != want {
			t.Errorf("ModuleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadModuleDecompresses(t *testing.T) {
	dir := t.TempDir()
	elf := []byte("\x7fELF fake module body")
	var xzbuf bytes.Buffer
	w, err := xz.NewWriter(&xzbuf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(elf)
	w.Close()
	files := map[string][]byte{"plain.ko": elf, "packed.ko.xz": xzbuf.Bytes(), "z.ko.zst": []byte("x")}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"plain.ko", "packed.ko.xz"} {
		got, err := ReadModule(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, elf) {
			t.Errorf("ReadModule(%s) = %q, %v; want the ELF bytes", name, got, err)
		}
	}
	if _, err := ReadModule(filepath.Join(dir, "z.ko.zst")); err == nil || !strings.Contains(err.Error(), "zstd") {
		t.Errorf("zstd module: got %v, want an error that says zstd", err)
	}
}

// The real table of an installed kernel, when there is one: every module
// the VM tests may want resolves.
func TestResolveInstalledKernel(t *testing.T) {
	k, err := FindKernel()
	if err == nil {
		_, err = LoadModuleDeps(k.ModulesDir)
	}
	if err != nil {
		if os.Getenv(testenv.RequireEnv) != "" {
			t.Fatalf("%v (make setup installs linux-image-amd64)", err)
		}
		t.Skip(err)
	}
	md, err := LoadModuleDeps(k.ModulesDir)
	if err != nil {
		t.Fatal(err)
	}
	mods, err := md.Resolve("overlay", "veth", "bridge")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		if _, err := os.Stat(filepath.Join(k.ModulesDir, m.Path)); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
	}
	t.Log(fmt.Sprint(mods))
}
