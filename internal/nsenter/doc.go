// Package nsenter joins the namespaces of a running process and runs a
// program there, like nsenter(1) and like `docker exec`.
//
// Joining is setns(2), and setns into a user or time namespace is refused
// (EINVAL, EUSERS) to a process with more than one thread; into a mount
// namespace, to a thread sharing its root and cwd with others. A Go
// program always has several threads before its first line of main runs,
// so the joining cannot be written in Go. This package therefore carries a
// few lines of C (nsenter.c): a constructor that the C runtime calls
// before the Go runtime starts, while the process still has one thread.
// runc's libcontainer/nsenter exists for the same reason; this one does
// only the joining.
//
// The exchange, parent to child:
//
//	parent (vitro ns enter)                    child (/proc/self/exe, entry "nsenter")
//	───────────────────────                    ─────────────────────────────────────
//	pidfd_open(target)
//	open /proc/<target>/ns/<type> for each
//	type asked for (fds 3, 4, ...)
//	check the target is still alive
//	execve with _VITRO_NSENTER=uts:3,mnt:4 ──▶ C constructor, one thread:
//	                                             setns(3, CLONE_NEWUTS)
//	                                             setns(4, CLONE_NEWNS)
//	                                             (after a PID namespace: fork,
//	                                             the parent waits for the child)
//	                                           Go runtime starts (threads inherit
//	                                             the namespaces), reexec.Init runs
//	                                             the "nsenter" entry point, which
//	                                             forks the program (so it is inside
//	                                             a joined PID namespace too), waits,
//	                                             and exits with its status
//	wait ◀──────────────────────────────────── exit status of the program
//
// Any binary that imports this package (cmd/vitro, and the nsdemo test
// binary) carries the constructor; it is a no-op unless _VITRO_NSENTER is
// set. The engine's exec reuses Command.
package nsenter
