// Package fsdemo shows how a container gets its root filesystem: chroot
// versus pivot_root, overlay layers (copy-up, whiteouts, opaque
// directories), bind mounts, and the /proc, /dev and /sys a container sees.
// Mounts are planned as data and applied in one place; the engine mounts a
// container's root with these same functions.
package fsdemo
