package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/config"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/netdemo"
)

// childRun is what the "engine-test-run" child runs: `vitro run` as a
// process of its own, which a test can kill with SIGKILL.
type childRun struct {
	Config config.Config
	Opts   RunOptions
}

const childRunEnv = "VITRO_TEST_CHILD_RUN"

func init() {
	reexec.Register("engine-test-run", func() {
		var cr childRun
		if err := json.Unmarshal([]byte(os.Getenv(childRunEnv)), &cr); err != nil {
			fmt.Fprintln(os.Stderr, "engine-test-run:", err)
			os.Exit(2)
		}
		e := New(&cr.Config)
		e.Pause = func(ctx context.Context, p PausePoint) error {
			fmt.Fprintf(os.Stderr, "paused before step %d/%d (%s)\n", p.Step, p.Of, p.Name)
			_, err := bufio.NewReader(os.Stdin).ReadString('\n')
			return err
		}
		err := e.Run(context.Background(), cr.Opts, Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
		if err != nil {
			fmt.Fprintln(os.Stderr, "vitro:", err)
			os.Exit(exitCodeOf(err))
		}
	})
}

// runChild starts `vitro run` with o in a child process. Its stdin is a
// pipe (the Enter that --pause-at waits for), its stderr is read line by
// line into lines.
func runChild(t *testing.T, e *Engine, o RunOptions) (cmd *exec.Cmd, stdin io.WriteCloser, lines chan string) {
	t.Helper()
	if o.Image == "" {
		o.Image = "busybox"
	}
	b, err := json.Marshal(childRun{Config: *e.Config, Opts: o})
	if err != nil {
		t.Fatal(err)
	}
	cmd = reexec.Command("engine-test-run")
	cmd.Env = append(os.Environ(), childRunEnv+"="+string(b))
	stdin, err = cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines = make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, stdin, lines
}

// waitLine waits for a line of the child's stderr holding want.
func waitLine(t *testing.T, lines chan string, want string) {
	t.Helper()
	var seen []string
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child ended before printing %q:\n%s", want, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no %q from the child after 60s:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}

// killNine kills the child `vitro run` with SIGKILL: no deferred
// function, no signal handler, no cleanup of its own runs.
func killNine(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// onlyRecord returns the one container record of e, read without
// reconciling it.
func onlyRecord(t *testing.T, e *Engine) *Container {
	t.Helper()
	cs, err := e.Containers.List()
	if err != nil || len(cs) != 1 {
		t.Fatalf("want exactly one container record, got %d (%v)", len(cs), err)
	}
	return cs[0]
}

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// assertNoTrace checks, by asking the kernel and the state files, that
// nothing of container c remains: its record, its cgroups, its veth,
// DNAT rules, addresses and ports in the bridge's pool, its processes.
func assertNoTrace(t *testing.T, e *Engine, c *Container, initStart uint64) {
	t.Helper()
	if _, err := os.Stat(e.Containers.DirOf(c.ID)); err == nil {
		t.Errorf("container directory %s left", e.Containers.DirOf(c.ID))
	}
	assertRuntimeReleased(t, e, c, initStart)
}

// assertRuntimeReleased is assertNoTrace without the record.
func assertRuntimeReleased(t *testing.T, e *Engine, c *Container, initStart uint64) {
	t.Helper()
	for dir := range containerCgroups(t, e) {
		if filepath.Base(dir) == c.ID[:12] {
			t.Errorf("cgroup left: %s", dir)
		}
	}
	if _, err := net.InterfaceByName(hostVeth(c.ID)); err == nil {
		t.Errorf("veth %s left", hostVeth(c.ID))
	}
	rules, err := netdemo.ListRules(netdemo.BridgeTable(e.Config.Bridge))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Chain == netdemo.ChainPrerouting || r.Chain == netdemo.ChainOutput {
			t.Errorf("DNAT rule left in %s: %s", r.Chain, r.Rule)
		}
	}
	pool, _ := e.pool()
	if st, err := pool.State(); err != nil {
		t.Error(err)
	} else if len(st.Allocated)+len(st.Ports) != 0 {
		t.Errorf("pool %s still holds addresses %v and ports %v", pool.Path(), st.Addresses(), st.Ports)
	}
	if c.State.Pid > 0 {
		if st, err := procStartTime(c.State.Pid); err == nil && st == initStart {
			t.Errorf("the container's init, PID %d, still runs", c.State.Pid)
		}
	}
}

// SIGKILL of `vitro run` before each of steps 3–6 and while the program
// runs; then what a user would do next. Each resource must be released
// by the command that finds the run's owner dead: `ps` removes a --rm
// container; without --rm it is exited, `start` runs it again (and may
// publish the same port: the stale rule must not steal it), and `rm`
// leaves nothing, so that a later container gets the port.
func TestSIGKILLOfRunLeavesNothing(t *testing.T) {
	e := testEngine(t)
	port := freePort(t)
	publish := []string{fmt.Sprintf("127.0.0.1:%d:80", port)}
	moments := []struct{ name, pauseAt, marker string }{
		{"before step 3", "rootfs", "paused before step 3/6"},
		{"before step 4", "network", "paused before step 4/6"},
		{"before step 5", "address", "paused before step 5/6"},
		{"before step 6", "exec", "paused before step 6/6"},
		{"while running", "", "the program runs"},
	}
	for _, m := range moments {
		for _, rm := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, --rm=%v", m.name, rm), func(t *testing.T) {
				o := RunOptions{Remove: rm, PauseAt: m.pauseAt, Publish: publish, Cmd: []string{"sleep", "1000"}}
				if m.pauseAt == "" {
					o.Cmd = []string{"sh", "-c", "echo the program runs >&2; exec sleep 1000"}
				}
				cmd, _, lines := runChild(t, e, o)
				waitLine(t, lines, m.marker)
				c := onlyRecord(t, e)
				t.Cleanup(func() { e.Remove(c.ID, true) }) // if the test failed before rm
				initStart, _ := procStartTime(c.State.Pid)
				killNine(t, cmd)

				cs, err := e.List() // vitro ps -a
				if err != nil {
					t.Fatal(err)
				}
				if rm {
					if len(cs) != 0 {
						t.Fatalf("ps after the kill: %d containers, want the --rm one removed", len(cs))
					}
					assertNoTrace(t, e, c, initStart)
					return
				}
				if len(cs) != 1 || cs[0].State.Status != StatusExited {
					t.Fatalf("ps after the kill: %+v, want one exited container", cs)
				}
				assertRuntimeReleased(t, e, c, initStart)
				// vitro start -a: the same container, the same port.
				restarted := *cs[0]
				restarted.Options.Cmd, restarted.Config.Cmd = []string{"true"}, []string{"true"}
				if err := e.Containers.Save(&restarted); err != nil {
					t.Fatal(err)
				}
				var out strings.Builder
				if err := e.Start(context.Background(), c.ID, true, false, Stdio{In: strings.NewReader(""), Out: &out, Err: &out}); err != nil {
					t.Fatalf("start after the kill: %v\n%s", err, out.String())
				}
				if err := e.Remove(c.ID, false); err != nil {
					t.Fatalf("rm: %v", err)
				}
				assertNoTrace(t, e, c, initStart)
				// A later container publishes the same port.
				if _, stderr, err := runIn(t, e, RunOptions{Remove: true, Publish: publish, Cmd: []string{"true"}}); err != nil {
					t.Fatalf("a later container on the same port: %v\n%s", err, stderr)
				}
			})
		}
	}
}

// Two containers publishing one host port: the second gets docker's
// error, status 125, and nothing of it remains; the first keeps its rule.
func TestTwoContainersOnePort(t *testing.T) {
	e := testEngine(t)
	port := freePort(t)
	spec := fmt.Sprintf("%d:80", port)
	pr, pw := io.Pipe()
	e.Pause = pauseOnPipe(pr)
	first := make(chan error, 1)
	go func() {
		first <- e.Run(context.Background(), RunOptions{Image: "busybox", Remove: true, PauseAt: "exec", Publish: []string{spec}, Cmd: []string{"true"}},
			Stdio{In: pr, Out: io.Discard, Err: io.Discard})
	}()
	defer func() {
		go pw.Write([]byte("\n")) // nobody reads it if the run failed before pausing
		if err := <-first; err != nil {
			t.Errorf("the first container: %v", err)
		}
		assertNothingLeft(t, e)
	}()
	a := waitPaused(t, e, 1)
	_, _, err := runIn(t, e, RunOptions{Remove: true, Publish: []string{spec}, Cmd: []string{"true"}})
	want := fmt.Sprintf("Bind for 0.0.0.0:%d failed: port is already allocated", port)
	if err == nil || !strings.Contains(err.Error(), want) || exitCodeOf(err) != 125 || !errors.Is(err, netdemo.ErrPortAllocated) {
		t.Fatalf("second container on port %d: %v (status %d), want %q and status 125", port, err, exitCodeOf(err), want)
	}
	cs, _ := e.Containers.List()
	if len(cs) != 1 || cs[0].ID != a.ID {
		t.Errorf("after the refusal: %d records, want only the first container's", len(cs))
	}
	pool, _ := e.pool()
	st, _ := pool.State()
	if len(st.Allocated) != 1 || len(st.Ports) != 1 {
		t.Errorf("pool after the refusal: addresses %v, ports %v; want only the first container's", st.Addresses(), st.Ports)
	}
	rules, _ := netdemo.ListRules(netdemo.BridgeTable(e.Config.Bridge))
	n := 0
	for _, r := range rules {
		if strings.Contains(r.Rule, fmt.Sprintf("dport %d ", port)) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d DNAT rules for port %d, want the first container's 2 (prerouting, output)", n, port)
	}
}

// pauseOnPipe is an Engine.Pause hook that waits for a line on r.
func pauseOnPipe(r io.Reader) func(context.Context, PausePoint) error {
	return func(ctx context.Context, p PausePoint) error {
		_, err := bufio.NewReader(r).ReadString('\n')
		return err
	}
}

// waitPaused waits until n containers of e have an address (paused
// before step 6) and returns the newest.
func waitPaused(t *testing.T, e *Engine, n int) *Container {
	t.Helper()
	for i := 0; i < 600; i++ {
		cs, _ := e.Containers.List()
		with := 0
		for _, c := range cs {
			if c.Network.IPAddress != "" {
				with++
			}
		}
		if with >= n {
			return cs[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fewer than %d containers reached step 6", n)
	return nil
}

// Two data roots sharing one bridge (and so one run root) draw from one
// pool: their live containers get different addresses. A vitro whose
// run root is elsewhere is refused the bridge.
func TestTwoDataRootsOneBridge(t *testing.T) {
	e1 := testEngine(t)
	e2 := testEngine(t)
	cfg2 := *e2.Config
	cfg2.Bridge, cfg2.BIP, cfg2.ExecRoot = e1.Config.Bridge, e1.Config.BIP, e1.Config.ExecRoot
	e2 = New(&cfg2)
	var ins []*io.PipeWriter
	done := make(chan error, 2)
	for _, e := range []*Engine{e1, e2} {
		pr, pw := io.Pipe()
		e.Pause = pauseOnPipe(pr)
		ins = append(ins, pw)
		go func(e *Engine) {
			done <- e.Run(context.Background(), RunOptions{Image: "busybox", Remove: true, PauseAt: "exec", Cmd: []string{"true"}},
				Stdio{In: pr, Out: io.Discard, Err: io.Discard})
		}(e)
	}
	a, b := waitPaused(t, e1, 1), waitPaused(t, e2, 1)
	if a.Network.IPAddress == b.Network.IPAddress {
		t.Errorf("two live containers on bridge %s share address %s", e1.Config.Bridge, a.Network.IPAddress)
	}

	e3 := testEngine(t) // a data root and a run root of its own
	e3.Config.Bridge, e3.Config.BIP = e1.Config.Bridge, e1.Config.BIP
	_, _, err := runIn(t, e3, RunOptions{Remove: true, Cmd: []string{"true"}})
	if !errors.Is(err, netdemo.ErrBridgeClaimed) || exitCodeOf(err) != 125 {
		t.Errorf("a vitro with another run root on the same bridge: %v, want ErrBridgeClaimed, status 125", err)
	}
	if cs, _ := e3.Containers.List(); len(cs) != 0 {
		t.Errorf("the refused run left %d records", len(cs))
	}
	for _, pw := range ins {
		go pw.Write([]byte("\n"))
	}
	for range ins {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	assertNothingLeft(t, e1)
	assertNothingLeft(t, e2)
}

// Fifty `vitro run --rm --network bridge busybox true` at once, each its
// own process, on one test bridge: all succeed, and nothing is left.
func TestConcurrentRuns(t *testing.T) {
	e := testEngine(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b, _ := json.Marshal(childRun{Config: *e.Config, Opts: RunOptions{Image: "busybox", Remove: true, Network: "bridge", Cmd: []string{"true"}}})
			cmd := reexec.Command("engine-test-run")
			cmd.Env = append(os.Environ(), childRunEnv+"="+string(b))
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs[i] = fmt.Sprintf("run %d: %v: %s", i, err, out)
			}
		}(i)
	}
	wg.Wait()
	failed := 0
	for _, s := range errs {
		if s != "" {
			failed++
			t.Error(s)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d concurrent runs failed", failed, n)
	}
	assertNothingLeft(t, e)
	if cs, _ := e.Containers.List(); len(cs) != 0 {
		t.Errorf("%d records left", len(cs))
	}
}
