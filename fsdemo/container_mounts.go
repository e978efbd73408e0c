package fsdemo

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ContainerMounts plans the filesystems every container gets, under
// rootfs, in the order they must be mounted (/dev before /dev/pts). They
// are docker's defaults (moby's oci.DefaultLinuxSpec):
//
//	/proc        proc    the container's own PIDs, once it has a PID namespace
//	/dev         tmpfs   a container-private /dev, holding only Devices
//	/dev/pts     devpts  newinstance: its own ptys, not the host's /dev/pts
//	/dev/shm     tmpfs   POSIX shared memory, 64 MiB, private to the container
//	/dev/mqueue  mqueue  POSIX message queues of the container's IPC namespace
//	/sys         sysfs   read-only: the kernel's devices, for reading only
//
// /sys/fs/cgroup is left to the cgroup code, which knows the host's
// cgroup layout.
func ContainerMounts(rootfs string) []Mount {
	ms := containerMounts(rootfs)
	for i := range ms {
		ms[i].Root = rootfs
	}
	return ms
}

func containerMounts(rootfs string) []Mount {
	at := func(p string) string { return filepath.Join(rootfs, p) }
	const secure = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	devBind := func(name string) Mount {
		return Mount{Source: "/dev/" + name, Target: at("/dev/" + name), Flags: unix.MS_BIND}
	}
	return []Mount{
		{Source: "proc", Target: at("/proc"), Type: "proc", Flags: secure},
		{Source: "tmpfs", Target: at("/dev"), Type: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k"},
		// The device nodes: bound from the host's /dev, which works
		// in a user namespace too, where mknod(2) is refused.
		devBind("null"), devBind("zero"), devBind("full"), devBind("random"), devBind("urandom"), devBind("tty"),
		{Source: "devpts", Target: at("/dev/pts"), Type: "devpts", Flags: unix.MS_NOSUID | unix.MS_NOEXEC,
			Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"},
		{Source: "shm", Target: at("/dev/shm"), Type: "tmpfs", Flags: secure, Data: "mode=1777,size=65536k"},
		{Source: "mqueue", Target: at("/dev/mqueue"), Type: "mqueue", Flags: secure},
		{Source: "sysfs", Target: at("/sys"), Type: "sysfs", Flags: secure | unix.MS_RDONLY},
	}
}

// Device is a device node a container's /dev holds.
type Device struct {
	Path  string `json:"path"` // under /dev
	Major uint32 `json:"major"`
	Minor uint32 `json:"minor"`
	Mode  uint32 `json:"mode"` // permission bits
	Why   string `json:"why"`
}

// Devices is the minimal set of character devices every container gets
// (the OCI runtime spec's "default devices"). Nothing here reaches
// hardware: disks, /dev/mem and the like are not there. ContainerMounts
// binds them from the host; CreateDevices can mknod them instead.
var Devices = []Device{
	{"null", 1, 3, 0o666, "discards writes, reads empty: 2>/dev/null"},
	{"zero", 1, 5, 0o666, "endless zero bytes"},
	{"full", 1, 7, 0o666, "always full: writes fail with ENOSPC, for testing"},
	{"random", 1, 8, 0o666, "the kernel's random numbers"},
	{"urandom", 1, 9, 0o666, "the kernel's random numbers, never blocking"},
	{"tty", 5, 0, 0o666, "the process's controlling terminal"},
}

// DevSymlinks are the links a /dev holds by convention; CreateDevSymlinks
// makes them.
var DevSymlinks = [][2]string{
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
	{"ptmx", "pts/ptmx"}, // the pty multiplexer of this devpts instance
	{"core", "/proc/kcore"},
}

// pathRule is a path with the reason it is there.
type pathRule struct{ path, why string }

// maskedPaths are hidden from the container: files get /dev/null bound
// over them (they read empty), directories an empty read-only tmpfs.
// They are docker's list; each leaks host information or offers a lever on
// the host kernel that a container has no business with.
var maskedPaths = []pathRule{
	{"/proc/asound", "the host's sound cards and their state"},
	{"/proc/acpi", "ACPI tables and controls of the host's firmware (some writable)"},
	{"/proc/interrupts", "per-CPU interrupt counts: a side channel on host activity"},
	{"/proc/kcore", "the host kernel's memory as an ELF core file"},
	{"/proc/keys", "the kernel keyring's keys, visible across containers"},
	{"/proc/latency_stats", "kernel latency statistics and their switch"},
	{"/proc/timer_list", "every timer on the host, with the tasks that set them"},
	{"/proc/timer_stats", "timer statistics (older kernels): host task names and PIDs"},
	{"/proc/sched_debug", "the host scheduler's state: every task on every CPU"},
	{"/proc/scsi", "the host's SCSI devices, and a file that rescans them"},
	{"/sys/firmware", "firmware tables (ACPI, DMI, EFI variables): host identity and settings"},
	{"/sys/devices/virtual/powercap", "RAPL energy counters: a power side channel (the Platypus attack)"},
}

// readonlyPaths stay visible but cannot be written: they are knobs of the
// whole host kernel, not of one container.
var readonlyPaths = []pathRule{
	{"/proc/bus", "PCI and USB device configuration of the host"},
	{"/proc/fs", "filesystem drivers' settings (nfsd, ext4 ...)"},
	{"/proc/irq", "which CPUs handle which interrupts"},
	{"/proc/sys", "sysctls: most are host-wide (kernel.*, vm.*)"},
	{"/proc/sysrq-trigger", "one write reboots, crashes or syncs the host"},
}

// MaskedPaths and ReadOnlyPaths are docker's lists as plain paths, for
// MaskPaths and ReadOnlyMounts (reasons: PathReason).
var (
	MaskedPaths   = rulePaths(maskedPaths)
	ReadOnlyPaths = rulePaths(readonlyPaths)
)

func rulePaths(rs []pathRule) []string {
	p := make([]string, len(rs))
	for i, r := range rs {
		p[i] = r.path
	}
	return p
}

// PathReason says why docker masks or write-protects path ("" if it does not).
func PathReason(path string) string {
	for _, r := range append(append([]pathRule(nil), maskedPaths...), readonlyPaths...) {
		if r.path == path {
			return r.why
		}
	}
	return ""
}
