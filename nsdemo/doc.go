// Package nsdemo shows each Linux namespace on its own: a child is started
// in exactly one new namespace, makes the change that namespace isolates,
// and the host's view is set beside the child's. Its primitives (clone
// flags, namespace inodes, setns) are the ones the engine composes.
//
// One demo per type: UTS, PID, Mnt, IPC, Net, User, Cgroup and Time (or
// Run by name). Each returns a typed result that embeds Result: the inode
// table (only the demonstrated type differs), the calls made by parent and
// child in order, and the same demo as shell commands. Options.Argv runs a
// program inside the namespace afterwards; Options.Ready sees the result
// while the namespace still exists. Every demo kills its child and removes
// what it made on the host when it returns, also on error and when its
// context is cancelled.
//
// List is lsns; Enter is nsenter, through internal/nsenter, whose C
// constructor joins mount, user and time namespaces before the Go runtime
// starts (see docs/setns-constructor.md). The parent/child exchange every
// demo follows is drawn in session_linux.go.
package nsdemo
