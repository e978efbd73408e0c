package compare

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dockerCLI runs the script with `docker run --rm -i --network none
// busybox`, against the daemon $DOCKER_HOST names. compare never starts a
// daemon: without DOCKER_HOST the column says how to get one.
type dockerCLI struct {
	bin, note string
	size      int64
}

func newDocker(ctx context.Context) contender {
	d := &dockerCLI{}
	p, err := exec.LookPath("docker")
	switch {
	case err != nil:
		d.note = "docker is not installed"
		return d
	case os.Getenv("DOCKER_HOST") == "":
		d.note = "DOCKER_HOST is not set: compare uses a running daemon and never starts one (e.g. eval \"$(/work/shared/tools/dockerd-private.sh start)\")"
		return d
	}
	out, err := exec.CommandContext(ctx, p, "image", "inspect", "-f", "{{.Size}}", "busybox").Output()
	if err != nil {
		d.note = fmt.Sprintf("docker at %s has no busybox image (or does not answer): %v", os.Getenv("DOCKER_HOST"), err)
		return d
	}
	d.size, _ = strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	d.bin = p
	return d
}

func (d *dockerCLI) info() ContenderInfo {
	ci := ContenderInfo{Name: "docker", Kind: "container", Available: d.bin != "", Note: d.note}
	if d.bin != "" {
		ci.What = "docker run --rm -i --network none busybox sh -c SCRIPT, at " + os.Getenv("DOCKER_HOST")
	}
	return ci
}

func (d *dockerCLI) script(s Sizes) string { return Script(s, "/tmp", "") }

func (d *dockerCLI) disk() Disk {
	return Disk{Bytes: d.size, What: "docker image inspect busybox: Size"}
}

func (d *dockerCLI) close() {}

func (d *dockerCLI) start(ctx context.Context, script string, idle bool) (*instance, error) {
	var rid [6]byte
	rand.Read(rid[:])
	name := "vitro-compare-" + hex.EncodeToString(rid[:])
	args := []string{"run", "--rm", "--network", "none", "--name", name}
	if idle {
		args = append(args, "-i")
	}
	cmd := exec.Command(d.bin, append(args, "busybox", "sh", "-c", script)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	inst, err := startCmd(context.WithoutCancel(ctx), cmd, idle, func(int) (MemSample, error) {
		var pid int
		deadline := time.Now().Add(2 * time.Second)
		for {
			out, err := exec.Command(d.bin, "inspect", "-f", "{{.State.Pid}}", name).Output()
			pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
			if (err == nil && pid > 0) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if pid == 0 {
			return MemSample{}, fmt.Errorf("docker inspect %s: no PID", name)
		}
		usage, cg, pss, err := cgroupMemory(pid)
		if cg != "" {
			observe("cgroup", cg)
		}
		var shim int64
		if ppid, e := statusKB(pid, "PPid:"); e == nil {
			shim, _, _ = procMem(int(ppid >> 10))
		}
		return MemSample{Main: usage, PSS: pss, Monitor: shim, What: fmt.Sprintf("cgroup %s + containerd-shim's RSS (%.1f MiB)", cg, float64(shim)/mib)}, err
	})
	if err != nil {
		return nil, err
	}
	observe("container", "docker:"+name)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			exec.Command(d.bin, "rm", "-f", name).Run()
		case <-stopped:
		}
	}()
	wait, stop := inst.wait, inst.stop
	cleanup := once(func() { close(stopped) })
	inst.wait = func() error { err := wait(); cleanup(); return err }
	inst.stop = once(func() {
		stop()
		if wait() != nil {
			exec.Command(d.bin, "rm", "-f", name).Run()
		}
		cleanup()
	})
	return inst, nil
}
