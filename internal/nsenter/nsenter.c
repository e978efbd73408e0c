//go:build linux && cgo

// The setns constructor. See doc.go and docs/setns-constructor.md for why
// it must exist. In short: the kernel refuses setns into a user or time
// namespace from a process with more than one thread, and into a mount
// namespace from a thread that shares its root and cwd with others (as all
// Go threads do). By the time any Go code runs, the Go runtime has started
// several threads.
//
// A function marked constructor runs while the process is still
// single-threaded, before the Go runtime initialises. It reads
// _VITRO_NSENTER, a comma-separated list of "type:fd" pairs naming
// namespace files the parent opened and passed down (for example
// "uts:3,mnt:4,user:5"), and calls setns(2) on each, in that order. The
// parent (Go) decides the order and has already checked the target; this
// file only does what can be done nowhere else. With the variable unset it
// does nothing, so every other run of the binary is unaffected.
//
// On failure it prints one line and exits with 125 before Go starts: a
// process half inside a container must not go on to run anything.
//
// Joining a PID namespace needs one more step. setns(CLONE_NEWPID) moves
// no one: it names the namespace the caller's future children are born in.
// And while that differs from the caller's own, the kernel refuses to
// create threads (clone with CLONE_THREAD is EINVAL), so the Go runtime
// could not start. So after joining, the constructor forks: the child is
// inside the PID namespace and goes on to run Go; the parent only waits
// and passes the child's exit status on.

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// The namespace names of /proc/<pid>/ns/ and their setns nstype flags.
// Passing the flag (instead of 0) makes the kernel check that the fd
// really is a namespace of that type.
static int nstype(const char *name) {
	if (!strcmp(name, "mnt")) return CLONE_NEWNS;
	if (!strcmp(name, "uts")) return CLONE_NEWUTS;
	if (!strcmp(name, "ipc")) return CLONE_NEWIPC;
	if (!strcmp(name, "pid")) return CLONE_NEWPID;
	if (!strcmp(name, "net")) return CLONE_NEWNET;
	if (!strcmp(name, "user")) return CLONE_NEWUSER;
	if (!strcmp(name, "cgroup")) return CLONE_NEWCGROUP;
	if (!strcmp(name, "time")) return 0x00000080; // CLONE_NEWTIME, not in older headers
	return 0;
}

static void fail(const char *what, const char *name, int fd) {
	fprintf(stderr, "vitro: nsenter: %s %s namespace (fd %d): %s\n", what, name, fd, strerror(errno));
	_exit(125);
}

static pid_t child;

// The parent of a PID-namespace fork passes signals sent to it alone on.
static void forward(int sig) {
	kill(child, sig);
}

// waitChild makes this process a stand-in for its child: it ignores the
// terminal's Ctrl-C and Ctrl-\ (the child gets them too), forwards the
// rest, and exits the way the child did.
static void waitChild(void) {
	int status, sigs[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], forward);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			fail("waiting for the child in the", "pid", -1);
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

__attribute__((constructor)) static void vitro_nsenter(void) {
	int joinedPID = 0;
	const char *p = getenv("_VITRO_NSENTER");
	if (p == NULL || *p == '\0')
		return;
	while (*p) {
		char name[16];
		int fd, used;
		if (sscanf(p, "%15[a-z]:%d%n", name, &fd, &used) != 2) {
			errno = EINVAL;
			fail("parsing _VITRO_NSENTER at", p, -1);
		}
		int type = nstype(name);
		if (type == 0) {
			errno = EINVAL;
			fail("unknown", name, fd);
		}
		if (setns(fd, type) < 0)
			fail("joining", name, fd);
		close(fd);
		joinedPID |= type == CLONE_NEWPID;
		p += used;
		if (*p == ',')
			p++;
	}
	if (joinedPID) {
		child = fork();
		if (child < 0)
			fail("forking into the", "pid", -1);
		if (child > 0)
			waitChild();
	}
}
