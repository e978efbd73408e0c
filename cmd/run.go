package cmd

import (
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var o engine.RunOptions
		var entrypoint string
		c := &cobra.Command{
			Use:   "run [OPTIONS] IMAGE [COMMAND [ARG...]]",
			Short: "Run a command in a new container, in the six steps of docker run",
			Long: `Run a command in a new container. vitro does it in six steps, each a function of
the engine that calls the same code the demos show:

  1 image    find the image locally, or pull it from the registry
  2 create   the container record and cgroup; init started in new namespaces
  3 rootfs   a read-write layer mounted over the image's read-only layers; pivot_root
  4 network  a veth pair from the host bridge into the container
  5 address  an address from the bridge's pool, and the default route
  6 exec     the program becomes PID 1; when it ends the container stops

Watch them with --trace (or --trace=kernel for the kernel's evidence), and stop
before any of them with --pause-at STEP to look around from another terminal.

The exit status is the program's; 125 when vitro itself failed, 126 when the
program cannot be executed, 127 when it does not exist.`,
			Example: `  vitro run --rm busybox echo hello
  vitro --trace run --rm busybox hostname
  vitro run --rm -it busybox sh
  vitro run --rm -m 16m busybox sh -c 'head -c 100m /dev/zero | tail -c 64m >/dev/null; echo status $?'
  vitro run --rm --pause-at rootfs busybox true`,
			Args: cobra.MinimumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				o.Image, o.Cmd = args[0], args[1:]
				if c.Flags().Changed("entrypoint") {
					o.Entrypoint = &entrypoint
				}
				if err := engine.ParsePauseAt(o.PauseAt); err != nil {
					return err
				}
				if err := checkTTY(o); err != nil {
					return err
				}
				e := engine.New(g.Config)
				e.Pause = pausePrompt(os.Stdin, c.ErrOrStderr())
				return e.Run(c.Context(), o, engine.Stdio{In: os.Stdin, Out: c.OutOrStdout(), Err: c.ErrOrStderr()})
			},
		}
		addRunFlags(c, &o, &entrypoint)
		root.AddCommand(c)
	})
}

func init() {
	register(func(root *cobra.Command, g *Globals) {
		create := &cobra.Command{
			Use:   "create [OPTIONS] IMAGE [COMMAND [ARG...]]",
			Short: "Create a container (steps 1 and 2's record) without starting it",
			Long: `Create a container: find or pull the image (step 1), write the container's
record and make its read-write layer's directories. Nothing runs and no
namespace, cgroup or link exists until vitro start does steps 2 to 6.
Takes the same options as vitro run; prints the new container's ID.`,
			Args: cobra.MinimumNArgs(1),
		}
		var o engine.RunOptions
		var entrypoint string
		addRunFlags(create, &o, &entrypoint)
		create.RunE = func(c *cobra.Command, args []string) error {
			o.Image, o.Cmd = args[0], args[1:]
			if c.Flags().Changed("entrypoint") {
				o.Entrypoint = &entrypoint
			}
			ct, err := engine.New(g.Config).Create(c.Context(), o, engine.Stdio{In: os.Stdin, Out: c.OutOrStdout(), Err: c.ErrOrStderr()})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), ct.ID)
			return nil
		}
		root.AddCommand(create)

		var attach, interactive bool
		start := &cobra.Command{
			Use:   "start [-a] [-i] CONTAINER",
			Short: "Start a created or exited container: steps 2 to 6",
			Long: `Start a container made by vitro create (or one that exited): its cgroup and init
in new namespaces, its root filesystem, network and address, and its program.
Like vitro run, it stays until the program ends (vitro has no daemon to hand
the container to: it lives as long as this command), and exits with the
program's status; -a shows the program's output, -i also connects standard
input.`,
			Args: cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				e := engine.New(g.Config)
				e.Pause = pausePrompt(os.Stdin, c.ErrOrStderr())
				return e.Start(c.Context(), args[0], attach || interactive, interactive,
					engine.Stdio{In: os.Stdin, Out: c.OutOrStdout(), Err: c.ErrOrStderr()})
			},
		}
		start.Flags().BoolVarP(&attach, "attach", "a", false, "show the program's output and exit with its status")
		start.Flags().BoolVarP(&interactive, "interactive", "i", false, "connect standard input")
		root.AddCommand(start)
	})
}

// addRunFlags gives run and create docker's container options.
func addRunFlags(c *cobra.Command, o *engine.RunOptions, entrypoint *string) {
	f := c.Flags()
	f.SetInterspersed(false) // flags after IMAGE belong to the command
	f.BoolVarP(&o.Interactive, "interactive", "i", false, "keep standard input open")
	f.BoolVarP(&o.Tty, "tty", "t", false, "give the container a pseudo-terminal")
	f.BoolVar(&o.Remove, "rm", false, "remove the container when it exits")
	f.StringVar(&o.Name, "name", "", "name the container (default: a random adjective_surname)")
	f.StringVar(entrypoint, "entrypoint", "", "override the image's entrypoint (\"\" clears it)")
	f.StringArrayVarP(&o.Env, "env", "e", nil, "set an environment variable: NAME=value, or NAME to copy it from here")
	f.StringArrayVar(&o.EnvFiles, "env-file", nil, "read environment variables from a file of NAME=value lines")
	f.StringVarP(&o.WorkingDir, "workdir", "w", "", "working directory inside the container")
	f.StringVarP(&o.User, "user", "u", "", "user to run as: name, uid, name:group or uid:gid")
	f.StringVarP(&o.Hostname, "hostname", "h", "", "the container's hostname (default: its short ID)")
	f.StringVarP(&o.Memory, "memory", "m", "", "memory limit: 64m, 1g (bytes, k, m, g)")
	f.StringVar(&o.MemorySwap, "memory-swap", "", "memory plus swap limit; -1 for unlimited swap")
	f.StringVar(&o.CPUs, "cpus", "", "CPU limit as a number of CPUs: 0.5, 1.5")
	f.Int64Var(&o.CPUShares, "cpu-shares", 0, "relative CPU weight under contention (default 1024)")
	f.StringVar(&o.CpusetCpus, "cpuset-cpus", "", "CPUs the container may use: 0-1, 0,2")
	f.Int64Var(&o.PidsLimit, "pids-limit", 0, "maximum number of processes and threads (-1 unlimited)")
	f.StringArrayVarP(&o.Volumes, "volume", "v", nil, "bind mount a host path: SRC:DST[:ro|rw]")
	f.StringArrayVarP(&o.Publish, "publish", "p", nil, "publish a port: [IP:]HOST:CONTAINER[/tcp|udp]")
	f.StringVar(&o.Network, "network", "bridge", "network mode: bridge, none or host")
	f.BoolVar(&o.Privileged, "privileged", false, "all capabilities and devices, no masked or read-only paths, no seccomp filter")
	f.StringArrayVar(&o.CapAdd, "cap-add", nil, "add a capability (NET_ADMIN, SYS_PTRACE, ALL ...)")
	f.StringArrayVar(&o.CapDrop, "cap-drop", nil, "drop a capability (or ALL)")
	f.BoolVar(&o.ReadOnly, "read-only", false, "mount the container's root filesystem read-only")
	f.StringArrayVar(&o.SecurityOpt, "security-opt", nil, "security option: no-new-privileges, seccomp=unconfined, seccomp=FILE (a profile in docker's JSON)")
	f.StringArrayVar(&o.Devices, "device", nil, "give the container a host device: HOST[:CONTAINER[:PERMS]], PERMS of r, w, m (default rwm)")
	f.StringVar(&o.PauseAt, "pause-at", "", "stop before this step (1-6 or image, create, rootfs, network, address, exec) until Enter")
	// -h is --hostname, as in docker; help stays on --help.
	f.BoolP("help", "", false, "help for "+c.Name())
}

// checkTTY refuses -it when standard input is not a terminal, as docker
// does: the container would wait on a terminal that never types.
func checkTTY(o engine.RunOptions) error {
	if o.Tty && o.Interactive && !term.IsTerminal(int(os.Stdin.Fd())) {
		return fmt.Errorf("-it: standard input is not a terminal: drop -t to pipe input into the container")
	}
	return nil
}
