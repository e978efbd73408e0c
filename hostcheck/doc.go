// Package hostcheck examines the host for everything vitro uses (`vitro
// check`): root, the kernel, each namespace kind, cgroups, overlayfs,
// veth and bridge links, netfilter, propagation, busybox and qemu. It
// changes nothing on the host. It lives below cmd and beside the engine,
// not in it: the runtime does not need to know how a host is judged, and
// the checks must not pull the VM harness into the vitro binary
// (internal/depcheck enforces both).
package hostcheck
