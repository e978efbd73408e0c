package compare

// methods says how each row is measured: `vitro compare --explain`, the
// JSON's "method", and docs/compare.md.
var methods = map[string]string{
	"start":     `The time from launching the instance to the first line its program prints ("VC ready"), read by vitro on the host as the line arrives. Host: fork+exec of busybox sh. vitro: Engine.Run, the same six steps as vitro run (image found locally, cgroup, namespaces, overlay root, pivot_root, exec; --network none). runc/crun: "runc run" of an OCI bundle over the same busybox files. docker: "docker run --rm --network none busybox" against $DOCKER_HOST. VM: qemu's start to the same line printed by the same script, after firmware, the kernel's boot and /init's set-up (the initramfs is built beforehand, as an image is pulled beforehand). Median of --runs, with min–max.`,
	"memory":    `Read while the instance sleeps after "VC idle", half a second after its start. Containers: the memory their cgroup is charged (memory.current on cgroup v2, memory.usage_in_bytes on v1: the program's pages plus the page cache it brought in), plus the RSS of a monitor process where the runtime keeps one (runc/crun: the runc process that waits; docker: containerd-shim). vitro has no monitor process in this mode: the engine runs inside vitro compare itself. Host process: its RSS. VM: qemu's RSS (guest RAM it has touched, device emulation, and under TCG the translation cache). PSS (from /proc/PID/smaps_rollup: shared pages divided among their users) is shown beside where the kernel gives it. Median of --runs.`,
	"disk":      `What must be on disk before an instance starts. Host: the busybox binary. vitro, runc, crun: the busybox image's layers, unpacked (what the overlay's lower directories hold). docker: the image's size as docker reports it. VM: the kernel image plus the initramfs vitro-vm builds (busybox, /init, the disk's kernel modules); a distribution VM would add a disk image of hundreds of MB.`,
	"cpu":       `A shell arithmetic loop (i=$((i+1)) until the size) in busybox sh: pure user-space work, no system calls. Timed between its "VC begin cpu" and "VC end cpu" lines as they reach the host, divided by the host's median (host = 1.00).`,
	"syscall":   `dd if=/dev/zero of=/dev/null bs=1: a read(2) and a write(2) per byte, so the time is the cost of a system call. Timed between its marker lines; divided by the host's median. The detail is the time per system call.`,
	"io":        `dd if=/dev/zero bs=1M conv=fsync into a file of the instance's own file system, then removed: the write rate including the flush to disk. Host: a directory under the data root. Containers: their root (overlayfs whose upper directory is under the data root). VM: an ext2 file system on a virtio disk whose backing file is under the data root. Median of --runs, in MB/s (10^6 bytes per second).`,
	"density":   `Idle instances (first line, then waiting) started together, as many as the memory row's median says fit in --budget, at most the cap (--max-instances; VMs fewer, as each boot costs seconds of CPU); the figure is how many printed their first line, the detail how long until the last did and the memory they used together (read as in the memory row). When the cap stopped it, the detail projects what the budget would hold, and says so.`,
	"kernel":    "uname -r inside each instance, and /proc/version in the detail (--format json): a container reports the host's kernel, a VM its own.",
	"isolation": "Read inside each instance: the number of PIDs in /proc, what PID 1 is, the number of mounts and the network interfaces in /proc/net/dev. Nothing is assumed: each figure is what the instance could see.",
}

// Method returns how row id is measured.
func Method(id string) string { return methods[id] }

// TCGNote says what emulation does to a VM's figures.
const TCGNote = "TCG: no usable KVM here, so qemu translates every guest instruction in software. The VM's start, CPU and system-call figures are those of an emulator, often 10–50× slower than the same VM under KVM, where CPU-bound work runs within a few percent of the host (Felter et al., ISPASS 2015). Its memory includes TCG's translation cache."
