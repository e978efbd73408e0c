package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/internal/config"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Globals holds the global flags and what is derived from them before a
// command runs: the configuration and the tracer.
type Globals struct {
	ConfigPath  string
	DataRoot    string
	RunRoot     string
	Trace       string
	TraceFormat string
	TraceFile   string

	Config *config.Config
	Tracer *trace.Tracer
}

// NewRoot builds the whole command tree. Tests call it to run commands
// in-process with their own output streams.
func NewRoot() *cobra.Command {
	g := &Globals{}
	root := &cobra.Command{
		Use:   "vitro",
		Short: "Container internals under glass",
		Long: `vitro shows how containers work by demonstrating each Linux mechanism on its own
(namespaces, cgroups, root filesystems, networking) and then composing the same
code into a small runtime with docker's everyday commands.

Everything it prints is read off the running kernel.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error { return g.setup(c) },
		PersistentPostRunE: func(*cobra.Command, []string) error {
			return g.teardown()
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&g.ConfigPath, "config", config.DefaultPath, "configuration file (keys after docker's daemon.json); a missing file means defaults")
	f.StringVar(&g.DataRoot, "data-root", "", "where images, containers and network state live (default from config: "+config.DefaultDataRoot+")")
	f.StringVar(&g.RunRoot, "run-root", "", "where pid files, sockets and locks live (default from config: "+config.DefaultRunRoot+")")
	f.StringVar(&g.Trace, "trace", "off", "trace what vitro asks of the kernel: --trace (steps and actions) or --trace=kernel (also syscalls and kernel evidence)")
	f.Lookup("trace").NoOptDefVal = "steps"
	f.StringVar(&g.TraceFormat, "trace-format", "text", "trace renderer: text, json (one event per line) or chrome (Trace Event JSON for Perfetto)")
	f.StringVar(&g.TraceFile, "trace-file", "", "write the trace to this file instead of standard error")

	for _, add := range commandGroups {
		add(root, g)
	}
	return root
}

// commandGroups is filled by each command file's init, so adding a group
// touches only its own file.
var commandGroups []func(root *cobra.Command, g *Globals)

func register(add func(root *cobra.Command, g *Globals)) {
	commandGroups = append(commandGroups, add)
}

func (g *Globals) setup(c *cobra.Command) error {
	cfg, err := config.Load(g.ConfigPath)
	if err != nil {
		return err
	}
	if g.DataRoot != "" {
		cfg.DataRoot = g.DataRoot
	}
	if g.RunRoot != "" {
		cfg.ExecRoot = g.RunRoot
	}
	if err := cfg.Validate("--data-root/--run-root"); err != nil {
		return err
	}
	g.Config = cfg
	level, err := trace.ParseLevel(g.Trace)
	if err != nil {
		return fmt.Errorf("--trace: %w", err)
	}
	format, err := trace.ParseFormat(g.TraceFormat)
	if err != nil {
		return fmt.Errorf("--trace-format: %w", err)
	}
	if c.Flags().Changed("trace-format") && level == trace.Off && !c.Flags().Changed("trace") {
		level = trace.Steps
	}
	t, err := trace.Open(level, format, g.TraceFile)
	if err != nil {
		return err
	}
	g.Tracer = t
	trace.SetDefault(t)
	return nil
}

func (g *Globals) teardown() error {
	if g.Tracer == nil {
		return nil
	}
	trace.SetDefault(nil)
	return g.Tracer.Close()
}

// Execute runs vitro with args and returns the process exit status. Errors
// are printed to stderr with a hint, once, here.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cobra.EnableTraverseRunHooks = true
	root := NewRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	return reportError(stderr, err)
}
