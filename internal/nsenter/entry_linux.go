package nsenter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/reexec"
)

func init() {
	reexec.Register(entryPoint, run)
}

// run is the child's side. When it starts, the constructor has already
// joined every namespace in $_VITRO_NSENTER; what is left is to run the
// program. It is forked rather than exec'd in place, because setns into a
// PID namespace moves only the children made afterwards, never the caller.
func run() {
	spec, dir, user := os.Getenv(Env), os.Getenv(dirEnv), os.Getenv(userEnv)
	for _, v := range []string{Env, dirEnv, userEnv} {
		os.Unsetenv(v) // the program must not see them, nor pass them on
	}
	if dir != "" {
		if err := os.Chdir(dir); err != nil {
			fmt.Fprintf(os.Stderr, "vitro: nsenter: working directory: %v\n", err)
			os.Exit(125)
		}
	}
	argv := os.Args[1:]
	if len(argv) == 0 {
		sh := os.Getenv("SHELL")
		if sh == "" {
			sh = "/bin/sh"
		}
		argv = []string{sh}
	}
	// Resolved here, inside the joined mount namespace: the program is the
	// container's, not the host's.
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "vitro: nsenter: %s: %v\n", argv[0], err)
		if errors.Is(err, fs.ErrPermission) {
			os.Exit(126)
		}
		os.Exit(127)
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	switch {
	case user != "":
		uid, gid, err := parseUser(user)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vitro: nsenter: %v\n", err)
			os.Exit(125)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	case strings.Contains(","+spec, ",user:"):
		// Like nsenter(1): become root of the joined user namespace.
		// Our host uid 0 is not mapped there; uid 0 inside usually is.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}}
	}
	// Ctrl-C and Ctrl-\ reach the program from the terminal directly;
	// catching them here only keeps this process alive to report its
	// status. Others (kill PID of this process) are passed on.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "vitro: nsenter: starting %s: %v\n", argv[0], err)
		os.Exit(126)
	}
	go func() {
		for s := range sigs {
			if s != syscall.SIGINT && s != syscall.SIGQUIT {
				cmd.Process.Signal(s)
			}
		}
	}()
	code, ok := ExitStatus(cmd.Wait())
	if !ok {
		code = 125
	}
	os.Exit(code)
}
