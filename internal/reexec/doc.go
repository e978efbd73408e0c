// Package reexec starts vitro again, as a child process, at a named entry
// point instead of main. Launch is the one way vitro starts such a child:
// the engine's container init, every demo's child and a lab's helper.
//
// Go cannot fork: the runtime has threads, and a forked copy would hold only
// one of them. So a process that must begin life inside new namespaces is
// started as /proc/self/exe with os.Args[0] set to a registered name and
// the clone flags of its Spec; the kernel creates the namespaces in
// clone(2), and main calls Init first thing, which runs the entry point and
// exits.
//
// What Launch does, in order (Spec names each part):
//
//	parent: Launch(ctx, Spec)                          kernel / child
//	─────────────────────────                          ──────────────
//	socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC)
//	the child's end → fd 3+len(ExtraFiles),
//	  $VITRO_SYNC_FD, $VITRO_TRACE_LEVEL
//	goroutine G: LockOSThread (the death signal belongs to this thread)
//	  OnThread()   read what the child inherits from the thread
//	  clone(CloneFlags, Pdeathsig=DeathSignal ───────▶ child born in new namespaces,
//	        or setsid if Detach,                       in CgroupDir's cgroup if given
//	        CLONE_INTO_CGROUP if CgroupDir)
//	  write UIDMap, GIDMap ──────────────────────────▶ (held on os/exec's pipe)
//	                                                   execve(/proc/self/exe)
//	  refused with ENOSYS or EINVAL because of the     Init(): runs the entry point
//	  cgroup fd? clone again without it                Child(): blocks reading fd 3
//	close the child's end here
//	return Process{Pid, Sync, IntoCgroup}
//	  G waits for the child (wait4), then unlocks
//	ctx done ── SIGKILL, or OnCancel's signal ───────▶ dies: Sync reads EOF
//	Close(): kill if running, reap, close Sync
//
// The death signal is tied by the kernel to the thread that cloned the
// child, not to the process, and Go ends a thread whenever a goroutine
// that locked it returns without unlocking. G's locked thread lives
// exactly as long as the child, so only vitro's death fires the signal.
//
// Parent and child then talk over the socketpair. Every message is one
// line of JSON. The exchange every caller builds on:
//
//	parent (vitro)                           child (entry point, new namespaces)
//	──────────────                           ───────────────────────────────────
//	Launch() ──────────────────────────────▶ starts; Init() finds the entry point
//	                                         Child(): blocks reading fd 3
//	put PID in cgroup (unless IntoCgroup),
//	wire the network ...
//	Send({"type":"go", data}) ─────────────▶ returns from Wait: now allowed to go on
//	                                         mounts, pivot_root, hostname ...
//	Receive() ◀───────────────────────────── Send({"type":"ready", data})
//	                                              or {"type":"error","error":"..."}
//	(Receive records {"type":"trace"} ◀───── trace.Action(...) at the parent's level
//	 on the parent's tracer, see trace.go)
//	                                         execve(program): fd 3 is close-on-exec,
//	Receive() ◀───────────────── EOF ─────── so the parent reads EOF once exec worked
//
// Because the child cannot continue before "go", whatever the parent does
// first (cgroup, network) is in place before the child's first
// instruction of setup: that ordering is the handshake's whole purpose.
package reexec
