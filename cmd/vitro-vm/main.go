// Command vitro-vm is the VM side of `vitro compare`: it boots one
// virtual machine with internal/vm (qemu, the distribution's kernel and a
// busybox initramfs built in Go) and reports, as JSON lines, when qemu
// started, every console line with its time, and how the guest ended.
//
// It is a separate binary so that the vitro command never links the VM
// harness; `make build` puts it in bin/ next to vitro, where compare
// looks for it. The protocol is engine/compare/vmproto.
//
//	vitro-vm info [-accel kvm|tcg]
//	vitro-vm boot -script FILE [-accel kvm|tcg] [-mem 256] [-smp 1] [-disk-mb 64 -disk-dir DIR] [-timeout 3m]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/engine/compare/vmproto"
	"github.com/vitro-dev/vitro/internal/vm"
)

// diskModules let the guest see a virtio disk and mount an ext2 file
// system on it (Debian's ext4 driver mounts ext2; it wants crc32c).
var diskModules = []string{"virtio_pci", "virtio_blk", "crc32c_generic", "ext4"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: vitro-vm info | vitro-vm boot -script FILE [flags]  (run by vitro compare)")
		return 2
	}
	var err error
	switch args[0] {
	case "info":
		err = cmdInfo(ctx, args[1:], stdout)
	case "boot":
		err = cmdBoot(ctx, args[1:], stdout)
	default:
		err = fmt.Errorf("unknown command %q: use info or boot", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitro-vm:", err)
		return 1
	}
	return 0
}

// cmdInfo says whether a VM can run here, with which accelerator, and
// what the guest's kernel and initramfs weigh. A missing qemu or kernel
// is not an error of the command: Info.Error says what to install.
func cmdInfo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vitro-vm info", flag.ContinueOnError)
	accel := fs.String("accel", "", "kvm or tcg (default: kvm if a probe boot works, else tcg)")
	busybox := fs.String("busybox", "/bin/busybox", "static busybox for the guest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	info := info(ctx, *accel, *busybox)
	return json.NewEncoder(stdout).Encode(info)
}

func info(ctx context.Context, accel, busybox string) vmproto.Info {
	var in vmproto.Info
	q, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		in.Error = "qemu-system-x86_64 not found: apt-get install qemu-system-x86"
		return in
	}
	in.Qemu = q
	if out, err := exec.CommandContext(ctx, q, "-version").Output(); err == nil {
		in.QemuVersion, _, _ = strings.Cut(string(out), "\n")
	}
	k, err := vm.FindKernel()
	if err != nil {
		in.Error = err.Error()
		return in
	}
	in.Kernel, in.Release = k.Path, k.Release
	if st, err := os.Stat(k.Path); err == nil {
		in.KernelBytes = st.Size()
	}
	if _, err := os.Stat(busybox); err != nil {
		in.Error = fmt.Sprintf("no static busybox at %s: apt-get install busybox-static", busybox)
		return in
	}
	mods, err := resolveModules(k)
	if err != nil {
		in.Error = err.Error()
		return in
	}
	for _, m := range mods {
		in.Modules = append(in.Modules, m.Name)
	}
	ir := &vm.Initramfs{Busybox: busybox, Init: vm.Guest{}.InitScript(), ModulesDir: k.ModulesDir, Modules: mods}
	n, err := ir.WriteTo(io.Discard)
	if err != nil {
		in.Error = err.Error()
		return in
	}
	in.InitramfsByte = n
	switch accel {
	case "kvm", "tcg":
		in.Accel, in.AccelWhy = accel, "chosen by the caller"
	case "":
		a, why := vm.ChooseAccel(ctx, k, busybox)
		in.Accel, in.AccelWhy = string(a), why
	default:
		in.Error = fmt.Sprintf("-accel %q: use kvm or tcg", accel)
	}
	return in
}

func resolveModules(k vm.Kernel) ([]vm.Module, error) {
	deps, err := vm.LoadModuleDeps(k.ModulesDir)
	if err != nil {
		return nil, fmt.Errorf("kernel modules of %s: %w (apt-get install linux-image-amd64)", k.Release, err)
	}
	return deps.Resolve(diskModules...)
}

// eventWriter writes events as JSON lines, one at a time.
type eventWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (w *eventWriter) emit(e vmproto.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.enc.Encode(e)
}

// consoleWriter turns console lines (internal/vm writes one per Write)
// into line events timed from qemu's start.
type consoleWriter struct {
	ev    *eventWriter
	mu    sync.Mutex
	start time.Time
}

func (c *consoleWriter) started(at time.Time) {
	c.mu.Lock()
	c.start = at
	c.mu.Unlock()
}

func (c *consoleWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	t := time.Since(c.start)
	c.mu.Unlock()
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		c.ev.emit(vmproto.Event{Event: "line", TNS: int64(t), Text: l})
	}
	return len(p), nil
}

func cmdBoot(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vitro-vm boot", flag.ContinueOnError)
	script := fs.String("script", "", "shell script the guest runs (busybox sh) after /init's set-up")
	accel := fs.String("accel", "", "kvm or tcg (default: kvm if a probe boot works, else tcg)")
	busybox := fs.String("busybox", "/bin/busybox", "static busybox for the guest")
	mem := fs.Int("mem", 256, "guest memory in MiB")
	cpus := fs.Int("smp", 1, "guest CPUs")
	diskMB := fs.Int("disk-mb", 0, "attach a sparse raw disk of this size as /dev/vda (0: none)")
	diskDir := fs.String("disk-dir", os.TempDir(), "where the disk image file is made (and removed)")
	timeout := fs.Duration("timeout", 3*time.Minute, "hard limit for the boot; qemu is killed past it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *script == "" {
		return errors.New("boot: -script FILE is required")
	}
	k, err := vm.FindKernel()
	if err != nil {
		return err
	}
	tree, modEnv, err := guestTree(k, *script)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tree)
	ev := &eventWriter{enc: json.NewEncoder(stdout)}
	con := &consoleWriter{ev: ev}
	s := vm.Spec{Kernel: &k, Busybox: *busybox, Accel: vm.Accel(*accel), MemoryMB: *mem, CPUs: *cpus,
		Timeout: *timeout, Tree: tree, Console: con,
		Guest: vm.Guest{Env: map[string]string{"VC_MODULES": modEnv},
			Programs: []vm.Program{{Name: "compare", Path: "/bin/sh", Args: []string{"/compare/run.sh"}}}},
		Started: func(pid int, at time.Time) {
			con.started(at)
			ev.emit(vmproto.Event{Event: "started", PID: pid})
		}}
	if *diskMB > 0 {
		disk, err := os.CreateTemp(*diskDir, "vitro-vm-disk-*.img")
		if err != nil {
			return fmt.Errorf("disk image: %w", err)
		}
		defer os.Remove(disk.Name())
		err = disk.Truncate(int64(*diskMB) << 20)
		if cerr := disk.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("disk image %s: %w", disk.Name(), err)
		}
		s.Disks = []string{disk.Name()}
	}
	b, err := s.Run(ctx)
	exit := vmproto.Event{Event: "exit", Status: -1}
	if b != nil {
		exit.Status, exit.UserspaceNS, exit.PeakRSS = b.ExitCode, int64(b.Userspace), b.PeakRSS
	}
	if err != nil {
		exit.Error, exit.Timeout = err.Error(), errors.Is(err, vm.ErrTimeout)
	}
	ev.emit(exit)
	return nil
}

// guestTree makes the directory copied into the guest's root: the
// script at /compare/run.sh and the disk modules, decompressed, under
// /compare/mods in load order. It returns the directory and the module
// paths as the guest sees them, for VC_MODULES.
func guestTree(k vm.Kernel, script string) (string, string, error) {
	mods, err := resolveModules(k)
	if err != nil {
		return "", "", err
	}
	dir, err := os.MkdirTemp("", "vitro-vm-tree-")
	if err != nil {
		return "", "", err
	}
	fail := func(err error) (string, string, error) {
		os.RemoveAll(dir)
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "compare", "mods"), 0o755); err != nil {
		return fail(err)
	}
	body, err := os.ReadFile(script)
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compare", "run.sh"), body, 0o755); err != nil {
		return fail(err)
	}
	var paths []string
	for i, m := range mods {
		b, err := vm.ReadModule(filepath.Join(k.ModulesDir, m.Path))
		if err != nil {
			return fail(fmt.Errorf("kernel module %s: %w", m.Name, err))
		}
		p := fmt.Sprintf("/compare/mods/%02d-%s.ko", i, m.Name)
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			return fail(err)
		}
		paths = append(paths, p)
	}
	return dir, strings.Join(paths, " "), nil
}
