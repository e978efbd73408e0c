package vm

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Marker lines /init prints on the serial console (see the package doc).
const (
	MarkerUserspace = "VITRO-VM-USERSPACE"
	MarkerRun       = "VITRO-VM-RUN"
	MarkerResult    = "VITRO-VM-RESULT"
	MarkerExit      = "VITRO-VM-EXIT"
)

// Program is one program /init runs in the guest, in order. Its exit
// status is reported on a VITRO-VM-RESULT line; the run's status is the
// first non-zero one.
type Program struct {
	Name string   // a short name for the report, e.g. "cgroupdemo.test"
	Path string   // absolute path in the guest, e.g. /vitro/bin/cgroupdemo.test
	Args []string // e.g. -test.v
}

// Guest describes the guest's userspace.
type Guest struct {
	// CgroupV2 mounts cgroup2 at /sys/fs/cgroup (and nothing else there).
	CgroupV2 bool
	// Modules are module files, already in load order, installed under
	// /lib/modules in the image; /init insmods them before any program.
	Modules []Module
	// Env is set for every program, e.g. VITRO_REQUIRE_PRIVILEGED=1 so
	// that a test that cannot run fails instead of skipping.
	Env map[string]string
	// Programs run one after another with /tmp as working directory.
	Programs []Program
}

// guestModulePath is where a module file lands in the image.
func guestModulePath(m Module) string {
	return "/lib/modules/" + m.Name + ".ko"
}

// InitScript is the text of the guest's /init, run by busybox sh as PID 1.
// It moves the root from the initramfs to a tmpfs (so that pivot_root
// works in the guest), sets the machine up, runs each program, prints the markers and powers
// off; if anything in set-up fails it says which step and still powers off
// with a non-zero status, so a broken guest reads as a failure, never as a
// hang until the timeout.
func (g Guest) InitScript() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("#!/bin/busybox sh")
	w("# Written by vitro's internal/vm: the guest's PID 1.")
	w("/bin/busybox --install -s /bin")
	w("export PATH=/bin HOME=/tmp")
	w("fail() { echo \"vitro-vm: $*\"; echo \"%s 125\"; sync; poweroff -f; sleep 10; }", MarkerExit)
	// The kernel unpacks the initramfs into rootfs, a root that
	// pivot_root(2) refuses to move (EINVAL), and every container runtime
	// pivots. So the first run of /init copies the image into a tmpfs and
	// switch_roots to it, as a distribution's initramfs hands over to the
	// real root; the second run, from the tmpfs, does the rest.
	w("if [ ! -e /.vitro-root ]; then")
	w("  echo %s", MarkerUserspace)
	w("  mkdir /newroot && mount -t tmpfs -o mode=0755 root /newroot || fail 'mount tmpfs on /newroot'")
	w("  for f in /*; do [ \"$f\" = /newroot ] || cp -a \"$f\" /newroot/ || fail \"copy $f to the new root\"; done")
	w("  touch /newroot/.vitro-root")
	w("  exec switch_root /newroot /init")
	w("  fail 'switch_root /newroot /init'")
	w("fi")
	w("mount -t proc proc /proc || fail 'mount proc'")
	w("mount -t sysfs sysfs /sys || fail 'mount sysfs'")
	w("mount -t devtmpfs devtmpfs /dev || fail 'mount devtmpfs'")
	w("mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs shm /dev/shm")
	w("mount -t tmpfs -o mode=1777 tmpfs /tmp || fail 'mount tmpfs on /tmp'")
	if g.CgroupV2 {
		// As systemd does on Debian, Ubuntu and Fedora: cgroup2 alone, with
		// nsdelegate and memory_recursiveprot; every controller enabled
		// for the root's children; PID 1 out of the root, in init.scope.
		w("mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||")
		w("  mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail 'mount cgroup2 on /sys/fs/cgroup'")
		w("awk '$3 == \"cgroup\" { print; bad = 1 } END { exit !bad }' /proc/mounts && fail 'a cgroup v1 hierarchy is mounted'")
		w("for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo +$c > /sys/fs/cgroup/cgroup.subtree_control || fail \"enable $c\"; done")
		w("mkdir /sys/fs/cgroup/init.scope && echo $$ > /sys/fs/cgroup/init.scope/cgroup.procs || fail 'move PID 1 to init.scope'")
		w("echo \"vitro-vm: cgroup2 at /sys/fs/cgroup, controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)\"")
	}
	w("ip link set lo up 2>/dev/null")
	for _, m := range g.Modules {
		w("insmod %s || fail 'insmod %s'", shellQuote(guestModulePath(m)), m.Name)
	}
	keys := make([]string, 0, len(g.Env))
	for k := range g.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w("export %s=%s", k, shellQuote(g.Env[k]))
	}
	w("cd /tmp")
	w("rc=0")
	w("klog=$(dmesg | wc -l)")
	for _, p := range g.Programs {
		name := p.Name
		if name == "" {
			name = path.Base(p.Path)
		}
		args := []string{shellQuote(p.Path)}
		for _, a := range p.Args {
			args = append(args, shellQuote(a))
		}
		w("echo %s %s", MarkerRun, shellQuote(name))
		w("%s </dev/null", strings.Join(args, " "))
		w("s=$?")
		w("echo %s %s $s", MarkerResult, shellQuote(name))
		w("[ $s -ne 0 ] && [ $rc -eq 0 ] && rc=$s")
	}
	// The console shows only the kernel's most urgent messages (quiet
	// loglevel=3) so they do not break into test output; when something
	// failed, show those logged while the programs ran (OOM kills,
	// warnings).
	w("if [ $rc -ne 0 ]; then echo 'vitro-vm: a program failed; kernel messages while the programs ran (last 40):'; dmesg | tail -n +$((klog + 1)) | tail -n 40; fi")
	w("echo %s $rc", MarkerExit)
	w("sync")
	w("poweroff -f")
	w("sleep 10")
	return b.String()
}

// shellQuote quotes s for sh in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
