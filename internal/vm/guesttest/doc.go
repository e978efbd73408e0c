// Package guesttest holds tests that run inside the VM that `make
// test-cgroup2` boots (internal/vm), and check that the guest is what the
// cgroup tests need it to be: cgroup2 alone at /sys/fs/cgroup, no v1
// hierarchy, and the controllers vitro limits. Outside that VM they skip:
// on the host they would prove nothing.
package guesttest
