package cgroupdemo

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/internal/trace"
)

// SetDevices limits which device nodes the cgroup's processes may use.
// On v1 (and hybrid) it writes the rules to the devices controller's
// devices.deny and devices.allow; on v2 it compiles them into an eBPF
// program and attaches it to the cgroup. Rules that end in "allow all"
// (--privileged) leave the cgroup as it is.
//
// Shell equivalent (v1): echo a > devices.deny; echo 'c 1:3 rwm' > devices.allow ...
func (c *Cgroup) SetDevices(rules []DeviceRule) error {
	if allowsAll(rules) {
		trace.Action("cgroup devices", trace.Str("cgroup", c.Name), trace.Str("rules", "a *:* rwm (every device)"))
		return nil
	}
	switch c.drv.Mode() {
	case Unified:
		dir, err := c.drv.Dir(c.Name, "")
		if err != nil {
			return err
		}
		return AttachDeviceProgram(dir, rules)
	default:
		if _, err := c.drv.Dir(c.Name, "devices"); err != nil {
			return fmt.Errorf("cgroup %s: limiting devices: %w", c.Name, err)
		}
		return c.Apply(planV1Devices(rules))
	}
}

// bpfProgLoadAttr is the head of union bpf_attr for BPF_PROG_LOAD.
type bpfProgLoadAttr struct {
	ProgType    uint32
	InsnCnt     uint32
	Insns       uint64
	License     uint64
	LogLevel    uint32
	LogSize     uint32
	LogBuf      uint64
	KernVersion uint32
	ProgFlags   uint32
	ProgName    [16]byte
}

// bpfProgAttachAttr is union bpf_attr for BPF_PROG_ATTACH.
type bpfProgAttachAttr struct {
	TargetFD     uint32
	AttachBPFFD  uint32
	AttachType   uint32
	AttachFlags  uint32
	ReplaceBPFFD uint32
}

// AttachDeviceProgram compiles rules, loads the program into the kernel
// and attaches it to the cgroup v2 directory dir. The attachment keeps
// the program alive as long as the cgroup exists: no fd is kept. Other
// programs that ancestors attached (systemd's) keep running too
// (BPF_F_ALLOW_MULTI): a device must pass them all.
func AttachDeviceProgram(dir string, rules []DeviceRule) error {
	if !littleEndian() {
		return fmt.Errorf("device program for %s: vitro assembles eBPF for little-endian hosts only (this is %s)", dir, runtime.GOARCH)
	}
	prog, err := DeviceProgram(rules)
	if err != nil {
		return err
	}
	fd, err := loadDeviceProgram(prog)
	if err != nil {
		return fmt.Errorf("loading the device program for %s: %w", dir, err)
	}
	defer unix.Close(fd)
	cg, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening cgroup %s: %w", dir, err)
	}
	defer unix.Close(cg)
	attr := bpfProgAttachAttr{TargetFD: uint32(cg), AttachBPFFD: uint32(fd), AttachType: unix.BPF_CGROUP_DEVICE, AttachFlags: unix.BPF_F_ALLOW_MULTI}
	if _, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_ATTACH, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr)); e != 0 {
		return fmt.Errorf("bpf(BPF_PROG_ATTACH, %s, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI): %w", dir, e)
	}
	trace.Action("cgroup devices", trace.Str("cgroup", dir), trace.Int("rules", int64(len(rules))),
		trace.Int("ebpf instructions", int64(len(prog))), trace.Str("attach", "BPF_CGROUP_DEVICE"))
	trace.Shellf("# no shell equivalent: bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, %d instructions); bpf(BPF_PROG_ATTACH, %s)", len(prog), dir)
	if trace.Enabled(trace.Kernel) {
		trace.KernelEvent("device program", trace.Str("rules", ruleList(rules)), trace.Str("program", Disassemble(prog)))
	}
	return nil
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

func ruleList(rules []DeviceRule) string {
	s := make([]string, len(rules))
	for i, r := range rules {
		s[i] = map[bool]string{true: "allow ", false: "deny "}[r.Allow] + r.String()
	}
	return strings.Join(s, ", ")
}

// loadDeviceProgram loads prog with BPF_PROG_LOAD; on refusal it asks
// again with the verifier's log, so the error says why.
func loadDeviceProgram(prog []BPFInsn) (int, error) {
	code := encodeProgram(prog)
	license := []byte("Apache-2.0\x00")
	attr := bpfProgLoadAttr{
		ProgType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		InsnCnt:  uint32(len(prog)),
		Insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		License:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	copy(attr.ProgName[:], "vitro_devices")
	fd, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	if e == 0 {
		return int(fd), nil
	}
	log := make([]byte, 64<<10)
	attr.LogLevel, attr.LogSize, attr.LogBuf = 1, uint32(len(log)), uint64(uintptr(unsafe.Pointer(&log[0])))
	fd, _, e2 := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	runtime.KeepAlive(log)
	if e2 == 0 {
		return int(fd), nil // loaded the second time
	}
	msg := strings.TrimRight(string(log), "\x00\n")
	if e == unix.EPERM {
		return -1, fmt.Errorf("bpf(BPF_PROG_LOAD): %w (needs root or CAP_BPF+CAP_SYS_ADMIN; memlock limit %s)", e, memlock())
	}
	return -1, fmt.Errorf("bpf(BPF_PROG_LOAD, %d instructions): %w: verifier says: %s", len(prog), e, msg)
}

func memlock() string {
	var r unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &r) != nil {
		return "unknown"
	}
	return fmt.Sprint(r.Cur)
}
