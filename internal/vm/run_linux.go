package vm

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Spec is a whole run: which kernel, what goes into the guest, how to
// boot it.
type Spec struct {
	// Kernel is the guest kernel. Default: FindKernel.
	Kernel *Kernel
	// Busybox is a static busybox. Default: /bin/busybox.
	Busybox string
	// Guest is the guest's userspace (programs, cgroup2, env). Its
	// Modules are filled in from ModuleNames.
	Guest Guest
	// ModuleNames are kernel modules to load in the guest, with their
	// dependencies (e.g. "overlay", "veth", "bridge").
	ModuleNames []string
	// Tree and Files go into the image (see Initramfs).
	Tree  string
	Files []File
	// Cmdline is appended to the kernel command line.
	Cmdline []string
	// Accel: empty means ChooseAccel (KVM if a probe boot works, else TCG).
	Accel Accel
	// MemoryMB, CPUs, Timeout, Console: see Machine.
	MemoryMB int
	CPUs     int
	Timeout  time.Duration
	Console  io.Writer
	// Disks and Started: see Machine.
	Disks   []string
	Started func(pid int, at time.Time)
	// Log, if not nil, gets one-line notes on what the harness does
	// (image size, accelerator and why).
	Log io.Writer
}

// Run builds the initramfs into a temporary file, boots it, and removes
// the file again. The error is nil only if the guest printed its exit
// marker; the guest's own status is Boot.ExitCode.
func (s Spec) Run(ctx context.Context) (*Boot, error) {
	logf := func(format string, a ...any) {
		if s.Log != nil {
			fmt.Fprintf(s.Log, "vm: "+format+"\n", a...)
		}
	}
	k := s.Kernel
	if k == nil {
		found, err := FindKernel()
		if err != nil {
			return nil, err
		}
		k = &found
	}
	if s.Busybox == "" {
		s.Busybox = "/bin/busybox"
	}
	g := s.Guest
	if len(s.ModuleNames) > 0 {
		deps, err := LoadModuleDeps(k.ModulesDir)
		if err != nil {
			return nil, err
		}
		mods, err := deps.Resolve(s.ModuleNames...)
		if err != nil {
			return nil, err
		}
		g.Modules = append(g.Modules, mods...)
	}
	ir := &Initramfs{Busybox: s.Busybox, Init: g.InitScript(), Tree: s.Tree, Files: s.Files, ModulesDir: k.ModulesDir, Modules: g.Modules}
	f, err := os.CreateTemp("", "vitro-initramfs-*.cpio")
	if err != nil {
		return nil, fmt.Errorf("vm: temporary initramfs: %w", err)
	}
	defer os.Remove(f.Name())
	n, err := ir.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("vm: writing initramfs %s: %w", f.Name(), err)
	}
	logf("initramfs %s: %.1f MiB, %d programs, %d modules", f.Name(), float64(n)/(1<<20), len(g.Programs), len(g.Modules))

	accel := s.Accel
	if accel == "" {
		var why string
		accel, why = ChooseAccel(ctx, *k, s.Busybox)
		logf("accelerator %s: %s", accel, why)
	} else {
		logf("accelerator %s: chosen by the caller", accel)
	}
	m := Machine{Kernel: k.Path, Initrd: f.Name(), Cmdline: s.Cmdline, MemoryMB: s.MemoryMB, CPUs: s.CPUs,
		Accel: accel, Timeout: s.Timeout, Console: s.Console, Disks: s.Disks, Started: s.Started}
	logf("booting %s under %s (%d MiB, %d CPUs)", k.Path, accel, orDefault(s.MemoryMB, 1024), orDefault(s.CPUs, 2))
	return m.Run(ctx)
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
