// Command peers measures `vitro run` against runc and crun on the same
// busybox root filesystem, and against the floor of unshare + chroot:
//
//	sudo go run ./cmd/benchpeers [-n 30]
//
// Every contender runs /bin/true in new pid, mount, uts, ipc and network
// namespaces with one cgroup, and is started the same way: in a private
// mount namespace where, on a hybrid host, /sys/fs/cgroup/unified is
// unmounted (crun refuses hybrid cgroups otherwise), so all pay the same.
// It prints the median, mean and spread of each, and the ratios
// vitro/crun and vitro/runc. `make bench` runs it.
package main
