package compare

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/engine/compare/vmproto"
	"github.com/vitro-dev/vitro/internal/helperbin"
)

// HelperName is the VM helper's file name, looked for next to vitro
// (internal/helperbin).
const HelperName = "vitro-vm"

// vmGuest runs the script in a VM booted by the helper.
type vmGuest struct {
	helper  string
	busybox string
	tmp     string // disk images and scripts
	timeout time.Duration
	in      vmproto.Info
	err     string
}

// vmMemoryMB and vmCPUs size every guest.
const (
	vmMemoryMB = 256
	vmCPUs     = 1
	vmIODir    = "/mnt/vc"
)

func newVM(ctx context.Context, helper, busybox, tmp string, timeout time.Duration) *vmGuest {
	v := &vmGuest{helper: helper, busybox: busybox, tmp: tmp, timeout: timeout}
	if helper == "" {
		p, err := helperbin.Find(HelperName)
		if err != nil {
			v.err = err.Error()
			return v
		}
		v.helper = p
	}
	cmd := exec.CommandContext(ctx, v.helper, "info", "-busybox", busybox)
	if a := os.Getenv("VITRO_VM_ACCEL"); a != "" {
		cmd.Args = append(cmd.Args, "-accel", a)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		v.err = fmt.Sprintf("%s info: %v %s", v.helper, err, strings.TrimSpace(stderr.String()))
		return v
	}
	if err := json.Unmarshal(out, &v.in); err != nil {
		v.err = fmt.Sprintf("%s info: %v", v.helper, err)
		return v
	}
	v.err = v.in.Error
	return v
}

func (v *vmGuest) info() ContenderInfo {
	ci := ContenderInfo{Name: "vm", Kind: "vm", Available: v.err == "", Note: v.err, Accel: v.in.Accel}
	if v.err == "" {
		ci.What = fmt.Sprintf("%s: qemu %s, kernel %s, %d MiB, %d vCPU, busybox initramfs", HelperName, v.in.Accel, v.in.Release, vmMemoryMB, vmCPUs)
		ci.Note = fmt.Sprintf("%s (%s)", strings.ToUpper(v.in.Accel), v.in.AccelWhy)
	}
	return ci
}

func (v *vmGuest) script(s Sizes) string {
	prelude := "for m in $VC_MODULES; do insmod $m || echo VC error insmod $m; done\n" +
		"mke2fs -q /dev/vda >/dev/null 2>&1 && mkdir -p " + vmIODir + " && mount -t ext4 /dev/vda " + vmIODir + " || echo VC error disk"
	return Script(s, vmIODir, prelude)
}

func (v *vmGuest) disk() Disk {
	return Disk{Bytes: v.in.KernelBytes + v.in.InitramfsByte,
		What: fmt.Sprintf("kernel %s (%d KiB) + initramfs (%d KiB: busybox, /init, %d modules)", filepath.Base(v.in.Kernel), v.in.KernelBytes>>10, v.in.InitramfsByte>>10, len(v.in.Modules))}
}

func (v *vmGuest) close() {}

func (v *vmGuest) start(ctx context.Context, script string, idle bool) (*instance, error) {
	f, err := os.CreateTemp(v.tmp, "vm-script-*.sh")
	if err != nil {
		return nil, err
	}
	if idle {
		script = IdleScript(false)
	}
	_, err = f.WriteString(script)
	f.Close()
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	args := []string{"boot", "-script", f.Name(), "-busybox", v.busybox, "-accel", v.in.Accel,
		"-mem", fmt.Sprint(vmMemoryMB), "-smp", fmt.Sprint(vmCPUs), "-timeout", v.timeout.String()}
	if !idle {
		args = append(args, "-disk-mb", "256", "-disk-dir", v.tmp)
	}
	cmd := exec.Command(v.helper, args...)
	// If vitro dies, the helper dies, and qemu with it (its own Pdeathsig).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("starting %s: %w", v.helper, err)
	}
	observe("process", fmt.Sprint(cmd.Process.Pid))
	inst := &instance{lines: make(chan Line, 64)}
	pidc := make(chan int, 1)
	var exit *vmproto.Event
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var e vmproto.Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			switch e.Event {
			case "started":
				observe("qemu", fmt.Sprint(e.PID))
				pidc <- e.PID
			case "line":
				inst.lines <- Line{At: time.Duration(e.TNS), Text: e.Text}
			case "exit":
				ev := e
				exit = &ev
			}
		}
		close(inst.lines)
		done <- cmd.Wait()
	}()
	var werr error
	finished := make(chan struct{})
	go func() {
		select {
		case werr = <-done:
		case <-ctx.Done():
			cmd.Process.Signal(syscall.SIGTERM) // the helper kills qemu and removes its files
			werr = <-done
		}
		os.Remove(f.Name())
		switch {
		case exit == nil && werr == nil:
			werr = errors.New("the VM helper ended without an exit event")
		case exit != nil && exit.Error != "" && !idle:
			werr = errors.New(exit.Error)
			inst.timedOut = exit.Timeout
		case werr != nil:
			werr = fmt.Errorf("%s: %w %s", HelperName, werr, strings.TrimSpace(stderr.String()))
		}
		close(finished)
	}()
	qemuPID := 0
	inst.memory = func() (MemSample, error) {
		if qemuPID == 0 {
			select {
			case qemuPID = <-pidc:
			default:
				return MemSample{}, errors.New("qemu has not started")
			}
		}
		rss, pss, err := procMem(qemuPID)
		return MemSample{Main: rss, PSS: pss, What: fmt.Sprintf("RSS of qemu (guest RAM %d MiB)", vmMemoryMB)}, err
	}
	inst.stop = once(func() {
		select {
		case <-finished:
			return
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-finished:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-finished
		}
	})
	inst.wait = func() error {
		<-finished
		return werr
	}
	return inst, nil
}
