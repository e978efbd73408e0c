package compare

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/internal/config"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// made records what the instances made, through the observe hook.
type made struct {
	mu   sync.Mutex
	seen map[string][]string
}

func watch(t *testing.T) *made {
	m := &made{seen: map[string][]string{}}
	observe = func(kind, what string) {
		m.mu.Lock()
		m.seen[kind] = append(m.seen[kind], what)
		m.mu.Unlock()
	}
	t.Cleanup(func() { observe = func(string, string) {} })
	return m
}

// compareEnv is a data root, a TMPDIR for the VM helper's files, and the
// helper itself, built from this tree.
func compareEnv(t *testing.T) (Options, string) {
	testenv.RequirePrivileged(t)
	for _, p := range []string{"qemu-system-x86_64"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s not found: apt-get install qemu-system-x86 (make setup)", p)
		}
	}
	cfg := config.Default()
	cfg.DataRoot = t.TempDir()
	cfg.Bridge = testenv.Name("vtc")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the helper's initramfs and tree
	helper := filepath.Join(t.TempDir(), HelperName)
	build := exec.Command("go", "build", "-o", helper, "../../cmd/vitro-vm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", HelperName, err, out)
	}
	return Options{Config: cfg, Quick: true, Runs: 2, VMHelper: helper, Budget: 1 << 30, With: Extras}, tmp
}

// TestCompareQuickEndToEnd runs compare --quick --runs 2 with the VM
// (TCG on the CI host), checks that every row was measured for every
// contender, and that nothing is left behind.
func TestCompareQuickEndToEnd(t *testing.T) {
	o, tmp := compareEnv(t)
	m := watch(t)
	var steps []string
	o.Progress = func(what string, n, of int) { steps = append(steps, what) }
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 {
		t.Error("no progress was reported")
	}
	if len(r.Contenders) != 6 {
		t.Fatalf("contenders %+v, want host, vitro, vm, runc, crun, docker", r.Contenders)
	}
	// host, vitro and the VM must be measured, and runc where it is
	// installed (make setup installs it); crun and docker may say why not
	// (crun refuses hybrid cgroup hosts; docker needs DOCKER_HOST).
	must := map[string]bool{"host": true, "vitro": true, "vm": true}
	if _, err := exec.LookPath("runc"); err == nil {
		must["runc"] = true
	}
	units := map[string]string{"start": "ms", "memory": "MiB", "disk": "MiB", "cpu": "× host", "syscall": "× host",
		"io": "MB/s", "density": "instances", "isolation": "PIDs"}
	for _, row := range r.Rows {
		if want, ok := units[row.ID]; ok && row.Unit != want {
			t.Errorf("row %s: unit %q, want %q", row.ID, row.Unit, want)
		}
		for _, c := range row.Cells {
			if !must[c.Contender] {
				if c.Stat == nil && c.Missing == "" {
					t.Errorf("row %s, %s: neither a figure nor why not", row.ID, c.Contender)
				}
				continue
			}
			if row.ID == "kernel" {
				if c.Text == "" || c.Text == "—" || !strings.HasPrefix(c.Detail, "Linux version") {
					t.Errorf("kernel of %s: %q / %q", c.Contender, c.Text, c.Detail)
				}
				continue
			}
			s := c.Stat
			if s == nil || s.N == 0 || !(s.Median > 0) || math.IsInf(s.Median, 0) || s.Min > s.Median || s.Median > s.Max {
				t.Errorf("row %s, %s: %+v (%s)", row.ID, c.Contender, s, c.Missing)
			}
		}
	}
	kernel := r.Rows[len(r.Rows)-2]
	if kernel.text("host") != kernel.text("vitro") || kernel.text("vm") == kernel.text("host") {
		t.Errorf("kernels: host %s, container %s, vm %s: want the container's the host's, the VM's its own",
			kernel.text("host"), kernel.text("vitro"), kernel.text("vm"))
	}
	iso := r.Rows[len(r.Rows)-1]
	if !(iso.median("vitro") < iso.median("host")) {
		t.Errorf("the container sees %v PIDs, the host %v: want fewer", iso.median("vitro"), iso.median("host"))
	}
	if n := len(m.seen["qemu"]); n < o.Runs+1 {
		t.Errorf("%d qemu processes seen, want at least %d (runs and density)", n, o.Runs+1)
	}
	noLeftovers(t, o, m, tmp)
	var b strings.Builder
	tabletext.Write(&b, r.Tables()...)
	t.Logf("\n%s", b.String())
}

// TestCompareInterrupted stops compare while a VM boots (Ctrl-C) and
// checks that qemu, containers, cgroups and files are gone.
func TestCompareInterrupted(t *testing.T) {
	o, tmp := compareEnv(t)
	o.Runs = 1
	m := watch(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.Progress = func(what string, n, of int) {
		if strings.Contains(what, "vm:") {
			go func() {
				time.Sleep(2 * time.Second) // qemu is running by then
				cancel()
			}()
		}
	}
	_, err := Run(ctx, o)
	if err != context.Canceled {
		t.Fatalf("Run after Ctrl-C returned %v, want context.Canceled", err)
	}
	noLeftovers(t, o, m, tmp)
}

func noLeftovers(t *testing.T, o Options, m *made, tmp string) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, kind := range []string{"qemu", "process"} {
		for _, pid := range m.seen[kind] {
			if _, err := os.Stat("/proc/" + pid); err == nil {
				cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
				if strings.Contains(string(cmd), "qemu") || strings.Contains(string(cmd), HelperName) || strings.Contains(string(cmd), "busybox") {
					t.Errorf("%s %s is still running: %s", kind, pid, strings.ReplaceAll(string(cmd), "\x00", " "))
				}
			}
		}
	}
	if ds, _ := filepath.Glob("/sys/fs/cgroup/*/" + ociCgroupParent); len(ds) > 0 {
		t.Errorf("runtime cgroup parents left: %s", strings.Join(ds, ", "))
	}
	for _, dir := range m.seen["cgroup"] {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("cgroup %s is still there", dir)
		}
	}
	if len(m.seen["container"]) == 0 {
		t.Error("no container was seen")
	}
	cs, err := engine.New(o.Config).List()
	if err != nil || len(cs) != 0 {
		t.Errorf("containers left: %d (%v)", len(cs), err)
	}
	for _, dir := range []string{tmp, filepath.Join(o.Config.DataRoot, "tmp")} {
		if es, _ := os.ReadDir(dir); len(es) != 0 {
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			t.Errorf("%s still holds %s", dir, strings.Join(names, ", "))
		}
	}
}

// TestVMHangIsKilledAndRetried gives the VM less time than any boot
// takes: the boot is killed, tried once more, and the VM column says it
// timed out while the others are measured.
func TestVMHangIsKilledAndRetried(t *testing.T) {
	o, tmp := compareEnv(t)
	o.Runs, o.With, o.VMTimeout = 1, nil, 2*time.Second
	m := watch(t)
	var mu sync.Mutex
	var steps []string
	o.Progress = func(what string, n, of int) {
		mu.Lock()
		steps = append(steps, what)
		mu.Unlock()
	}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(steps, "\n"), "once more") {
		t.Errorf("no retry was reported: %q", steps)
	}
	if n := len(m.seen["qemu"]); n != 2 {
		t.Errorf("%d qemu processes started, want 2 (a boot and its retry)", n)
	}
	start := r.Rows[0]
	if c := start.Cells[2]; c.Stat != nil || !strings.Contains(c.Missing, "timed out") {
		t.Errorf("VM start cell %+v, want no figure and a timeout", c)
	}
	if start.median("vitro") <= 0 {
		t.Error("the container was not measured after the VM hung")
	}
	noLeftovers(t, o, m, tmp)
}

func TestBudgetLargerThanFreeIsRefused(t *testing.T) {
	o := Options{Budget: 1 << 50}
	err := o.defaults()
	if err == nil || !strings.Contains(err.Error(), "MiB (MemAvailable") || !strings.Contains(err.Error(), "--budget 1073741824 MiB") {
		t.Errorf("a budget of 1 PiB: %v, want a refusal with both figures", err)
	}
	if err := (&Options{Runs: -1}).defaults(); err == nil || !strings.Contains(err.Error(), "--runs -1") {
		t.Errorf("--runs -1: %v", err)
	}
	if err := (&Options{With: []string{"lxc"}}).defaults(); err == nil || !strings.Contains(err.Error(), `"lxc"`) {
		t.Errorf("--with lxc: %v", err)
	}
}
