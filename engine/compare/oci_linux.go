package compare

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/engine/image"
)

// ociRuntime runs the script with an OCI runtime's own command line,
// `runc run` or `crun run`, over a bundle whose root is the busybox
// image's unpacked layer (read-only, as runc spec makes it) with a host
// directory bound on /tmp for the I/O workload. The runtime's state lives
// in a directory of compare's own (--root), so nothing stays in /run.
type ociRuntime struct {
	name, bin string
	img       *image.Image
	tmp       string
	note      string
}

func newOCI(name string, img *image.Image, tmp string) contender {
	o := &ociRuntime{name: name, img: img, tmp: tmp}
	p, err := exec.LookPath(name)
	switch {
	case err != nil:
		o.note = fmt.Sprintf("%s is not installed: apt-get install %s", name, name)
	case len(img.Layers) != 1:
		o.note = fmt.Sprintf("the busybox image has %d layers; the %s bundle uses a single-layer image as its root", len(img.Layers), name)
	default:
		o.bin = p
	}
	return o
}

func (o *ociRuntime) info() ContenderInfo {
	ci := ContenderInfo{Name: o.name, Kind: "container", Available: o.bin != "", Note: o.note}
	if o.bin != "" {
		ci.What = o.name + " run: an OCI bundle over the busybox layer (read-only root, /tmp bound from the host, no network)"
	}
	return ci
}

func (o *ociRuntime) script(s Sizes) string { return Script(s, "/tmp", "") }

func (o *ociRuntime) disk() Disk {
	return Disk{Bytes: o.img.Size, What: "the busybox image's layer, unpacked (the bundle's root)"}
}

func (o *ociRuntime) close() { removeEmptyCgroup(ociCgroupParent) }

// ociCgroupParent holds the runtimes' container cgroups.
const ociCgroupParent = "vitro-compare"

// bundle writes DIR/config.json from `RUNTIME spec`, changed to run argv
// in the image's layer with /tmp bound to a fresh host directory.
func (o *ociRuntime) bundle(dir, id string, argv []string) error {
	spec := exec.Command(o.bin, "spec", "--bundle", dir)
	if out, err := spec.CombinedOutput(); err != nil {
		return fmt.Errorf("%s spec: %v: %s", o.name, err, out)
	}
	p := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("%s spec wrote %s: %w", o.name, p, err)
	}
	proc, _ := c["process"].(map[string]any)
	linux, _ := c["linux"].(map[string]any)
	if proc == nil || linux == nil {
		return fmt.Errorf("%s spec wrote no process or linux section", o.name)
	}
	proc["args"], proc["terminal"] = argv, false
	c["root"] = map[string]any{"path": o.img.Layers[0].Dir, "readonly": true}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o1777); err != nil {
		return err
	}
	mounts, _ := c["mounts"].([]any)
	c["mounts"] = append(mounts, map[string]any{"destination": "/tmp", "type": "bind", "source": tmp, "options": []string{"rbind", "rw"}})
	linux["cgroupsPath"] = "/" + ociCgroupParent + "/" + id
	b, err = json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

func (o *ociRuntime) start(ctx context.Context, script string, idle bool) (*instance, error) {
	var rid [6]byte
	rand.Read(rid[:])
	id := "vitro-compare-" + hex.EncodeToString(rid[:])
	dir, err := os.MkdirTemp(o.tmp, o.name+"-bundle-")
	if err != nil {
		return nil, err
	}
	state := filepath.Join(o.tmp, o.name+"-state")
	if err := o.bundle(dir, id, []string{"sh", "-c", script}); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(o.bin, "--root", state, "run", "--bundle", dir, id)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	inst, err := startCmd(context.WithoutCancel(ctx), cmd, idle, func(runtimePID int) (MemSample, error) {
		pid, err := o.pid(state, id)
		if err != nil {
			return MemSample{}, err
		}
		usage, cg, pss, err := cgroupMemory(pid)
		if cg != "" {
			observe("cgroup", cg)
		}
		mon, _, _ := procMem(runtimePID)
		return MemSample{Main: usage, PSS: pss, Monitor: mon, What: fmt.Sprintf("cgroup %s + %s run's RSS (%.1f MiB, the process that waits for the container)", cg, o.name, float64(mon)/mib)}, err
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	observe("container", o.name+":"+id)
	// Ctrl-C: kill the container through the runtime, which then exits
	// and removes its cgroup; then remove the bundle.
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			exec.Command(o.bin, "--root", state, "kill", id, "KILL").Run()
		case <-stopped:
		}
	}()
	wait, stop := inst.wait, inst.stop
	cleanup := once(func() {
		close(stopped)
		exec.Command(o.bin, "--root", state, "delete", "--force", id).Run()
		os.RemoveAll(dir)
	})
	inst.wait = func() error { err := wait(); cleanup(); return err }
	inst.stop = once(func() { stop(); wait(); cleanup() })
	return inst, nil
}

// pid asks the runtime for the container's init PID.
func (o *ociRuntime) pid(state, id string) (int, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		out, err := exec.Command(o.bin, "--root", state, "state", id).Output()
		var st struct {
			Pid int `json:"pid"`
		}
		if err == nil && json.Unmarshal(out, &st) == nil && st.Pid > 0 {
			return st.Pid, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s state %s: %v %s", o.name, id, err, strings.TrimSpace(string(out)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
