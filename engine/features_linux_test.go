package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/vitro-dev/vitro/fsdemo"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/nsdemo"
)

// capMask is the CapEff value of a set of capability names.
func capMask(names []string) uint64 {
	var m uint64
	for _, n := range names {
		m |= 1 << capNames[n]
	}
	return m
}

// checkMasked looks at each of docker's masked paths inside a container,
// one by one: a file must be /dev/null (character device 1:3), a
// directory an empty tmpfs. A path this kernel lacks is skipped, as the
// engine skips it.
func checkMasked(t *testing.T, e *Engine) {
	t.Helper()
	var script strings.Builder
	want := map[string]string{}
	for _, p := range fsdemo.MaskedPaths {
		st, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if st.IsDir() {
			want[p] = "directory entries=0"
		} else {
			want[p] = "character special file 1:3 entries=0"
		}
		fmt.Fprintf(&script, "echo \"%[1]s: $(stat -c '%%F %%t:%%T' %[1]s | sed 's/ 0:0$//') entries=$(ls -A %[1]s | grep -cv '^%[1]s$')\"\n", p)
	}
	if len(want) == 0 {
		t.Fatalf("none of the masked paths %v exists on this host: nothing to check", fsdemo.MaskedPaths)
	}
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"sh", "-c", script.String()}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		p, v, _ := strings.Cut(line, ": ")
		got[p] = v
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("masked path %s inside the container: %q, want %q", p, got[p], w)
		}
	}
}

func TestRunSecurityDefaults(t *testing.T) {
	e := testEngine(t)
	script := `grep CapEff /proc/self/status; grep CapBnd /proc/self/status
echo x > /proc/sys/kernel/domainname && echo procsys=writable || echo procsys=readonly
mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo mount=allowed || echo mount=refused`
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	want := fmt.Sprintf("%016x", capMask(DefaultCaps))
	for _, w := range []string{"CapEff:\t" + want, "CapBnd:\t" + want, "procsys=readonly", "mount=refused"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	checkMasked(t, e)

	out, _, err = runIn(t, e, RunOptions{Remove: true, Privileged: true, Cmd: []string{"sh", "-c", "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo mount=allowed"}})
	if err != nil || !strings.Contains(out, "mount=allowed") {
		t.Errorf("--privileged cannot mount: %v %q", err, out)
	}
	out, _, _ = runIn(t, e, RunOptions{Remove: true, CapDrop: []string{"ALL"}, Cmd: []string{"grep", "CapEff", "/proc/self/status"}})
	if !strings.Contains(out, "0000000000000000") {
		t.Errorf("--cap-drop ALL left %q", out)
	}
}

func TestRunChrootEscapeFails(t *testing.T) {
	e := testEngine(t)
	// The classic escape: chroot into a subdirectory while keeping a
	// handle on the old root, then walk up. After pivot_root and the old
	// root's unmount there is nothing above the container's / to reach.
	marker := filepath.Join(os.TempDir(), fmt.Sprintf("vitro-escape-marker-%d", os.Getpid()))
	os.WriteFile(marker, []byte("host secret"), 0o644)
	defer os.Remove(marker)
	script := fmt.Sprintf(`mkdir -p /jail/bin && cp /bin/busybox /jail/bin/ && ln -s busybox /jail/bin/sh && ln -s busybox /jail/bin/cat || exit 3
cd / && chroot /jail /bin/sh -c 'echo in the jail; cd ../../../../..; cat %[1]s 2>/dev/null; echo walked up in the jail'
cat /../../../..%[1]s 2>/dev/null
echo walked up from /`, marker)
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		t.Fatalf("the container did not run the escape attempt: %v\n%s%s", err, out, stderr)
	}
	for _, want := range []string{"in the jail", "walked up in the jail", "walked up from /"} {
		if !strings.Contains(out, want) {
			t.Errorf("the escape attempt did not get as far as %q:\n%s%s", want, out, stderr)
		}
	}
	if strings.Contains(out, "host secret") {
		t.Errorf("a process in the container read the host file %s:\n%s", marker, out)
	}
}

func TestRunLimitsBite(t *testing.T) {
	e := testEngine(t)
	// tail keeps the last 256 MiB in memory: more than the limit. The
	// limit leaves room for init, which under -race is the instrumented
	// test binary and needs more than 16 MiB before it execs sh.
	_, stderr, err := runIn(t, e, RunOptions{Remove: true, Memory: "96m", Cmd: []string{"sh", "-c", "head -c 400m /dev/zero | tail -c 256m > /dev/null; exit $?"}})
	if got := exitCodeOf(err); got != 137 {
		t.Errorf("memory hog under -m 96m exited %d (%v), want 137 (SIGKILL by the OOM killer)\n%s", got, err, stderr)
	}
	// The shell forks ten sleeps; the pids cgroup refuses the fork that
	// would exceed the limit (EAGAIN), and ash gives up with status 2.
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, PidsLimit: 6, Cmd: []string{"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & echo started; done; wait"}})
	n := strings.Count(out, "started")
	if n >= 10 || n == 0 || !strings.Contains(stderr, "fork") {
		t.Errorf("with --pids-limit 6, %d of 10 background processes started (%v); stderr %q", n, err, stderr)
	}
}

func TestRunVolumes(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in"), []byte("from host"), 0o644)
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Volumes: []string{dir + ":/data"}, Cmd: []string{"sh", "-c", "cat /data/in; echo written > /data/out"}})
	if err != nil || !strings.Contains(out, "from host") {
		t.Fatalf("rw volume: %v %q %s", err, out, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out")); string(b) != "written\n" {
		t.Errorf("a write inside did not reach the host: %q", b)
	}
	out, _, _ = runIn(t, e, RunOptions{Remove: true, Volumes: []string{dir + ":/data:ro"}, Cmd: []string{"sh", "-c", "echo x > /data/out2 || echo refused"}})
	if !strings.Contains(out, "refused") {
		t.Errorf("a read-only volume took a write: %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "out2")); err == nil {
		t.Error("out2 appeared on the host through a read-only volume")
	}
}

func TestRunNetworkNone(t *testing.T) {
	e := testEngine(t)
	out, _, err := runIn(t, e, RunOptions{Remove: true, Network: "none", Cmd: []string{"ls", "/sys/class/net"}})
	if err != nil || strings.TrimSpace(out) != "lo" {
		t.Errorf("--network none: interfaces %q, %v; want only lo", out, err)
	}
}

func TestRunPublishedPort(t *testing.T) {
	e := testEngine(t)
	port := 20000 + os.Getpid()%20000
	done := make(chan error, 1)
	go func() {
		_, _, err := runIn(t, e, RunOptions{Remove: true, Publish: []string{fmt.Sprintf("%d:80", port)},
			// The server reads the request line before it answers: an
			// answer sent on connect reaches the client before its
			// request, which Go's client rejects as unsolicited.
			Cmd: []string{"sh", "-c", `printf '#!/bin/sh\nread -r request\nprintf "HTTP/1.0 200 OK\\r\\n\\r\\nhello from the container"\n' > /tmp/serve; timeout 60 nc -l -p 80 -e sh /tmp/serve`}})
		done <- err
	}()
	var body string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if body != "hello from the container" {
		t.Errorf("GET 127.0.0.1:%d = %q", port, body)
	}
	if err := <-done; err != nil {
		t.Errorf("container: %v", err)
	}
	assertNothingLeft(t, e)
}

func TestCreateThenStart(t *testing.T) {
	e := testEngine(t)
	var out strings.Builder
	c, err := e.Create(context.Background(), RunOptions{Image: "busybox", Name: "made", Cmd: []string{"sh", "-c", "echo run=$((6*7))"}},
		Stdio{In: strings.NewReader(""), Out: &out, Err: &out})
	if err != nil {
		t.Fatal(err)
	}
	if c.State.Status != StatusCreated || c.State.Pid != 0 {
		t.Errorf("after create: %+v", c.State)
	}
	if _, err := os.Stat(c.Rootfs.Upper); err != nil {
		t.Errorf("create made no upper directory: %v", err)
	}
	if err := e.Start(context.Background(), "made", true, false, Stdio{In: strings.NewReader(""), Out: &out, Err: &out}); err != nil {
		t.Fatalf("start: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "run=42") {
		t.Errorf("start -a output %q", out.String())
	}
	got, _ := e.Get("made")
	if got.State.Status != StatusExited {
		t.Errorf("after the program ended: %s", got.State.Status)
	}
	if err := e.Remove("made", false); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, e)
}

// TestPauseAt stops before step 6 and checks, while paused, what a
// student would look at: init is alive in namespaces of its own, with the
// overlay and eth0 that the host's mount table and links do not show,
// and its cgroup holds the memory limit.
func TestPauseAt(t *testing.T) {
	e := testEngine(t)
	paused := make(chan PausePoint, 1)
	resume := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(resume) }) }
	t.Cleanup(release) // a failed check below must not leave the run waiting
	e.Pause = func(ctx context.Context, p PausePoint) error {
		paused <- p
		<-resume
		return nil
	}
	done := make(chan error, 1)
	go func() {
		done <- e.Run(context.Background(), RunOptions{Image: "busybox", Remove: true, PauseAt: "exec", Memory: "64m", Cmd: []string{"true"}},
			Stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	}()
	var p PausePoint
	select {
	case p = <-paused:
	case err := <-done:
		t.Fatalf("run ended without pausing: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("no pause within a minute of vitro run --pause-at exec")
	}
	if p.Step != 6 || p.Of != 6 || p.Name != "exec" || p.InitPID == 0 {
		t.Errorf("paused at %+v, want step 6 of 6 (exec) with init's PID", p)
	}
	cs, err := e.Containers.List()
	if err != nil || len(cs) != 1 {
		release()
		t.Fatalf("containers while paused: %d, %v; want 1", len(cs), err)
	}
	c := cs[0]
	if c.State.Pid != p.InitPID {
		t.Errorf("hook was told init is PID %d, the record says %d", p.InitPID, c.State.Pid)
	}
	pid := c.State.Pid
	for _, typ := range []string{"net", "mnt"} {
		in, err1 := nsdemo.Inode(pid, typ)
		host, err2 := nsdemo.Inode(os.Getpid(), typ)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if in == host {
			t.Errorf("paused init shares the host's %s namespace (inode %d)", typ, in)
		}
	}
	inside, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	host, _ := os.ReadFile("/proc/self/mountinfo")
	if !strings.Contains(string(inside), " / / ") || !strings.Contains(string(inside), "overlay") {
		t.Errorf("init's mount table has no overlay root:\n%s", inside)
	}
	if strings.Contains(string(host), c.Rootfs.Merged) || strings.Contains(string(host), c.Rootfs.Upper) {
		t.Error("the host's mount table shows the container's overlay")
	}
	netdev, _ := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if !strings.Contains(string(netdev), "eth0") {
		t.Errorf("init's network has no eth0:\n%s", netdev)
	}
	if _, err := os.Stat("/sys/class/net/" + c.Network.HostVeth); err != nil {
		t.Errorf("host end %s of the veth pair is missing: %v", c.Network.HostVeth, err)
	}
	assertInCgroup(t, pid, c.Cgroup)
	release()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	assertNothingLeft(t, e)
}

// TestHostBinaryNotReachable is the check behind CVE-2019-5736: no process
// a container can see runs vitro's binary, so there is no /proc/PID/exe
// through which the container could reopen and overwrite it.
func TestHostBinaryNotReachable(t *testing.T) {
	e := testEngine(t)
	out, _, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"sh", "-c", "sleep 1 & for p in /proc/[0-9]*; do echo $(readlink $p/exe); done; wait"}})
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	n := 0
	for _, l := range strings.Fields(out) {
		n++
		if l != "/bin/busybox" || strings.Contains(l, filepath.Base(self)) {
			t.Errorf("a process inside runs %q", l)
		}
	}
	if n < 2 {
		t.Errorf("saw %d processes inside, want at least sh and sleep: %q", n, out)
	}
}

func TestWorkingDirectory(t *testing.T) {
	e := testEngine(t)
	out, _, err := runIn(t, e, RunOptions{Remove: true, WorkingDir: "/srv/app", Cmd: []string{"pwd"}})
	if err != nil || strings.TrimSpace(out) != "/srv/app" {
		t.Errorf("-w /srv/app: pwd = %q, %v", out, err)
	}
	_, _, err = runIn(t, e, RunOptions{Remove: true, WorkingDir: "relative", Cmd: []string{"pwd"}})
	if exitCodeOf(err) != 125 {
		t.Errorf("-w relative: %v, want status 125", err)
	}
	assertNothingLeft(t, e)
}

func TestRunUserEnvReadOnly(t *testing.T) {
	e := testEngine(t)
	out, _, err := runIn(t, e, RunOptions{Remove: true, Network: "none", User: "1000:1000", Env: []string{"FOO=bar"}, Hostname: "box",
		ReadOnly: true, Cmd: []string{"sh", "-c", "id -u; id -g; echo $FOO; hostname; grep CapEff /proc/self/status; touch /x 2>/dev/null && echo rw || echo ro"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1000", "1000", "bar", "box", "CapEff:\t0000000000000000", "ro"}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != len(want) {
		t.Fatalf("output %q, want lines %q", got, want)
	}
	for i := range want {
		if strings.TrimSpace(got[i]) != want[i] {
			t.Errorf("line %d = %q, want %q", i, got[i], want[i])
		}
	}
}
