// Package vmproto is the protocol between `vitro compare` and its VM
// helper, bin/vitro-vm: the helper boots one VM (internal/vm) and reports
// what happened as JSON lines on its standard output.
//
// vitro itself never links internal/vm (qemu, initramfs building and the
// KVM probe stay out of the main binary); it runs the helper as a child
// process and reads these events:
//
//	vitro compare                      vitro-vm boot --script F ...
//	     │  exec, stdout = pipe  ─────────►  build initramfs, start qemu
//	     │  ◄── {"event":"started","pid":N}      (qemu's PID: compare reads its memory)
//	     │  ◄── {"event":"line","t_ns":..,"text":".."}  each console line, timed from qemu's start
//	     │  ◄── {"event":"exit","status":0,...}  the guest powered off (or not: error)
//	     │  SIGTERM (Ctrl-C, or an idle VM no longer needed) ──► qemu killed, files removed
//
// `vitro-vm info` prints one Info object: which kernel, which
// accelerator and why, what the image weighs.
package vmproto

// Event is one line of `vitro-vm boot` output.
type Event struct {
	Event string `json:"event"` // started, line, exit
	// started
	PID int `json:"pid,omitempty"`
	// line: nanoseconds since qemu started, and the console text
	TNS  int64  `json:"t_ns,omitempty"`
	Text string `json:"text,omitempty"`
	// exit
	Status      int    `json:"status,omitempty"`
	UserspaceNS int64  `json:"userspace_ns,omitempty"` // qemu start → the guest's first userspace line
	PeakRSS     int64  `json:"peak_rss,omitempty"`     // qemu's peak RSS, bytes
	Error       string `json:"error,omitempty"`
	Timeout     bool   `json:"timeout,omitempty"` // the boot hung and qemu was killed
}

// Info is what `vitro-vm info` prints.
type Info struct {
	Qemu          string   `json:"qemu"`            // path of qemu-system-x86_64
	QemuVersion   string   `json:"qemu_version"`    // first line of qemu -version
	Kernel        string   `json:"kernel"`          // /boot/vmlinuz-...
	Release       string   `json:"release"`         // 6.1.0-...-amd64
	KernelBytes   int64    `json:"kernel_bytes"`    // size of the kernel image
	InitramfsByte int64    `json:"initramfs_bytes"` // the image vitro-vm builds (busybox, /init, modules)
	Modules       []string `json:"modules"`         // kernel modules put in the image
	Accel         string   `json:"accel"`           // kvm or tcg
	AccelWhy      string   `json:"accel_why"`       // why that one
	Error         string   `json:"error,omitempty"` // why no VM can run here, with what to install
}
