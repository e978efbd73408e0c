package cmd

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine/image"
	"golang.org/x/term"
)

// The image commands, by docker's names: each is both `vitro image X` and,
// where docker has one, a top-level shortcut (vitro images, tag, rmi, save,
// load, import).
func init() {
	register(func(root *cobra.Command, g *Globals) {
		grp := &cobra.Command{
			Use:   "image",
			Short: "Manage images: list, inspect, history, tag, remove, save, load, import, prune, bootstrap",
			Long: `Manage the local image store under <data-root>/images (an OCI image layout) and
the layers unpacked once under <data-root>/layers, shared by every image that has them.`,
		}
		grp.AddCommand(imageLsCmd(g, "ls"), imageInspectCmd(g), imageHistoryCmd(g), imagePruneCmd(g),
			imageBootstrapCmd(g), tagCmd(g), rmiCmd(g, "rm"), saveCmd(g), loadCmd(g), importCmd(g),
			pullCmd(g), pushCmd(g))
		root.AddCommand(grp, imageLsCmd(g, "images"), imageHistoryCmd(g), tagCmd(g), rmiCmd(g, "rmi"), saveCmd(g), loadCmd(g), importCmd(g))
	})
}

func openStore(g *Globals) (*image.Store, error) {
	return image.Open(g.Config.DataRoot, image.WithMaxLayerSize(g.Config.MaxLayerBytes()))
}

// imageRow is one line of `vitro images`; its fields are what --format
// templates use ('{{.Repository}}:{{.Tag}}').
type imageRow struct {
	Repository, Tag, Digest, ID string
	CreatedAt                   time.Time
	CreatedSince                string
	Size                        string
	SizeBytes                   int64
}

func imageLsCmd(g *Globals, use string) *cobra.Command {
	var format string
	var quiet, digests, noTrunc bool
	var filters []string
	c := &cobra.Command{
		Use:     use + " [REPOSITORY[:TAG]]",
		Aliases: aliasesFor(use),
		Short:   "List images: repository, tag, image ID, created, size",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFilters(filters); err != nil {
				return err
			}
			s, err := openStore(g)
			if err != nil {
				return err
			}
			ims, err := s.List()
			if err != nil {
				return err
			}
			var rows []imageRow
			for _, im := range ims {
				for _, r := range rowsOf(im, noTrunc) {
					if (len(args) == 0 || matchRepo(r, args[0])) && matchFilters(r, filters) {
						rows = append(rows, r)
					}
				}
			}
			if quiet {
				seen := map[string]bool{}
				for _, r := range rows {
					if !seen[r.ID] {
						seen[r.ID] = true
						fmt.Fprintln(c.OutOrStdout(), r.ID)
					}
				}
				return nil
			}
			if rows == nil {
				rows = []imageRow{}
			}
			return render(c.OutOrStdout(), format, rows, func() *Table {
				t := &Table{Header: []string{"repository", "tag", "image id", "created", "size"}}
				if digests {
					t.Header = []string{"repository", "tag", "digest", "image id", "created", "size"}
				}
				for _, r := range rows {
					if digests {
						t.Append(r.Repository, r.Tag, r.Digest, r.ID, r.CreatedSince, r.Size)
					} else {
						t.Append(r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size)
					}
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print image IDs only")
	c.Flags().BoolVar(&digests, "digests", false, "show manifest digests")
	c.Flags().BoolVar(&noTrunc, "no-trunc", false, "show whole image IDs")
	c.Flags().StringArrayVarP(&filters, "filter", "f", nil, "show only images that match: dangling=true|false, reference=PATTERN (busybox, 'class/*:1')")
	return c
}

func aliasesFor(use string) []string {
	switch use {
	case "ls":
		return []string{"list"}
	case "rm":
		return []string{"remove"}
	}
	return nil
}

func rowsOf(im *image.Image, noTrunc bool) []imageRow {
	id := image.ShortID(im.Id)
	if noTrunc {
		id = im.Id
	}
	base := imageRow{Repository: "<none>", Tag: "<none>", Digest: im.Digest, ID: id, CreatedAt: im.Created,
		CreatedSince: ago(im.Created), Size: image.HumanSize(im.Size), SizeBytes: im.Size}
	var rows []imageRow
	for _, n := range im.Names {
		repo, tag, _ := image.SplitName(n)
		r := base
		r.Repository = image.Familiar(repo)
		if tag != "" {
			r.Tag = tag
		}
		rows = append(rows, r)
	}
	if rows == nil {
		rows = []imageRow{base}
	}
	return rows
}

// checkFilters refuses filters vitro does not know, naming them.
func checkFilters(filters []string) error {
	for _, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		switch {
		case k == "dangling" && (v == "true" || v == "false"):
		case k == "reference" && v != "":
			if _, err := path.Match(v, ""); err != nil {
				return fmt.Errorf("--filter %q: bad pattern: %w", f, err)
			}
		default:
			return fmt.Errorf("--filter %q: want dangling=true|false or reference=PATTERN", f)
		}
	}
	return nil
}

// matchFilters applies docker's image filters: every one must match.
func matchFilters(r imageRow, filters []string) bool {
	for _, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "dangling":
			if (r.Repository == "<none>") != (v == "true") {
				return false
			}
		case "reference":
			ok, _ := path.Match(v, r.Repository)
			ok2, _ := path.Match(v, r.Repository+":"+r.Tag)
			if !ok && !ok2 {
				return false
			}
		}
	}
	return true
}

func matchRepo(r imageRow, pattern string) bool {
	repo, tag, _ := strings.Cut(pattern, ":")
	return (r.Repository == repo || r.Repository == image.Familiar(repo)) && (tag == "" || tag == r.Tag)
}

// ago prints a time as docker does: "3 hours ago".
func ago(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "Less than a minute ago"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	case d < 14*24*time.Hour:
		return plural(int(d.Hours()/24), "day") + " ago"
	case d < 60*24*time.Hour:
		return plural(int(d.Hours()/24/7), "week") + " ago"
	case d < 2*365*24*time.Hour:
		return plural(int(d.Hours()/24/30), "month") + " ago"
	}
	return plural(int(d.Hours()/24/365), "year") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func imageInspectCmd(g *Globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "inspect IMAGE...",
		Short: "Show an image's manifest digest, config (Env, Cmd, ...), layers (digest, diffID, directory)",
		Example: `  vitro image inspect busybox
  vitro image inspect -f '{{.Config.Cmd}}' busybox
  vitro image inspect -f '{{range .Layers}}{{.DiffID}} {{.Dir}}{{"\n"}}{{end}}' busybox`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			var ims []*image.Image
			for _, a := range args {
				im, err := s.Get(a)
				if err != nil {
					return err
				}
				ims = append(ims, im)
			}
			return render(c.OutOrStdout(), format, ims, nil)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "json", "output format: json, or a Go template over the fields --format json shows, such as '{{.Config.Cmd}}' (applied to each image)")
	return c
}

// historyRow is one line of `vitro image history`.
type historyRow struct {
	Created, CreatedBy, Size, Comment string
	EmptyLayer                        bool
}

func imageHistoryCmd(g *Globals) *cobra.Command {
	var format string
	var noTrunc bool
	c := &cobra.Command{
		Use:   "history IMAGE",
		Short: "Show how an image was built: one row per history entry, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			im, err := s.Get(args[0])
			if err != nil {
				return err
			}
			rows := historyRows(s, im)
			return render(c.OutOrStdout(), format, rows, func() *Table {
				t := &Table{Header: []string{"created", "created by", "size", "comment"}}
				for _, r := range rows {
					by := r.CreatedBy
					if !noTrunc && len(by) > 45 {
						by = by[:44] + "…"
					}
					t.Append(r.Created, by, r.Size, r.Comment)
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	c.Flags().BoolVar(&noTrunc, "no-trunc", false, "do not shorten CREATED BY")
	return c
}

func historyRows(s *image.Store, im *image.Image) []historyRow {
	rows := []historyRow{}
	li := 0
	for _, h := range im.History {
		r := historyRow{Created: ago(h.Created.Time), CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer, Size: "0B"}
		if !h.EmptyLayer && li < len(im.Layers) {
			r.Size = image.HumanSize(s.LayerSize(im.Layers[li].DiffID))
			li++
		}
		rows = append([]historyRow{r}, rows...)
	}
	return rows
}

func tagCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		Short: "Give an image another name",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			return s.Tag(c.Context(), args[0], args[1])
		},
	}
}

func rmiCmd(g *Globals, use string) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:     use + " IMAGE...",
		Aliases: aliasesFor(use),
		Short:   "Remove images (a name, or by ID the whole image); refuses one a container uses unless -f",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			var errs []string
			for _, a := range args {
				res, err := s.Remove(c.Context(), a, force)
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				for _, u := range res.Untagged {
					fmt.Fprintln(c.OutOrStdout(), "Untagged: "+u)
				}
				for _, d := range res.Deleted {
					fmt.Fprintln(c.OutOrStdout(), "Deleted: "+d)
				}
			}
			if len(errs) > 0 {
				return fmt.Errorf("%s", strings.Join(errs, "\nvitro: "))
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&force, "force", "f", false, "remove the names even if a container uses the image (it stays, unnamed, until prune)")
	return c
}

func imagePruneCmd(g *Globals) *cobra.Command {
	var all, force bool
	var format string
	c := &cobra.Command{
		Use:   "prune",
		Short: "Remove unnamed images (-a: every image no container uses), unused blobs and layers, and leftovers of interrupted pulls",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			rep, err := s.Prune(c.Context(), all)
			if err != nil {
				return err
			}
			if format != "" && format != "table" {
				return render(c.OutOrStdout(), format, rep, nil)
			}
			// docker's wording.
			w := c.OutOrStdout()
			if len(rep.ImagesDeleted) > 0 {
				fmt.Fprintln(w, "Deleted Images:")
				for _, id := range rep.ImagesDeleted {
					fmt.Fprintln(w, "deleted: "+id)
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "Removed %d blobs, %d unpacked layers, %d leftovers of interrupted writes\n", rep.GC.Blobs, rep.GC.Layers, rep.GC.Temp)
			fmt.Fprintln(w, "Total reclaimed space: "+image.HumanSize(rep.GC.Reclaimed))
			return nil
		},
	}
	addFormatFlag(c, &format)
	c.Flags().BoolVarP(&all, "all", "a", false, "remove every image no container uses, not only unnamed ones")
	c.Flags().BoolVarP(&force, "force", "f", false, "do not ask (vitro never asks; accepted for docker's scripts)")
	return c
}

func imageBootstrapCmd(g *Globals) *cobra.Command {
	var busybox, tag string
	c := &cobra.Command{
		Use:   "bootstrap [busybox]",
		Short: "Build a busybox image from the host's static /bin/busybox, without any registry",
		Long: `Build a small real image from the host's static busybox (Debian's busybox-static):
a root filesystem with /bin/busybox and a symlink per applet (sh, ls, echo, ...),
/etc/passwd, /etc/group, /tmp, with Cmd ["sh"] and PATH set, named
docker.io/library/busybox:latest so that 'vitro run busybox ...' finds it.

Every timestamp is fixed, so the same busybox always gives the same image digest.`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"busybox"},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] != "busybox" {
				return fmt.Errorf("bootstrap %q: the only bootstrap image is busybox", args[0])
			}
			s, err := openStore(g)
			if err != nil {
				return err
			}
			full := ""
			if tag != "" {
				ref, err := image.ParseReference(tag)
				if err != nil {
					return err
				}
				full = image.FullName(ref)
			}
			im, err := s.Bootstrap(c.Context(), busybox, full)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%s %s (%d layer, %s)\n", strings.Join(im.RepoTags, " "), im.Id, len(im.Layers), image.HumanSize(im.Size))
			return nil
		},
	}
	c.Flags().StringVar(&busybox, "busybox", image.DefaultBusybox, "the static busybox binary to build from")
	c.Flags().StringVarP(&tag, "tag", "t", "", "name the image (default busybox:latest)")
	return c
}

func imageIsTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
