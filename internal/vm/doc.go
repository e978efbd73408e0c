// Package vm boots a Linux kernel under qemu-system-x86_64 with an
// initramfs that vitro builds itself, runs programs in the guest and
// brings back their exit code and console output.
//
// It exists for two jobs. First, to prove code paths that this host cannot
// exercise: the CI host has hybrid cgroups, most users run pure cgroup v2,
// so `make test-cgroup2` boots Debian's kernel with only cgroup2 mounted at
// /sys/fs/cgroup and runs cgroupdemo's test binaries there. Second, to
// measure a virtual machine beside a container (boot time to the first
// userspace line, time to power-off, qemu's peak memory) for the later
// comparison tables.
//
// The pieces, each in its own file:
//
//	cpio.go        a writer for the "newc" cpio format the kernel unpacks
//	initramfs.go   busybox + /init + given files + kernel modules → cpio
//	modules.go     modules.dep: which .ko files a module needs, in load order
//	initscript.go  the guest's /init: root to a tmpfs, mounts, insmod, run, markers
//	kernel.go      find the guest kernel (/boot/vmlinuz-*)
//	qemu_linux.go  start qemu, capture the serial console, hard timeout
//	accel_linux.go is KVM usable? a short probe boot, cached; else TCG
//	run_linux.go   Spec.Run: build the image, choose the accelerator, boot
//	measure*.go    boot timings and qemu's peak RSS, over several boots
//
// cmd/vmtest drives it from the command line (`make test-cgroup2`);
// guesttest holds the tests that check the guest itself.
//
// The guest/host protocol is a handful of marker lines on the serial
// console, printed by /init:
//
//	VITRO-VM-USERSPACE                 first line of userspace (timed)
//	VITRO-VM-RUN <name>                a program starts
//	VITRO-VM-RESULT <name> <status>    it ended with exit status <status>
//	VITRO-VM-EXIT <status>             all done; 0 only if every program passed
//
// after which /init powers the machine off. A guest that panics, hangs or
// powers off without the last marker is an error, never a pass.
package vm
