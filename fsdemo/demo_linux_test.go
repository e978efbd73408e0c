package fsdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// privileged skips without root, and points the demos' temp dirs into
// t.TempDir so that nothing is left behind even if a demo's own cleanup
// failed. Every mount is made by a child in its own mount namespace.
func privileged(t *testing.T) context.Context {
	t.Helper()
	testenv.RequirePrivileged(t)
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func leftovers(t *testing.T) {
	t.Helper()
	es, _ := os.ReadDir(os.TempDir())
	for _, e := range es {
		t.Errorf("left behind in the temp dir: %s", e.Name())
	}
}

func find(es []OverlayEntry, path string) string {
	for _, e := range es {
		if e.Path == path {
			return e.State
		}
	}
	return "-"
}

func TestOverlaySemantics(t *testing.T) {
	ctx := privileged(t)
	res, err := OverlayDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leftovers(t)
	step := map[string]OverlayStep{}
	for _, s := range res.Steps {
		step[s.Op] = s
	}
	base := len(res.Lowers) - 1 // layer 1, the bottom
	if s := step["read etc/motd"]; s.Output != "hello from layer 1" || len(s.Upper) != 0 {
		t.Errorf("read: output %q, upper %v (a read must not copy up)", s.Output, s.Upper)
	}
	s := step["modify etc/motd"]
	if got := find(s.Upper, "etc/motd"); !strings.Contains(got, "changed in the container") {
		t.Errorf("copy-up: upper etc/motd = %s", got)
	}
	if got := find(s.Lowers[base], "etc/motd"); got != `file "hello from layer 1"` {
		t.Errorf("copy-up changed the lower: %s", got)
	}
	s = step["delete etc/issue"]
	if got := find(s.Upper, "etc/issue"); got != "whiteout (char 0/0)" {
		t.Errorf("whiteout: upper etc/issue = %s", got)
	}
	if find(s.Merged, "etc/issue") != "-" || find(s.Lowers[0], "etc/issue") == "-" {
		t.Errorf("whiteout: merged %s, lower %s", find(s.Merged, "etc/issue"), find(s.Lowers[0], "etc/issue"))
	}
	s = step["replace directory app"]
	if got := find(s.Upper, "app"); got != "dir, opaque=y" {
		t.Errorf("opaque: upper app = %s", got)
	}
	if find(s.Merged, "app/a.txt") != "-" || find(s.Merged, "app/c.txt") != "-" || find(s.Merged, "app/new.txt") == "-" {
		t.Errorf("opaque dir: merged app = %v", s.Merged)
	}
	s = step["create notes.txt"]
	if find(s.Upper, "notes.txt") == "-" || find(s.Lowers[0], "notes.txt") != "-" || find(s.Lowers[base], "notes.txt") != "-" {
		t.Errorf("new file: upper %v", s.Upper)
	}
	names := map[string]string{}
	for _, e := range res.Layer {
		names[e.Name] = e.Type
	}
	for name, typ := range map[string]string{"etc/.wh.issue": "whiteout", "app/.wh..wh..opq": "opaque", "etc/motd": "file", "notes.txt": "file"} {
		if names[name] != typ {
			t.Errorf("layer entry %s = %q, want %q (layer: %v)", name, names[name], typ, res.Layer)
		}
	}
	if _, ok := names["app/a.txt"]; ok {
		t.Error("the layer holds a lower's file")
	}
}

func TestChrootEscapeVsPivotRoot(t *testing.T) {
	ctx := privileged(t)
	res, err := ChrootEscape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leftovers(t)
	if len(res.Attempts) != 2 {
		t.Fatalf("attempts = %+v", res.Attempts)
	}
	if a := res.Attempts[0]; a.Method != "chroot" || !a.Escaped || !strings.Contains(a.Read, "host secret") {
		t.Errorf("chroot: %+v, want an escape that read the secret", a)
	}
	if a := res.Attempts[1]; a.Method != "pivot_root" || a.Escaped || strings.Contains(a.Read, "host secret") {
		t.Errorf("pivot_root: %+v, want no escape", a)
	}
}

func TestPivotRootIsolation(t *testing.T) {
	ctx := privileged(t)
	res, err := PivotRootDemo(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	leftovers(t)
	if len(res.Before) < 2 {
		t.Errorf("before: %d mounts, want the host's copy", len(res.Before))
	}
	if len(res.After) != 1 || res.After[0].Mountpoint != "/" {
		t.Errorf("after pivot_root and detach, mounts = %+v; want only the new root at /", res.After)
	}
	for _, name := range res.Root {
		if name == "home" || name == "boot" || name == "lib" {
			t.Errorf("/ after pivot_root holds the host's %s: %v", name, res.Root)
		}
	}
	if len(res.Steps) != len(PivotRootSteps("/x")) {
		t.Errorf("%d steps recorded", len(res.Steps))
	}
}

func TestPivotRootBadRootfs(t *testing.T) {
	ctx := privileged(t)
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), f} {
		if _, err := PivotRootDemo(ctx, dir); !errors.Is(err, ErrBadRootfs) || !strings.Contains(err.Error(), dir) {
			t.Errorf("PivotRootDemo(%q) = %v, want ErrBadRootfs naming it", dir, err)
		}
	}
}

func TestMaskedAndReadOnlyPaths(t *testing.T) {
	ctx := privileged(t)
	res, err := MountsDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leftovers(t)
	// Other tests may mount on the host meanwhile: only our mounts count.
	if !res.HostUntouched || res.HostMountsDuring == 0 {
		t.Errorf("host mount table (%d entries while the demo ran) shows the demo's mounts: %v", res.HostMountsDuring, res.HostSawDemo)
	}
	present := 0
	for _, p := range res.Paths {
		if !p.Protected {
			t.Errorf("%s (%s) inside: %s", p.Path, p.Rule, p.Inside)
		}
		if p.Inside != absent {
			present++
			if p.Host == p.Inside && p.Host != "0 entries" && p.Host != "reads 0 bytes" {
				t.Errorf("%s: the host sees the same as the container (%s): is the host masked?", p.Path, p.Host)
			}
		}
	}
	if present < 3 {
		t.Errorf("only %d of the paths exist on this kernel: the test proves too little", present)
	}
	if !strings.Contains(res.SysWritableInside, "EROFS") {
		t.Errorf("/sys inside: %s, want EROFS", res.SysWritableInside)
	}
	if res.Processes[0] != 1 {
		t.Errorf("/proc inside shows %d processes, want 1 (a new PID namespace)", res.Processes[0])
	}
	devs := strings.Join(res.Devices, ",")
	for _, d := range []string{"null c 1:3", "zero c 1:5", "urandom c 1:9", "pts/", "shm/", "mqueue/"} {
		if !strings.Contains(devs, d) {
			t.Errorf("/dev inside lacks %s: %s", d, devs)
		}
	}
}

func TestVolumeBindReadOnly(t *testing.T) {
	ctx := privileged(t)
	res, err := VolumeDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leftovers(t)
	if len(res.Checks) != 5 {
		t.Fatalf("checks = %+v", res.Checks)
	}
	for _, c := range res.Checks {
		if !c.Expected {
			t.Errorf("%s: %s", c.Action, c.Result)
		}
	}
	if !strings.Contains(res.Checks[2].Result, "EROFS") {
		t.Errorf("write to a read-only volume: %s, want EROFS", res.Checks[2].Result)
	}
	if !strings.Contains(res.HostSees, "written in the container") {
		t.Errorf("host sees %s", res.HostSees)
	}
}

func TestStorageOverlaySharesTheImage(t *testing.T) {
	ctx := privileged(t)
	res, err := StorageDemo(ctx, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	leftovers(t)
	vfs, ov := res.Rows[0], res.Rows[1]
	if vfs.DiskBytes < 3*res.ImageBytes/2 {
		t.Errorf("vfs used %d bytes for 3 copies of a %d-byte image", vfs.DiskBytes, res.ImageBytes)
	}
	if ov.DiskBytes >= res.ImageBytes {
		t.Errorf("overlay used %d bytes, not less than one image (%d)", ov.DiskBytes, res.ImageBytes)
	}
}

// The many-layer test mounts in a child of the test binary, in its own
// mount namespace.
type layersInput struct {
	Mount    Mount
	Relative bool
	Want     int
}

const layersEntry = "fsdemo-test-layers"

func init() {
	registerChild(layersEntry, func(_ *reexec.Pipe, in json.RawMessage) (any, error) {
		var x layersInput
		if err := decode(in, &x); err != nil {
			return nil, err
		}
		forceRelativeOverlay = x.Relative
		if err := Apply([]Mount{x.Mount}); err != nil {
			return nil, err
		}
		top, err := os.ReadFile(filepath.Join(x.Mount.Target, "top"))
		if err != nil {
			return nil, err
		}
		seen := 0
		for i := range x.Want {
			if _, err := os.Stat(filepath.Join(x.Mount.Target, fmt.Sprintf("only-in-%d", i))); err == nil {
				seen++
			}
		}
		return []string{string(top), fmt.Sprint(seen)}, nil
	})
}

func TestManyLayerOverlay(t *testing.T) {
	ctx := privileged(t)
	const n = 100
	layers := func(name string) []string {
		dir := t.TempDir()
		var lowers []string
		for i := range n {
			l := filepath.Join(dir, fmt.Sprintf(name, i), "fs")
			if err := os.MkdirAll(l, 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(l, "top"), []byte(fmt.Sprint(i)), 0o644)
			os.WriteFile(filepath.Join(l, fmt.Sprintf("only-in-%d", i)), nil, 0o644)
			lowers = append(lowers, l)
		}
		return lowers
	}
	for _, relative := range []bool{false, true} {
		t.Run(fmt.Sprintf("relative=%v", relative), func(t *testing.T) {
			// fsconfig: long names, as real layer directories have (100
			// make about 10 KB of options). The relative fallback needs
			// short ones, as containerd's numbered snapshots are.
			if !relative {
				if ok, err := OverlayAppendSupported(); err != nil || !ok {
					t.Skipf("fsconfig lowerdir+ needs Linux 6.8 (%v)", err)
				}
			}
			lowers := layers("sha256-%064d")
			if relative {
				lowers = layers("%03d")
			}
			c := t.TempDir()
			upper, work, merged := filepath.Join(c, "u"), filepath.Join(c, "w"), filepath.Join(c, "m")
			for _, d := range []string{upper, work, merged} {
				os.Mkdir(d, 0o755)
			}
			m, err := Overlay(lowers, upper, work, merged)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Data) < pageSize() {
				t.Fatalf("options are %d bytes: the test does not exceed a page", len(m.Data))
			}
			var out []string
			if err := runChild(ctx, layersEntry, 0, layersInput{Mount: m, Relative: relative, Want: n}, &out, nil); err != nil {
				t.Fatal(err)
			}
			if out[0] != "0" {
				t.Errorf("merged/top = %q, want the top layer's (lowers[0]) \"0\"", out[0])
			}
			if out[1] != fmt.Sprint(n) {
				t.Errorf("%s of %d layers visible in the merged view", out[1], n)
			}
		})
	}
}

const applyEntry = "fsdemo-test-apply"

type applyOutput struct {
	Err        string
	Op         string
	Left       []string // mount points under the test dir still mounted after the failure
	ROFlags    string   // options of a read-only bind of a nosuid mount
	WriteError string
	Escaped    bool     // a mount aimed through a symlink in the rootfs landed outside it
	Landed     bool     // ... and at the link's target inside the rootfs instead
	Dev        []string // a tmpfs /dev after CreateDevices
}

func init() {
	registerChild(applyEntry, func(_ *reexec.Pipe, in json.RawMessage) (any, error) {
		var dir string
		if err := decode(in, &dir); err != nil {
			return nil, err
		}
		var out applyOutput
		// A good bind, then a mount that must fail: Apply undoes the first.
		err := Apply([]Mount{
			{Source: filepath.Join(dir, "src"), Target: filepath.Join(dir, "a"), Flags: unix.MS_BIND},
			{Source: filepath.Join(dir, "missing"), Target: filepath.Join(dir, "b"), Flags: unix.MS_BIND},
		})
		var me *MountError
		if errors.As(err, &me) {
			out.Err, out.Op = err.Error(), me.Op
		}
		table, terr := nsdemo.MountTable(0)
		if terr != nil {
			return nil, terr
		}
		for _, m := range table {
			if strings.HasPrefix(m.Mountpoint, dir) {
				out.Left = append(out.Left, m.Mountpoint)
			}
		}
		// A read-only bind of a nosuid tmpfs keeps nosuid and refuses writes.
		tmp := filepath.Join(dir, "tmp")
		ro := filepath.Join(dir, "ro")
		if err := Apply([]Mount{
			{Source: "tmpfs", Target: tmp, Type: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_NODEV, Data: "size=1m"},
			{Source: tmp, Target: ro, Flags: unix.MS_BIND | unix.MS_RDONLY},
		}); err != nil {
			return nil, err
		}
		if table, terr = nsdemo.MountTable(0); terr != nil {
			return nil, terr
		}
		if m, ok := nsdemo.FindMount(table, ro); ok {
			out.ROFlags = m.Options
		}
		out.WriteError = errnoText(os.WriteFile(filepath.Join(ro, "x"), nil, 0o644))
		// An image's /proc that is a symlink to a host directory: with
		// Root set, the mount stays inside the rootfs.
		rootfs, outside := filepath.Join(dir, "rootfs"), filepath.Join(dir, "outside")
		if err := Apply([]Mount{{Source: "tmpfs", Target: filepath.Join(rootfs, "proc"), Type: "tmpfs", Root: rootfs}}); err != nil {
			return nil, err
		}
		if table, terr = nsdemo.MountTable(0); terr != nil {
			return nil, terr
		}
		_, out.Escaped = nsdemo.FindMount(table, outside)
		_, out.Landed = nsdemo.FindMount(table, filepath.Join(rootfs, outside))
		dev := filepath.Join(dir, "dev")
		if err := Apply([]Mount{{Source: "tmpfs", Target: dev, Type: "tmpfs", Flags: unix.MS_NOSUID, Data: "mode=755"}}); err != nil {
			return nil, err
		}
		if err := CreateDevices(dir); err != nil {
			return nil, err
		}
		es, _ := os.ReadDir(dev)
		for _, e := range es {
			out.Dev = append(out.Dev, devDescription(filepath.Join(dev, e.Name())))
		}
		return out, nil
	})
}

func TestApplyUndoesAndBindReadOnlyKeepsFlags(t *testing.T) {
	ctx := privileged(t)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "src"), 0o755)
	os.Mkdir(filepath.Join(dir, "outside"), 0o755)
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(dir, "rootfs", "proc")); err != nil {
		t.Fatal(err)
	}
	// The same path inside the rootfs, where the link must lead.
	if err := os.MkdirAll(filepath.Join(dir, "rootfs", dir, "outside"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out applyOutput
	if err := runChild(ctx, applyEntry, 0, dir, &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"missing", filepath.Join(dir, "b"), "MS_BIND", "no such file"} {
		if !strings.Contains(out.Err, want) {
			t.Errorf("error %q lacks %q", out.Err, want)
		}
	}
	if len(out.Left) != 0 {
		t.Errorf("after the failed Apply, still mounted: %v", out.Left)
	}
	for _, want := range []string{"ro", "nosuid", "nodev"} {
		if !strings.Contains(","+out.ROFlags+",", ","+want+",") {
			t.Errorf("read-only bind options %q lack %s", out.ROFlags, want)
		}
	}
	if !strings.HasPrefix(out.WriteError, "EROFS") {
		t.Errorf("write to a read-only bind: %s, want EROFS", out.WriteError)
	}
	if out.Escaped {
		t.Error("a mount at rootfs/proc, a symlink to a directory outside, was made outside the rootfs")
	}
	if !out.Landed {
		t.Error("a mount at rootfs/proc, a symlink to /outside, was not made at rootfs/outside")
	}
	devs := strings.Join(out.Dev, ",")
	for _, want := range []string{"null c 1:3", "zero c 1:5", "full c 1:7", "random c 1:8", "urandom c 1:9", "tty c 5:0", "fd -> /proc/self/fd", "ptmx -> pts/ptmx"} {
		if !strings.Contains(devs, want) {
			t.Errorf("CreateDevices made %s; lacks %s", devs, want)
		}
	}
}

func TestOverlayAppendSupportedProbe(t *testing.T) {
	testenv.RequirePrivileged(t)
	ok, err := OverlayAppendSupported()
	if err != nil {
		t.Fatal(err)
	}
	var u unix.Utsname
	unix.Uname(&u)
	var major, minor int
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor)
	if want := major > 6 || (major == 6 && minor >= 8); ok != want {
		t.Errorf("lowerdir+ supported = %v on Linux %d.%d", ok, major, minor)
	}
}

const sharedPivotEntry = "fsdemo-test-shared-pivot"

func init() {
	registerChild(sharedPivotEntry, func(p *reexec.Pipe, in json.RawMessage) (any, error) {
		var dir string
		if err := decode(in, &dir); err != nil {
			return nil, err
		}
		// As on a systemd host: / and everything under it shared (in this
		// child's namespace only, whose mounts the host cannot see).
		rootfs := filepath.Join(dir, "rootfs")
		if err := Apply([]Mount{
			{Target: "/", Flags: unix.MS_REC | unix.MS_SHARED},
			{Source: filepath.Join(dir, "src"), Target: filepath.Join(rootfs, "vol"), Flags: unix.MS_BIND, Root: rootfs},
		}); err != nil {
			return nil, err
		}
		if err := PivotRoot(rootfs); err != nil {
			return nil, err
		}
		return nil, waitStep(p, 1)
	})
}

func TestPivotRootFromSharedRootKeepsSharedVolume(t *testing.T) {
	ctx := privileged(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755)
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	var inside []nsdemo.MountEntry
	onStep := func(pid, _ int) (err error) {
		inside, err = nsdemo.MountTable(pid)
		return err
	}
	if err := runChild(ctx, sharedPivotEntry, 0, dir, nil, onStep); err != nil {
		t.Fatalf("pivot_root with a shared /: %v", err)
	}
	if len(inside) != 2 {
		t.Fatalf("mounts after pivot_root: %+v, want / and /vol", inside)
	}
	if v, ok := nsdemo.FindMount(inside, "/vol"); !ok || !strings.HasPrefix(v.Propagation, "shared:") {
		t.Errorf("/vol after pivot_root = %+v, want it still shared", v)
	}
	if r, _ := nsdemo.FindMount(inside, "/"); strings.Contains(r.Propagation, "shared") {
		t.Errorf("the new root is %s: pivot_root should have needed it private", r.Propagation)
	}
}
