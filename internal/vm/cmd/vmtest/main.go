package main

import (
	"context"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/internal/vm"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: vmtest run [flags] BINARY...
       vmtest probe [-fresh]
       vmtest measure [-n N] [flags]
run 'vmtest run -h' for the flags`)
}

// common flags of run and measure.
type opts struct {
	kernel, busybox, accel string
	mem, cpus              int
	timeout                time.Duration
	modules, args          listFlag
	cgroupV1               bool
}

func (o *opts) register(fs *flag.FlagSet) {
	fs.StringVar(&o.kernel, "kernel", "", "guest kernel (default: newest /boot/vmlinuz-*)")
	fs.StringVar(&o.busybox, "busybox", "/bin/busybox", "static busybox for the guest")
	fs.StringVar(&o.accel, "accel", "", "kvm or tcg (default: kvm if a probe boot works, else tcg; env VITRO_VM_ACCEL)")
	fs.IntVar(&o.mem, "mem", 1024, "guest memory in MiB")
	fs.IntVar(&o.cpus, "smp", 2, "guest CPUs")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "hard limit for the whole boot; qemu is killed past it")
	fs.Var(&o.modules, "module", "kernel module to load in the guest, with its dependencies (repeatable)")
	fs.Var(&o.args, "arg", "argument for every binary, after -test.v (repeatable), e.g. -arg=-test.run=Mode")
	fs.BoolVar(&o.cgroupV1, "no-cgroup2", false, "do not mount cgroup2 at /sys/fs/cgroup")
}

func (o *opts) spec() (vm.Spec, error) {
	s := vm.Spec{Busybox: o.busybox, Accel: vm.Accel(o.accel), MemoryMB: o.mem, CPUs: o.cpus,
		Timeout: o.timeout, ModuleNames: o.modules, Console: os.Stdout, Log: os.Stderr}
	if o.accel != "" && o.accel != "kvm" && o.accel != "tcg" {
		return s, fmt.Errorf("-accel %q: use kvm or tcg, or leave it out to probe", o.accel)
	}
	if o.kernel != "" {
		k, err := vm.KernelAt(o.kernel)
		if err != nil {
			return s, err
		}
		s.Kernel = &k
	}
	if !o.cgroupV1 {
		s.Guest.CgroupV2 = true
		// No v1 hierarchy may appear, as on a systemd host booted with
		// the unified hierarchy.
		s.Cmdline = []string{"cgroup_no_v1=all", "systemd.unified_cgroup_hierarchy=1"}
	}
	return s, nil
}

func run(ctx context.Context, args []string) int {
	// VITRO_TRACE=steps|kernel shows qemu's command line and exit, as
	// vitro --trace does.
	if lv := os.Getenv("VITRO_TRACE"); lv != "" {
		level, err := trace.ParseLevel(lv)
		if err != nil {
			fmt.Fprintln(os.Stderr, "vmtest: VITRO_TRACE:", err)
			return 2
		}
		t, _ := trace.Open(level, trace.FormatText, "")
		trace.SetDefault(t)
		defer t.Close()
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:])
	case "probe":
		return cmdProbe(ctx, args[1:])
	case "measure":
		return cmdMeasure(ctx, args[1:])
	case "-h", "-help", "--help", "help":
		usage()
		return 0
	}
	fmt.Fprintf(os.Stderr, "vmtest: unknown command %q\n", args[0])
	usage()
	return 2
}

func cmdRun(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("vmtest run", flag.ContinueOnError)
	var o opts
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "vmtest run: name at least one binary to run in the guest")
		return 2
	}
	s, err := o.spec()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		return 2
	}
	s.Guest.Env = map[string]string{"VITRO_REQUIRE_PRIVILEGED": "1", "VITRO_VM_GUEST": "1"}
	seen := map[string]bool{}
	for _, bin := range fs.Args() {
		if err := checkStatic(bin); err != nil {
			fmt.Fprintln(os.Stderr, "vmtest:", err)
			return 2
		}
		name := filepath.Base(bin)
		if seen[name] {
			fmt.Fprintf(os.Stderr, "vmtest: two binaries named %s: rename one\n", name)
			return 2
		}
		seen[name] = true
		dst := "/vitro/bin/" + name
		s.Files = append(s.Files, vm.File{Src: bin, Dst: dst, Mode: 0o755})
		s.Guest.Programs = append(s.Guest.Programs, vm.Program{Name: name, Path: dst, Args: append([]string{"-test.v", testTimeout(o.timeout)}, o.args...)})
	}
	var tally testTally
	s.Console = &tally
	b, err := s.Run(ctx)
	defer tally.report()
	if b != nil {
		fmt.Fprintf(os.Stderr, "vm: %s boot: userspace after %s, power-off after %s, qemu peak RSS %d MiB\n",
			b.Accel, b.Userspace.Round(time.Millisecond), b.PowerOff.Round(time.Millisecond), b.PeakRSS>>20)
		for _, p := range b.Programs {
			verdict := "PASS"
			if p.ExitCode != 0 {
				verdict = fmt.Sprintf("FAIL (exit status %d)", p.ExitCode)
			}
			fmt.Fprintf(os.Stderr, "vm: %-24s %s\n", p.Name, verdict)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return 1
	}
	if len(b.Programs) != len(s.Guest.Programs) {
		fmt.Fprintf(os.Stderr, "vmtest: %d of %d binaries reported a result\n", len(b.Programs), len(s.Guest.Programs))
		return 1
	}
	if b.ExitCode != 0 {
		fmt.Fprintf(os.Stderr, "vmtest: FAIL: the guest's tests exited with status %d\n", b.ExitCode)
		return 1
	}
	fmt.Fprintf(os.Stderr, "vmtest: PASS: %d binaries in a pure cgroup v2 guest (%s)\n", len(b.Programs), b.Accel)
	return 0
}

func cmdProbe(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("vmtest probe", flag.ContinueOnError)
	fresh := fs.Bool("fresh", false, "ignore the cached answer and boot a probe guest again")
	kernel := fs.String("kernel", "", "guest kernel (default: newest /boot/vmlinuz-*)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	k, err := vm.FindKernel()
	if *kernel != "" {
		k, err = vm.KernelAt(*kernel)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		return 1
	}
	if *fresh {
		os.Remove(vm.ProbeCachePath())
	}
	start := time.Now()
	r := vm.ProbeKVM(ctx, k, "/bin/busybox")
	verdict := "unusable"
	if r.Usable {
		verdict = "usable"
	}
	fmt.Printf("KVM %s for %s: %s (answered in %s; cached in %s)\n", verdict, k.Path, r.Detail, time.Since(start).Round(time.Millisecond), vm.ProbeCachePath())
	return 0
}

func cmdMeasure(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("vmtest measure", flag.ContinueOnError)
	var o opts
	o.register(fs)
	n := fs.Int("n", 3, "number of boots")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s, err := o.spec()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		return 2
	}
	s.Console = nil
	ms, err := vm.Measure(ctx, s, *n)
	for i, m := range ms {
		fmt.Printf("boot %d  %s  userspace %8s  power-off %8s  peak RSS %4d MiB\n", i+1, m.Accel,
			m.Userspace.Round(time.Millisecond), m.PowerOff.Round(time.Millisecond), m.PeakRSS>>20)
	}
	if len(ms) > 0 {
		sum := vm.Summarize(ms)
		fmt.Printf("median of %d (%s): userspace %s, power-off %s, peak RSS %d MiB (range %d–%d MiB)\n", sum.N, ms[0].Accel,
			sum.UserspaceMedian.Round(time.Millisecond), sum.PowerOffMedian.Round(time.Millisecond),
			sum.PeakRSSMedian>>20, sum.PeakRSSMin>>20, sum.PeakRSSMax>>20)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		return 1
	}
	return 0
}

// checkStatic refuses a dynamically linked binary: the guest has no libc
// and no loader, so it would fail with a puzzling "not found".
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		if os.IsNotExist(err) || os.IsPermission(err) {
			return err
		}
		return fmt.Errorf("%s is not an ELF executable (%v): give a Linux binary, e.g. from go test -c", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: the guest has no libc or loader; build it with CGO_ENABLED=0, or link statically (-ldflags '-extldflags -static')", path)
		}
	}
	return nil
}

// testTally copies the guest console to stdout and counts the top-level
// results of `go test -v` ("--- PASS: TestX"; subtests are indented), so
// the run ends with one line a person or CI can read.
type testTally struct {
	pass, fail, skip int
	failed           []string
}

func (t *testTally) Write(p []byte) (int, error) {
	// The harness writes one line per call.
	line := strings.TrimRight(string(p), "\n")
	if f := strings.Fields(line); len(f) >= 3 && strings.HasPrefix(line, "--- ") {
		switch f[1] {
		case "PASS:":
			t.pass++
		case "FAIL:":
			t.fail++
			t.failed = append(t.failed, f[2])
		case "SKIP:":
			t.skip++
		}
	}
	return os.Stdout.Write(p)
}

func (t *testTally) report() {
	if len(t.failed) > 0 {
		fmt.Printf("vmtest: failed in the guest: %s\n", strings.Join(t.failed, " "))
	}
	fmt.Printf("vmtest: %d passed, %d failed, %d skipped\n", t.pass, t.fail, t.skip)
}

// testTimeout gives each test binary go test's own deadline, shorter than
// the VM's, so a hung test ends with Go's goroutine dump rather than a
// killed VM. (A test binary run directly has no deadline of its own.)
func testTimeout(vmTimeout time.Duration) string {
	t := vmTimeout - 2*time.Minute
	if t < time.Minute {
		t = vmTimeout * 3 / 4
	}
	return "-test.timeout=" + t.String()
}
