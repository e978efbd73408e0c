package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// The setups the documented solutions do inside their new namespaces.
// Each runs in the re-executed helper before it reports ready; see
// procs_linux.go for the handshake.

func init() {
	// The timens helper must unshare on the main thread, the thread group
	// leader: /proc/self/timens_offsets is the leader's. An init function
	// runs locked to the main thread; locking again keeps the main
	// goroutine there after init, until the helper's execve.
	if len(os.Args) > 1 && os.Args[0] == "vitro-reexec:lessons-lab" && os.Args[1] == "timens" {
		runtime.LockOSThread()
	}
	// uts HOSTNAME: the shell of the UTS lab.
	helpers["uts"] = func(a []string) error { return sethostname(a[0]) }
	// pid HOSTNAME: PID 1 of a new PID namespace with its own /proc.
	helpers["pid"] = func(a []string) error {
		if err := sethostname(a[0]); err != nil {
			return err
		}
		if err := privateRoot(); err != nil {
			return err
		}
		// Shell equivalent: mount -t proc proc /proc  (unshare --mount-proc)
		if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("mount proc on /proc: %w", err)
		}
		return nil
	}
	// mnt TARGET: a tmpfs on TARGET in a private mount namespace, with a file.
	helpers["mnt"] = func(a []string) error {
		if err := privateRoot(); err != nil {
			return err
		}
		if err := unix.Mount("tmpfs", a[0], "tmpfs", 0, "size=1m"); err != nil {
			return fmt.Errorf("mount -t tmpfs tmpfs %s: %w", a[0], err)
		}
		return os.WriteFile(filepath.Join(a[0], "hello"), []byte("only this namespace sees me\n"), 0o644)
	}
	// ipc SIZE: a System V shared-memory segment of SIZE bytes.
	helpers["ipc"] = func(a []string) error {
		size, _ := strconv.Atoi(a[0])
		// Shell equivalent: ipcmk -M SIZE
		if _, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600); err != nil {
			return fmt.Errorf("shmget(IPC_PRIVATE, %d): %w", size, err)
		}
		return nil
	}
	// timens SECONDS: enter a time namespace whose boot-time clock is
	// SECONDS ahead, then become sleep(1). The offsets can be written only
	// before any process is in the namespace: unshare(CLONE_NEWTIME) puts
	// only this thread's future children in it, the offsets are written,
	// and execve moves this very process in.
	helpers["timens"] = func(a []string) error {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
			return fmt.Errorf("unshare(CLONE_NEWTIME): %w", err)
		}
		offs := fmt.Sprintf("monotonic 0 0\nboottime %s 0\n", a[0])
		if err := os.WriteFile("/proc/self/timens_offsets", []byte(offs), 0); err != nil {
			return fmt.Errorf("writing %q to timens_offsets: %w", offs, err)
		}
		return nil
	}
}

// execSleep replaces the helper with sleep(1), used after timens.
func execSleep() error {
	path := "/bin/sleep"
	return unix.Exec(path, []string{"sleep", strconv.Itoa(int(helperLifetime.Seconds()))}, os.Environ())
}

func sethostname(name string) error {
	// Shell equivalent: hostname NAME
	if err := unix.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("sethostname %q: %w", name, err)
	}
	return nil
}

// privateRoot stops mounts made here from propagating to the host.
//
// Shell equivalent: mount --make-rprivate /
func privateRoot() error {
	if err := unix.Mount("", "/", "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("mount --make-rprivate /: %w", err)
	}
	return nil
}
