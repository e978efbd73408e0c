// Package reexec starts vitro again, as a child process, at a named entry
// point instead of main.
//
// Go cannot fork: the runtime has threads, and a forked copy would hold only
// one of them. So a process that must begin life inside new namespaces is
// started as /proc/self/exe with os.Args[0] set to a registered name and
// SysProcAttr.Cloneflags set; the kernel creates the namespaces in clone(2),
// and main calls Init first thing, which runs the entry point and exits.
//
// Parent and child then talk over a socketpair inherited as fd 3 (the
// child reads its number from $VITRO_SYNC_FD). Every message is one line of
// JSON. The exchange:
//
//	parent (vitro)                           child (entry point, new namespaces)
//	──────────────                           ───────────────────────────────────
//	socketpair(); clone(CLONE_NEW*) ───────▶ starts; Init() finds the entry point
//	                                         Child(): blocks reading fd 3
//	put PID in cgroup, write uid_map,
//	wire the network ...
//	Send({"type":"go", data}) ─────────────▶ returns from Wait: now allowed to go on
//	                                         mounts, pivot_root, hostname ...
//	Receive() ◀───────────────────────────── Send({"type":"ready", data})
//	                                              or {"type":"error","error":"..."}
//	                                         execve(program): fd 3 is close-on-exec,
//	Receive() ◀───────────────── EOF ─────── so the parent reads EOF once exec worked
//
// Because the child cannot continue before "go", whatever the parent does
// first (cgroup, network, id maps) is in place before the child's first
// instruction of setup: that ordering is the handshake's whole purpose.
package reexec
