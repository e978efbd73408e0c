package cmd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine"
)

// psRow is one line of `vitro ps`; its fields (as --format json shows
// them) are what --format templates use.
type psRow struct {
	ID       string
	Names    string // docker's name for the column; a container has one
	Name     string
	Image    string
	Command  string
	Created  time.Time
	Status   string
	State    engine.Status
	Pid      int
	ExitCode int
	IP       string
}

func humanStatus(c *engine.Container, now time.Time) string {
	switch c.State.Status {
	case engine.StatusRunning:
		return "Up " + humanDuration(now.Sub(c.State.StartedAt))
	case engine.StatusPaused:
		return "Up " + humanDuration(now.Sub(c.State.StartedAt)) + " (Paused)"
	case engine.StatusExited:
		if c.State.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", c.State.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", c.State.ExitCode, humanDuration(now.Sub(c.State.FinishedAt)))
	}
	return "Created"
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var all, quiet bool
		var format string
		ps := &cobra.Command{
			Use:   "ps",
			Short: "List containers (running ones; -a for all)",
			Long: `List containers, newest first: running ones, or all with -a.

Template fields (--format '{{.ID}} {{.Names}}'), as --format json shows them:
ID, Names (as docker calls it), Name (the same), Image, Command, Created,
Status, State, Pid (host PID of the container's init), ExitCode, IP.`,
			Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				e := engine.New(g.Config)
				cs, err := e.List()
				if err != nil {
					return err
				}
				now := time.Now()
				var rows []psRow
				for _, ct := range cs {
					if !all && ct.State.Status != engine.StatusRunning && ct.State.Status != engine.StatusPaused {
						continue
					}
					rows = append(rows, psRow{ID: ct.ID[:12], Names: ct.Name, Name: ct.Name, Image: ct.Image,
						Command: strings.Join(ct.Config.Cmd, " "), Created: ct.Created, Status: humanStatus(ct, now),
						State: ct.State.Status, Pid: ct.State.Pid, ExitCode: ct.State.ExitCode, IP: ct.Network.IPAddress})
				}
				if quiet {
					for _, r := range rows {
						fmt.Fprintln(c.OutOrStdout(), r.ID)
					}
					return nil
				}
				return render(c.OutOrStdout(), format, rows, func() *Table {
					t := &Table{Header: []string{"container id", "image", "command", "created", "status", "ip", "names"}}
					for _, r := range rows {
						cmd := r.Command
						if len(cmd) > 22 {
							cmd = cmd[:20] + "…"
						}
						t.Append(r.ID, r.Image, fmt.Sprintf("%q", cmd), humanDuration(now.Sub(r.Created))+" ago", r.Status, r.IP, r.Name)
					}
					return t
				})
			},
		}
		ps.Flags().BoolVarP(&all, "all", "a", false, "show all containers, not only running ones")
		ps.Flags().BoolVarP(&quiet, "quiet", "q", false, "only IDs")
		addFormatFlag(ps, &format)
		root.AddCommand(ps)

		var inspectFormat string
		inspect := &cobra.Command{
			Use:   "inspect CONTAINER...",
			Short: "Show a container's record (config, state, root filesystem, network), or an image's",
			Long: `Show containers' records as JSON, or through a Go template with -f/--format.
The template sees the JSON's keys, as docker's does: -f '{{.Id}}',
-f '{{.State.Pid}}', -f '{{.NetworkSettings.IPAddress}}', -f '{{json .Config}}'.
Top-level fields: Id, Name, Image, ImageID, Created, Path, Args, Config, State,
Rootfs, NetworkSettings, CgroupPath, Options.
A name that is not a container is looked up among the images, as in docker
(its fields are those of 'vitro image inspect').`,
			Args: cobra.MinimumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				e := engine.New(g.Config)
				var cs []any
				for _, a := range args {
					ct, err := e.Get(a)
					if errors.Is(err, engine.ErrNoSuchContainer) {
						// As docker does: a name that is no container may be an image.
						if store, serr := openStore(g); serr == nil {
							if im, ierr := store.Get(a); ierr == nil {
								cs = append(cs, im)
								continue
							}
						}
						return fmt.Errorf("%w or image: %s", engine.ErrNoSuchContainer, a)
					}
					if err != nil {
						return err
					}
					cs = append(cs, ct)
				}
				if inspectFormat == "" || inspectFormat == "table" {
					inspectFormat = "json"
				}
				return render(c.OutOrStdout(), inspectFormat, cs, nil)
			},
		}
		inspect.Flags().StringVarP(&inspectFormat, "format", "f", "json", formatHelp)
		markFormatFlag(inspect)
		root.AddCommand(inspect)

		var force bool
		rm := &cobra.Command{
			Use:   "rm CONTAINER...",
			Short: "Remove containers, their read-write layers and anything a crash left behind",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				e := engine.New(g.Config)
				var failed []string
				for _, a := range args {
					if err := e.Remove(a, force); err != nil {
						fmt.Fprintf(c.ErrOrStderr(), "vitro: %v\n", err)
						failed = append(failed, a)
						continue
					}
					fmt.Fprintln(c.OutOrStdout(), a)
				}
				if len(failed) > 0 {
					return silentError{ExitVitro}
				}
				return nil
			},
		}
		rm.Flags().BoolVarP(&force, "force", "f", false, "kill a running container before removing it")
		root.AddCommand(rm)
	})
}
