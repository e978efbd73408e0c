package vm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/internal/trace"
)

// Accel is how qemu runs the guest's instructions.
type Accel string

const (
	// KVM runs the guest on the CPU through /dev/kvm: a boot takes about
	// a second.
	KVM Accel = "kvm"
	// TCG is qemu's software emulation (Tiny Code Generator): it works
	// everywhere, and a boot takes several seconds.
	TCG Accel = "tcg"
)

// Machine is one boot of qemu.
type Machine struct {
	// Qemu is the emulator binary. Default: qemu-system-x86_64 from PATH.
	Qemu   string
	Kernel string // bzImage, e.g. /boot/vmlinuz-6.1.0-57-amd64
	Initrd string // initramfs image file
	// Cmdline is appended to the kernel command line after vitro's own
	// (console=ttyS0 panic=-1 ...), e.g. "cgroup_no_v1=all".
	Cmdline []string
	// MemoryMB is the guest's memory. Default 1024.
	MemoryMB int
	// CPUs is the number of virtual CPUs. Default 2.
	CPUs int
	// Accel is KVM or TCG; it must be set (see ChooseAccel).
	Accel Accel
	// CPUModel is qemu's -cpu. Default: "host" under KVM, "max" under TCG.
	CPUModel string
	// Timeout is the hard limit for the whole boot, from qemu's start to
	// its exit; past it qemu is killed. Default 10 minutes.
	Timeout time.Duration
	// Console, if not nil, receives the serial console as it arrives.
	Console io.Writer
	// Disks are raw disk image files attached as virtio disks
	// (/dev/vda, /dev/vdb, ... in the guest, which needs the virtio_pci
	// and virtio_blk modules).
	Disks []string
	// Started, if not nil, is called once qemu runs, with its PID and the
	// moment it was started (the zero of every Boot duration), e.g. to
	// read its memory while the guest is up.
	Started func(pid int, at time.Time)
}

// Boot is what one boot observed.
type Boot struct {
	Accel    Accel
	Args     []string // qemu's argv
	PID      int      // qemu's process ID (it has exited when Run returns)
	ExitCode int      // from VITRO-VM-EXIT; -1 if the guest printed none
	Programs []ProgramResult
	// Userspace is the time from qemu's start to the guest's first
	// userspace line (VITRO-VM-USERSPACE); 0 if never seen.
	Userspace time.Duration
	// PowerOff is the time from qemu's start to qemu's exit.
	PowerOff time.Duration
	// PeakRSS is qemu's peak resident memory in bytes (wait4's ru_maxrss).
	PeakRSS int64
}

// ProgramResult is one VITRO-VM-RESULT line.
type ProgramResult struct {
	Name     string
	ExitCode int
}

// Guest errors that callers may test for.
var (
	ErrTimeout  = errors.New("vm: timed out")
	ErrNoResult = errors.New("vm: the guest ended without a VITRO-VM-EXIT line")
)

// Args returns qemu's command line for m.
//
// Shell equivalent:
//
//	qemu-system-x86_64 -nographic -nodefaults -no-user-config -no-reboot \
//	  -serial stdio -accel tcg -m 1024 -smp 2 \
//	  -kernel /boot/vmlinuz-... -initrd initramfs.cpio \
//	  -append 'console=ttyS0 panic=-1 ...'
func (m Machine) Args() []string {
	mem, cpus := m.MemoryMB, m.CPUs
	if mem == 0 {
		mem = 1024
	}
	if cpus == 0 {
		cpus = 2
	}
	// panic=-1 and -no-reboot: a kernel panic reboots at once, and qemu
	// exits instead of rebooting, so a broken guest ends the run quickly.
	cmdline := append([]string{"console=ttyS0", "panic=-1", "quiet", "loglevel=3", "rdinit=/init"}, m.Cmdline...)
	args := []string{
		"-nographic", "-nodefaults", "-no-user-config", "-no-reboot",
		"-serial", "stdio",
		"-accel", string(m.Accel),
		"-m", strconv.Itoa(mem),
		"-smp", strconv.Itoa(cpus),
		"-kernel", m.Kernel,
		"-initrd", m.Initrd,
		"-append", strings.Join(cmdline, " "),
	}
	for _, d := range m.Disks {
		args = append(args, "-drive", "file="+d+",format=raw,if=virtio")
	}
	cpu := m.CPUModel
	switch {
	case cpu != "":
	case m.Accel == KVM:
		cpu = "host" // the host's CPU, as it is
	default:
		cpu = "max" // every feature TCG can emulate
	}
	return append(args, "-cpu", cpu)
}

// Run boots m, waits for the guest to power off, and returns what it
// reported. qemu is killed (by its PID) when ctx ends or the timeout
// passes; Run returns only after qemu has exited, so nothing is left
// running.
func (m Machine) Run(ctx context.Context) (*Boot, error) {
	if m.Accel != KVM && m.Accel != TCG {
		return nil, fmt.Errorf("vm: accelerator %q: use %q or %q (see ChooseAccel)", m.Accel, KVM, TCG)
	}
	qemu := m.Qemu
	if qemu == "" {
		p, err := exec.LookPath("qemu-system-x86_64")
		if err != nil {
			return nil, fmt.Errorf("vm: qemu-system-x86_64 not found: apt-get install qemu-system-x86")
		}
		qemu = p
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	b := &Boot{Accel: m.Accel, Args: append([]string{qemu}, m.Args()...), ExitCode: -1}
	cmd := exec.CommandContext(ctx, qemu, m.Args()...)
	// If this process dies, the kernel kills qemu too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 64 * 1024}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	trace.Action("vm boot", trace.Str("accel", string(m.Accel)), trace.Str("kernel", m.Kernel), trace.Str("initrd", m.Initrd), trace.Dur("timeout", timeout))
	if trace.Enabled(trace.Steps) {
		trace.Shell(shellLine(b.Args))
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vm: starting %s: %w", qemu, err)
	}
	b.PID = cmd.Process.Pid
	if m.Started != nil {
		m.Started(b.PID, start)
	}
	// Until qemu exits (or is killed), which closes the pipe.
	b.readConsole(out, start, m.Console)
	werr := cmd.Wait()
	b.PowerOff = time.Since(start)
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			b.PeakRSS = ru.Maxrss * 1024 // Linux reports kilobytes
		}
	}
	trace.KernelEvent("qemu exited", trace.Int("pid", int64(b.PID)), trace.Int("guest_status", int64(b.ExitCode)),
		trace.Dur("userspace", b.Userspace), trace.Dur("poweroff", b.PowerOff), trace.Int("peak_rss_kib", b.PeakRSS>>10))
	switch {
	case werr == nil && b.ExitCode >= 0:
		return b, nil
	case ctx.Err() == context.DeadlineExceeded:
		return b, fmt.Errorf("%w after %s (%s): qemu killed; see the guest's console for how far it got", ErrTimeout, timeout, m.Accel)
	case ctx.Err() != nil:
		return b, fmt.Errorf("vm: %w: qemu killed", ctx.Err())
	case werr != nil:
		return b, fmt.Errorf("vm: qemu: %w: %s", werr, strings.TrimSpace(stderr.String()))
	case b.ExitCode < 0:
		return b, fmt.Errorf("%w (did the kernel panic or /init crash? see the console)", ErrNoResult)
	}
	return b, nil
}

// readConsole copies the serial console to w, timing and parsing the
// marker lines.
func (b *Boot) readConsole(r io.Reader, start time.Time, w io.Writer) {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimRight(line, "\r\n")
			line = strings.TrimRight(line, "\r")
			line = stripEscapes(line)
			if w != nil {
				fmt.Fprintln(w, line)
			}
			b.parseLine(line, time.Since(start))
		}
		if err != nil {
			return
		}
	}
}

func (b *Boot) parseLine(line string, at time.Duration) {
	// A marker may follow text the firmware left without a newline
	// ("Booting from ROM..VITRO-VM-USERSPACE").
	i := strings.Index(line, "VITRO-VM-")
	if i < 0 {
		return
	}
	f := strings.Fields(line[i:])
	if len(f) == 0 {
		return
	}
	switch f[0] {
	case MarkerUserspace:
		if b.Userspace == 0 {
			b.Userspace = at
		}
	case MarkerResult:
		if len(f) == 3 {
			if n, err := strconv.Atoi(f[2]); err == nil {
				b.Programs = append(b.Programs, ProgramResult{Name: f[1], ExitCode: n})
			}
		}
	case MarkerExit:
		if len(f) == 2 {
			if n, err := strconv.Atoi(f[1]); err == nil {
				b.ExitCode = n
			}
		}
	}
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}

// stripEscapes removes the terminal control sequences the firmware sends
// to the serial port (reset, clear screen, wrap off), which would clear a
// terminal or litter a CI log.
func stripEscapes(s string) string {
	if !strings.ContainsRune(s, 0x1b) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '[' { // CSI: ESC [ params final-byte
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		i++ // two-byte sequence such as ESC c
	}
	return b.String()
}

// shellLine quotes argv for a shell, for the trace.
func shellLine(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
