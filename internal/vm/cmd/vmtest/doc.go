// Command vmtest boots Debian's kernel under qemu with an initramfs that
// holds busybox and the given programs (usually Go test binaries built
// with `go test -c`), runs them in the guest and exits with their status.
// `make test-cgroup2` drives it; see docs/testing.md.
//
//	vmtest run [flags] BINARY...   run each binary in a pure cgroup v2 guest
//	vmtest probe [-fresh]          is KVM usable here? (boots a probe guest)
//	vmtest measure [-n N]          boot an empty guest N times, print timings
package main
