package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/internal/nsenter"
	"github.com/vitro-dev/vitro/nsdemo"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		ns := &cobra.Command{
			Use:   "ns [TYPE]",
			Short: "Namespaces: each of the eight shown on its own, plus lsns and nsenter",
			Long: `A container is a process isolated along namespaces. Each demo here starts a child
in exactly ONE new namespace of its type (a re-executed vitro, cloned with that
one flag), makes the change that namespace isolates, and shows the host's view
beside the child's. The inode table at the end is the proof of "in isolation":
of the eight /proc/<pid>/ns/<type> inodes, only the demonstrated one differs.

  vitro ns uts               hostname set inside, host unchanged
  vitro ns pid               PID 1 inside, orphans reaped by it
  vitro ns mnt               a tmpfs in the child's mount table only
  vitro ns ipc               shared memory and message queues apart
  vitro ns net               only lo, down; the host's links unseen
  vitro ns user              uid 0 inside = an unprivileged uid outside
  vitro ns cgroup            /proc/self/cgroup reads / inside
  vitro ns time              monotonic and boot clocks offset inside

Add -- CMD to run a program inside the namespace once the demo is set up
(vitro ns uts -- /bin/sh); vitro exits with the program's status.
Then: vitro ns ls (like lsns) and vitro ns enter (like nsenter).`,
			Args: cobra.ArbitraryArgs,
			RunE: func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					return nsdemo.CheckType(args[0])
				}
				return c.Help()
			},
		}
		for _, t := range nsdemo.Types {
			ns.AddCommand(nsDemoCmd(t))
		}
		ns.AddCommand(nsLsCmd(), nsEnterCmd())
		root.AddCommand(ns)
	})
}

type nsDemoOpts struct {
	format   string
	hostname string
	mapUID   int
	mapGID   int
	offset   time.Duration
}

func nsDemoCmd(t nsdemo.Type) *cobra.Command {
	var o nsDemoOpts
	c := &cobra.Command{
		Use:   t.Name + " [-- CMD [ARG...]]",
		Short: fmt.Sprintf("Isolate %s (%s, Linux %s)", t.Isolates, t.CloneFlag, t.Since),
		Long: fmt.Sprintf(`Start a child in a new %s namespace only (%s, since Linux %s).
It isolates %s.

vitro shows what the host sees beside what the child sees, the namespace
inodes of both (only %s differs), every call made, and the same demo as
shell commands. See docs/namespaces.md.

With -- CMD, run CMD inside that namespace afterwards, with this terminal;
vitro exits with its status. The namespace ends when CMD does.`, t.Name, t.CloneFlag, t.Since, t.Isolates, t.Name),
		Example: fmt.Sprintf("  vitro ns %s\n  vitro ns %s --format json\n  vitro ns %s -- /bin/sh", t.Name, t.Name, t.Name),
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if n := c.ArgsLenAtDash(); n > 0 || (n < 0 && len(args) > 0) {
				return fmt.Errorf("unexpected argument %q: put the program to run after --, as in vitro ns %s -- %s", args[0], t.Name, strings.Join(args, " "))
			}
			return runNsDemo(c, t, o, args)
		},
	}
	addFormatFlag(c, &o.format)
	f := c.Flags()
	switch t.Name {
	case "uts":
		f.StringVar(&o.hostname, "hostname", nsdemo.DefaultHostname, "hostname to set inside")
	case "user":
		f.IntVar(&o.mapUID, "map-uid", nsdemo.DefaultMapID, "first host uid that uids 0-65535 inside map to")
		f.IntVar(&o.mapGID, "map-gid", nsdemo.DefaultMapID, "first host gid that gids 0-65535 inside map to")
	case "time":
		f.DurationVar(&o.offset, "offset", nsdemo.DefaultTimeOffset*time.Second, "added to CLOCK_MONOTONIC and CLOCK_BOOTTIME inside (whole seconds)")
	}
	return c
}

func runNsDemo(c *cobra.Command, t nsdemo.Type, o nsDemoOpts, argv []string) error {
	if c.Flags().Changed("hostname") && o.hostname == "" {
		return errors.New(`--hostname "": give the name to set inside, as in --hostname classroom`)
	}
	for _, f := range []string{"map-uid", "map-gid"} {
		if c.Flags().Changed(f) && c.Flags().Lookup(f).Value.String() == "0" {
			return fmt.Errorf("--%s 0 would map root inside to root outside, which is what the demo shows does not happen: choose an unprivileged id such as %d", f, nsdemo.DefaultMapID)
		}
	}
	if t.Name == "time" && (o.offset < time.Second || o.offset%time.Second != 0) {
		return fmt.Errorf("--offset %s: want a whole number of seconds, at least 1s", o.offset)
	}
	w, errw := c.OutOrStdout(), c.ErrOrStderr()
	if len(argv) > 0 {
		// While the program runs, its output is copied into w and errw by
		// os/exec's goroutines, and Ready writes into them too.
		w, errw = lockWriters(w, errw)
	}
	opts := nsdemo.Options{
		Hostname:   o.hostname,
		MapUID:     o.mapUID,
		MapGID:     o.mapGID,
		TimeOffset: int64(o.offset / time.Second),
		Argv:       argv,
		Stdin:      c.InOrStdin(),
		Stdout:     w,
		Stderr:     errw,
	}
	if len(argv) > 0 {
		explicit := c.Flags().Changed("format")
		opts.Ready = func(r nsdemo.Outcome) error {
			if explicit {
				if err := renderNsDemo(w, o.format, r); err != nil {
					return err
				}
			}
			s := r.Summary()
			in, host := nsInodes(s, t.Name)
			fmt.Fprintf(errw, "vitro: running %s in a new %s namespace (%s inode %d, the host's %d); host PID %d; the demo ends when it does.\n",
				argv[0], t.Name, t.Name, in, host, s.ChildPID)
			if t.Name == "pid" {
				fmt.Fprintf(errw, "vitro: %s is PID 1 there: the kernel gives it no default signal actions, so Ctrl-C may not stop it (kill -9 %d will).\n", argv[0], s.ChildPID)
			}
			return nil
		}
	}
	r, err := nsdemo.Run(c.Context(), t.Name, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: the demo's processes were killed and what it made was removed: %w", err)
		}
		return err
	}
	if len(argv) > 0 {
		if code := r.Summary().ExitCode; code != nil && *code != 0 {
			return silentError{*code}
		}
		return nil
	}
	return renderNsDemo(w, o.format, r)
}

// lockWriters makes out and errOut safe to write from more than one
// goroutine, sharing one lock since they may be the same writer. A file
// is left as it is: the kernel orders writes to it, and os/exec then
// hands the descriptor itself to the child, so that a program run on a
// terminal has the terminal. Any other writer (a buffer, in tests) would
// be written by os/exec's copying goroutine while vitro writes its own
// lines: a data race.
func lockWriters(out, errOut io.Writer) (io.Writer, io.Writer) {
	mu := new(sync.Mutex)
	wrap := func(w io.Writer) io.Writer {
		if _, ok := w.(*os.File); ok {
			return w
		}
		return &lockedWriter{mu: mu, w: w}
	}
	return wrap(out), wrap(errOut)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func nsInodes(s *nsdemo.Result, typ string) (inside, host uint64) {
	for _, row := range s.Inodes {
		if row.Type == typ {
			return row.Inside, row.Host
		}
	}
	return 0, 0
}

// renderNsDemo prints a demo's result: for people, its tables (the
// comparison, the inode table, the calls made and the shell equivalent);
// otherwise JSON or a template over the typed result.
func renderNsDemo(w io.Writer, format string, r nsdemo.Outcome) error {
	return writeTables(w, format, r, r.Tables)
}

func nsLsCmd() *cobra.Command {
	var (
		format string
		opts   nsdemo.ListOptions
	)
	c := &cobra.Command{
		Use:   "ls",
		Short: "List namespaces and the processes in them, like lsns",
		Long: `List every namespace that some process is in, read from /proc/<pid>/ns/*:
its type, inode (its identity), how many processes are in it, the lowest of
their PIDs, that process's user and command. Like lsns.

Template fields (--format '{{.type}} {{.inode}}'), as --format json shows them:
type, inode, nprocs, pid, uid, user, command.`,
		Example: "  vitro ns ls\n  vitro ns ls --type net\n  vitro ns ls --pid 1234 --format json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("pid") && opts.PID <= 0 {
				return fmt.Errorf("--pid %d: a PID is a positive number", opts.PID)
			}
			ns, err := nsdemo.List(opts)
			if err != nil {
				return err
			}
			return render(c.OutOrStdout(), format, ns, func() *Table {
				t := &Table{Header: []string{"ns", "type", "nprocs", "pid", "user", "command"}}
				for _, n := range ns {
					t.Append(strconv.FormatUint(n.Inode, 10), n.Type, strconv.Itoa(n.NProcs), strconv.Itoa(n.PID), n.User, nsTrunc(n.Command, 60))
				}
				return t
			})
		},
	}
	c.Flags().IntVar(&opts.PID, "pid", 0, "only the namespaces of this process (lsns --task)")
	c.Flags().StringVar(&opts.Type, "type", "", "only namespaces of this type: "+strings.Join(nsdemo.Names(), ", "))
	addFormatFlag(c, &format)
	return c
}

func nsTrunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func nsEnterCmd() *cobra.Command {
	var (
		target int
		all    bool
	)
	want := map[string]*bool{}
	c := &cobra.Command{
		Use:   "enter --target PID [--uts --pid --mnt --ipc --net --user --cgroup --time | --all] [-- CMD [ARG...]]",
		Short: "Run a program in the namespaces of a running process, like nsenter",
		Long: `Run CMD (default $SHELL, or /bin/sh) inside namespaces of process PID, like
nsenter: the namespace files /proc/PID/ns/<type> are opened here, passed to a
re-executed vitro, and joined with setns(2) by a small C constructor before
the Go runtime starts, because the kernel refuses to move a multi-threaded
process into a mount, user or time namespace (docs/setns-constructor.md).
The program is then forked, so that it is also inside a joined PID namespace.
With --user, it runs as uid 0 of that user namespace. vitro exits with its
status. Namespaces the target shares with vitro are skipped.`,
		Example: "  vitro ns uts -- sleep 600 &        # a running demo\n  vitro ns enter --target PID --uts -- hostname\n  vitro ns enter --target PID --all",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if n := c.ArgsLenAtDash(); n > 0 || (n < 0 && len(args) > 0) {
				return fmt.Errorf("unexpected argument %q: put the program to run after --, as in vitro ns enter --target %d --uts -- %s", args[0], target, strings.Join(args, " "))
			}
			if !c.Flags().Changed("target") {
				return errors.New("--target PID is required: the process whose namespaces to join (see vitro ns ls)")
			}
			var types []string
			for _, t := range nsdemo.Types {
				if all || *want[t.Name] {
					types = append(types, t.Name)
				}
			}
			if len(types) == 0 {
				return fmt.Errorf("no namespace chosen: add --all or one or more of --%s", strings.Join(nsdemo.Names(), ", --"))
			}
			cmd, err := nsdemo.Enter(target, types, args)
			if err != nil {
				return err
			}
			cmd.Stdin, cmd.Stdout, cmd.Stderr = c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr()
			if err := cmd.Start(); err != nil {
				return fmt.Errorf("starting the joining process: %w", err)
			}
			// Ctrl-C reaches the program from the terminal; SIGTERM sent to
			// vitro alone is passed on instead.
			stop := context.AfterFunc(c.Context(), func() { cmd.Process.Signal(syscall.SIGTERM) })
			defer stop()
			code, ok := nsenter.ExitStatus(cmd.Wait())
			if !ok {
				return fmt.Errorf("waiting for the program in PID %d's namespaces failed", target)
			}
			if code != 0 {
				return silentError{code}
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVarP(&target, "target", "t", 0, "PID of the process whose namespaces to join")
	f.BoolVarP(&all, "all", "a", false, "join all its namespaces (those it shares with vitro are skipped)")
	short := map[string]string{"mnt": "m", "uts": "u", "ipc": "i", "net": "n", "pid": "p", "user": "U", "cgroup": "C", "time": "T"}
	for _, t := range nsdemo.Types {
		want[t.Name] = f.BoolP(t.Name, short[t.Name], false, fmt.Sprintf("join its %s namespace (%s)", t.Name, t.Isolates))
	}
	f.BoolVar(want["mnt"], "mount", false, "same as --mnt")
	f.MarkHidden("mount")
	return c
}
