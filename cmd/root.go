package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

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
	f.StringVar(&g.DataRoot, "data-root", "", "where images and containers live (default from config: "+config.DefaultDataRoot+")")
	f.StringVar(&g.RunRoot, "run-root", "", "where locks and the bridge's address and port pool live (default from config: "+config.DefaultRunRoot+")")
	f.StringVar(&g.Trace, "trace", "off", "trace what vitro asks of the kernel: --trace (steps and actions) or --trace=kernel (also syscalls and kernel evidence)")
	f.Lookup("trace").NoOptDefVal = "steps"
	f.StringVar(&g.TraceFormat, "trace-format", "text", "trace renderer: text, json (one event per line) or chrome (Trace Event JSON for Perfetto)")
	f.StringVar(&g.TraceFile, "trace-file", "", "write the trace to this file instead of standard error")

	for _, add := range commandGroups {
		add(root, g)
	}
	// --version, as cobra provides it; `vitro version` tells more.
	root.Version = Version
	root.SetVersionTemplate("vitro version {{.Version}}\n")
	root.SetFlagErrorFunc(flagParseError)
	for _, c := range root.Commands() {
		finishTree(c, map[*cobra.Command]bool{})
	}
	return root
}

// finishTree gives every command below the root the same argument
// handling: a command group rejects an unknown subcommand (instead of
// printing its help and exiting 0), and a wrong number of arguments is
// reported with the command's name and usage line.
func finishTree(c *cobra.Command, seen map[*cobra.Command]bool) {
	if seen[c] {
		return
	}
	seen[c] = true
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.RunE = runGroup
		c.DisableFlagsInUseLine = true // "vitro fs", not "vitro fs [flags]"
	}
	if c.Args != nil {
		c.Args = withUsage(c.Args)
	}
	for _, sub := range c.Commands() {
		finishTree(sub, seen)
	}
}

// runGroup runs a command group without a subcommand: its help when
// given nothing, an error when given a name that is no subcommand.
func runGroup(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return c.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, set only for the root
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return fmt.Errorf("%s\nRun '%s --help' for its commands.", msg, c.CommandPath())
}

// withUsage wraps an argument validator so its error names the command
// and shows how to call it.
func withUsage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		err := check(c, args)
		if err == nil {
			return nil
		}
		msg := err.Error()
		if strings.HasPrefix(msg, "unknown command ") && len(args) > 0 {
			// cobra.NoArgs says "unknown command"; the command is known.
			msg = fmt.Sprintf("takes no arguments, got %q", args[0])
		}
		return usageError{fmt.Sprintf("%s: %s\nUsage: %s\nSee '%s --help'.", c.CommandPath(), msg, useLine(c), c.CommandPath())}
	}
}

// useLine is the command's usage line; cobra's "[flags]" is left off when
// the line already says [OPTIONS], as docker's do.
func useLine(c *cobra.Command) string {
	l := c.UseLine()
	if strings.Contains(c.Use, "[OPTIONS]") {
		l = strings.TrimSuffix(l, " [flags]")
	}
	return l
}

// commandGroups is filled by each command file's init, so adding a group
// touches only its own file.
var commandGroups []func(root *cobra.Command, g *Globals)

func register(add func(root *cobra.Command, g *Globals)) {
	commandGroups = append(commandGroups, add)
}

func (g *Globals) setup(c *cobra.Command) error {
	if err := checkFormatFlag(c); err != nil {
		return err
	}
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
	// Asking where or how to write a trace asks for one.
	if (c.Flags().Changed("trace-format") || c.Flags().Changed("trace-file")) && level == trace.Off && !c.Flags().Changed("trace") {
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
