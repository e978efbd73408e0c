package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/config"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/netdemo"
)

func TestMain(m *testing.M) {
	if reexec.Init() || testenv.RunProbe() {
		return
	}
	os.Exit(m.Run())
}

// testEngine returns an engine over a fresh data root holding the busybox
// bootstrap image, with a bridge and subnet of this test process's own,
// and removes the bridge and NAT table when the test ends.
func testEngine(t *testing.T) *Engine {
	t.Helper()
	testenv.RequirePrivileged(t)
	cfg := config.Default()
	cfg.DataRoot = t.TempDir()
	cfg.ExecRoot = t.TempDir() // the bridge's pool and locks: the test's own
	cfg.Bridge = testenv.Name("vte")
	// 10.217/16 is the engine tests' own: lessons use 10.213, netdemo 10.99
	// and 10.200, so packages testing in parallel never overlap.
	cfg.BIP = fmt.Sprintf("10.217.%d.1/24", os.Getpid()%250)
	store, err := image.Open(cfg.DataRoot)
	if err != nil {
		t.Fatal(err)
	}
	bb, ok := BusyboxPath()
	if !ok {
		t.Fatal("no static busybox: apt-get install busybox-static (make setup)")
	}
	if _, err := store.Bootstrap(context.Background(), bb, "docker.io/library/busybox:latest"); err != nil {
		t.Fatal(err)
	}
	// The engine turns on ip_forward as dockerd does; a test puts it back.
	fwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	t.Cleanup(func() {
		netdemo.DeleteNAT(netdemo.BridgeTable(cfg.Bridge))
		netdemo.RemoveBridge(cfg.Bridge)
		if len(fwd) > 0 {
			os.WriteFile("/proc/sys/net/ipv4/ip_forward", fwd, 0o644)
		}
	})
	// A cgroup parent of the test's own: listing it shows exactly what
	// this test's containers left, whatever other packages run meanwhile.
	cfg.CgroupParent = fmt.Sprintf("vitro-test-%d/%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_"))
	t.Cleanup(func() { removeTestCgroupParent(t, cfg.CgroupParent) })
	return New(cfg)
}

// removeTestCgroupParent removes a test's cgroup parent and the per-process
// directory above it when it is the last one (the directories must be
// empty: a container's cgroup left inside is reported by assertNothingLeft).
func removeTestCgroupParent(t *testing.T, parent string) {
	d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
	if err != nil {
		return
	}
	for _, dir := range d.Dirs(parent) {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("removing the test's cgroup parent: %v", err)
		}
		os.Remove(filepath.Dir(dir)) // fails while another test still uses it
	}
}

// runIn runs a container and returns its stdout, stderr and error.
func runIn(t *testing.T, e *Engine, o RunOptions) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	if o.Image == "" {
		o.Image = "busybox"
	}
	err := e.Run(context.Background(), o, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return out.String(), errb.String(), err
}

func exitCodeOf(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// containerCgroups lists the cgroups under the engine's cgroup parent in
// every hierarchy of the layout detected here (v1, hybrid or v2), as
// directories.
func containerCgroups(t *testing.T, e *Engine) map[string]bool {
	t.Helper()
	d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
	if err != nil {
		t.Fatalf("detecting the cgroup layout: %v", err)
	}
	out := map[string]bool{}
	for _, dir := range d.Dirs(e.cgroupParent()) {
		ents, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("listing vitro's cgroups: %v", err)
		}
		for _, en := range ents {
			if en.IsDir() {
				out[filepath.Join(dir, en.Name())] = true
			}
		}
	}
	return out
}

// bridgeLinks lists the links attached to bridge (none if it is absent).
func bridgeLinks(t *testing.T, bridge string) []string {
	t.Helper()
	br, err := netlink.LinkByName(bridge)
	if err != nil {
		return nil
	}
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatalf("listing links: %v", err)
	}
	var out []string
	for _, l := range links {
		if l.Attrs().MasterIndex == br.Attrs().Index {
			out = append(out, l.Attrs().Name+" ("+l.Type()+")")
		}
	}
	return out
}

// assertNothingLeft checks that no container record, cgroup, link on the
// test bridge or address of e remains: it lists the vitro cgroups of the
// detected layout and the bridge's links directly, not through records.
func assertNothingLeft(t *testing.T, e *Engine) {
	t.Helper()
	cs, _ := e.Containers.List()
	if len(cs) != 0 {
		t.Errorf("%d container records left", len(cs))
	}
	for dir := range containerCgroups(t, e) {
		t.Errorf("cgroup %s left behind", dir)
	}
	// A container's veth pair goes when its network namespace dies, which
	// the kernel finishes in a work queue after the last process exits:
	// give it a few seconds before calling a link left behind.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left := bridgeLinks(t, e.Config.Bridge)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("links still attached to bridge %s 5s after the run: %v", e.Config.Bridge, left)
			break
		}
	}
	pool, _ := e.pool()
	st, err := pool.State()
	if err == nil && len(st.Addresses()) != 0 {
		t.Errorf("addresses still allocated: %v", st.Addresses())
	}
	if err == nil && len(st.Ports) != 0 {
		t.Errorf("ports still allocated: %v", st.Ports)
	}
}

func TestRunSixStepsInOrder(t *testing.T) {
	e := testEngine(t)
	var tbuf bytes.Buffer
	old := trace.SetDefault(trace.New(trace.Kernel, trace.NewSink(trace.FormatJSON, &tbuf)))
	defer trace.SetDefault(old)
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Memory: "64m", Cmd: []string{"sh", "-c", "hostname; echo pid=$$; ip -o -4 addr show eth0"}})
	trace.Default().Close()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	var order []string
	limit, overlayRoot := false, false
	sc := bufio.NewScanner(&tbuf)
	for sc.Scan() {
		var ev struct {
			Kind, Name string
			Fields     map[string]any
		}
		json.Unmarshal(sc.Bytes(), &ev)
		if ev.Kind == "step" {
			order = append(order, ev.Name)
		}
		file, _ := ev.Fields["file"].(string)
		if ev.Name == "cgroup write" && (strings.HasSuffix(file, "memory.limit_in_bytes") || strings.HasSuffix(file, "memory.max")) && ev.Fields["value"] == "67108864" {
			limit = true
		}
		if ev.Name == "mountinfo (inside)" && ev.Fields["mountpoint"] == "/" && ev.Fields["fstype"] == "overlay" {
			overlayRoot = true
		}
	}
	if !limit {
		t.Error("the trace shows no write of the 64m memory limit")
	}
	if !overlayRoot {
		t.Error("the trace shows no overlay at / in the container's mount table")
	}
	if strings.Join(order, ",") != "image,create,rootfs,network,address,exec" {
		t.Errorf("steps traced in order %v", order)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	host, _ := os.Hostname()
	if len(lines) < 3 || lines[0] == host || len(lines[0]) != 12 {
		t.Errorf("hostname inside = %q (host %q), want the short container ID", lines, host)
	}
	if len(lines) > 1 && lines[1] != "pid=1" {
		t.Errorf("the program's PID inside = %q, want pid=1", lines[1])
	}
	if len(lines) > 2 && !strings.Contains(lines[2], "10.217.") {
		t.Errorf("eth0 inside = %q, want an address of the test subnet", lines[2])
	}
	if h, _ := os.Hostname(); h != host {
		t.Errorf("host hostname changed to %q", h)
	}
	assertNothingLeft(t, e)
}

func TestRunExitStatuses(t *testing.T) {
	e := testEngine(t)
	for _, c := range []struct {
		name string
		o    RunOptions
		want int
	}{
		{"program's status", RunOptions{Cmd: []string{"sh", "-c", "exit 3"}}, 3},
		{"not found", RunOptions{Cmd: []string{"no-such-program"}}, 127},
		{"not executable", RunOptions{Cmd: []string{"/etc/passwd"}}, 126},
		{"bad volume", RunOptions{Cmd: []string{"true"}, Volumes: []string{"a:b:c:d"}}, 125},
		{"bad memory", RunOptions{Cmd: []string{"true"}, Memory: "12xb"}, 125},
		{"unknown image", RunOptions{Image: "127.0.0.1:1/none:latest", Cmd: []string{"true"}}, 125},
		{"bad network", RunOptions{Cmd: []string{"true"}, Network: "carrier-pigeon"}, 125},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.o.Remove = true
			_, stderr, err := runIn(t, e, c.o)
			if got := exitCodeOf(err); got != c.want {
				t.Errorf("exit status %d (%v), want %d\n%s", got, err, c.want, stderr)
			}
			assertNothingLeft(t, e)
		})
	}
}

func TestRunWithoutRmKeepsRecord(t *testing.T) {
	e := testEngine(t)
	if _, _, err := runIn(t, e, RunOptions{Name: "kept", Cmd: []string{"sh", "-c", "echo data > /file; exit 4"}}); exitCodeOf(err) != 4 {
		t.Fatalf("run: %v", err)
	}
	c, err := e.Get("kept")
	if err != nil {
		t.Fatal(err)
	}
	if c.State.Status != StatusExited || c.State.ExitCode != 4 || c.State.Pid != 0 {
		t.Errorf("state = %+v", c.State)
	}
	if b, err := os.ReadFile(filepath.Join(c.Rootfs.Upper, "file")); err != nil || string(b) != "data\n" {
		t.Errorf("upper layer holds %q, %v", b, err)
	}
	if err := e.Remove("kept", false); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, e)
}

// TestFailureAtEachStepUndoes injects a failure into steps 3, 4 and 5 and
// checks the exit status and that nothing made by earlier steps remains.
func TestFailureAtEachStepUndoes(t *testing.T) {
	e := testEngine(t)
	t.Run("step 2: bind of a missing source", func(t *testing.T) {
		_, _, err := runIn(t, e, RunOptions{Remove: true, Volumes: []string{"/nonexistent-vitro-src:/data"}, Cmd: []string{"true"}})
		var se *StepError
		if exitCodeOf(err) != 125 || !errors.As(err, &se) || se.Step != 2 || !strings.Contains(err.Error(), "/nonexistent-vitro-src") {
			t.Errorf("got %v, want a step 2 error naming the path, status 125", err)
		}
		assertNothingLeft(t, e)
	})
	t.Run("step 3: a mount point that cannot be made", func(t *testing.T) {
		// /bin/busybox is a file: no directory can be created under it
		// for the bind mount. (/proc, the old example, is refused before
		// step 2 now: a volume may not cover the kernel's filesystems.)
		_, _, err := runIn(t, e, RunOptions{Remove: true, Volumes: []string{t.TempDir() + ":/bin/busybox/vitro-volume"}, Cmd: []string{"true"}})
		var se *StepError
		if exitCodeOf(err) != 125 || !errors.As(err, &se) || se.Step != 3 || strings.Count(err.Error(), "step 3") != 1 {
			t.Errorf("got %v, want one step 3 error with status 125", err)
		}
		assertNothingLeft(t, e)
	})
	t.Run("step 4: a pool that overlaps a host route", func(t *testing.T) {
		bad := *e.Config
		bad.Bridge = testenv.Name("vtx")
		routes, err := netdemo.HostLinks().Routes()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range routes {
			if r.Dst != nil && r.Device != e.Config.Bridge {
				ones, _ := r.Dst.Mask.Size()
				if ones > 0 && ones <= 30 {
					gw := append(net.IP(nil), r.Dst.IP.To4()...)
					gw[3] |= 1
					bad.BIP = fmt.Sprintf("%s/%d", gw, ones) // inside a subnet the host routes already
					break
				}
			}
		}
		if bad.BIP == e.Config.BIP {
			// A bare host (the test VM has only lo) routes nothing: give
			// it a route of this test's own, through lo, to overlap.
			dst := &net.IPNet{IP: net.IPv4(10, 218, byte(os.Getpid()%250), 0).To4(), Mask: net.CIDRMask(24, 32)}
			lo, err := netlink.LinkByName("lo")
			if err != nil {
				t.Fatal(err)
			}
			rt := &netlink.Route{LinkIndex: lo.Attrs().Index, Dst: dst, Scope: netlink.SCOPE_LINK}
			if err := netlink.RouteAdd(rt); err != nil {
				t.Fatalf("no host route to overlap among %v, and adding %s dev lo: %v", routes, dst, err)
			}
			t.Cleanup(func() { netlink.RouteDel(rt) })
			bad.BIP = fmt.Sprintf("10.218.%d.1/24", os.Getpid()%250)
		}
		eb := &Engine{Config: &bad, Containers: e.Containers}
		_, _, err = runIn(t, eb, RunOptions{Remove: true, Cmd: []string{"true"}})
		var se *StepError
		if exitCodeOf(err) != 125 || !errors.As(err, &se) || se.Step != 4 {
			t.Errorf("got %v, want a step 4 error with status 125", err)
		}
		if _, err := net.InterfaceByName(bad.Bridge); err == nil {
			t.Errorf("bridge %s was left behind", bad.Bridge)
			netdemo.RemoveBridge(bad.Bridge)
		}
		assertNothingLeft(t, e)
	})
	t.Run("step 5: a full pool", func(t *testing.T) {
		pool, _ := e.pool()
		var taken []net.IP
		for {
			a, err := pool.Allocate("someone-else")
			if err != nil {
				break
			}
			taken = append(taken, a.IP)
		}
		_, _, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"true"}})
		for _, ip := range taken {
			pool.Release(ip)
		}
		var se *StepError
		if exitCodeOf(err) != 125 || !errors.As(err, &se) || se.Step != 5 || !errors.Is(err, netdemo.ErrPoolFull) {
			t.Errorf("got %v, want a step 5 pool-full error with status 125", err)
		}
		links, _ := net.Interfaces()
		for _, l := range links {
			if strings.HasPrefix(l.Name, "veth") {
				if m, _ := os.ReadFile("/sys/class/net/" + l.Name + "/master/uevent"); strings.Contains(string(m), e.Config.Bridge) {
					t.Errorf("veth %s still on the bridge", l.Name)
				}
			}
		}
		assertNothingLeft(t, e)
	})
}
