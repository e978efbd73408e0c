package cmd

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/engine/image/registry"
)

// Registry commands: pull, push, search, and a registry server of our own.
func init() {
	register(func(root *cobra.Command, g *Globals) {
		reg := &cobra.Command{
			Use:   "registry",
			Short: "Run a registry v2 server for offline classrooms",
		}
		reg.AddCommand(registryServeCmd(g))
		root.AddCommand(pullCmd(g), pushCmd(g), searchCmd(g), reg)
	})
}

func remoteOpts(g *Globals, platform string) (image.RemoteOptions, error) {
	o := image.RemoteFromConfig(g.Config)
	if platform != "" {
		p, err := image.ParsePlatform(platform)
		if err != nil {
			return o, err
		}
		o.Platform = p
	}
	return o, nil
}

func pullCmd(g *Globals) *cobra.Command {
	var quiet bool
	var platform string
	c := &cobra.Command{
		Use:   "pull NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry (registry-mirrors first) and unpack its layers",
		Long: `Download an image and unpack each layer once into <data-root>/layers.
"busybox" means docker.io/library/busybox:latest. A manifest list gives the
image for this host's platform, or --platform's. Mirrors from the config's
registry-mirrors are tried first for Docker Hub images; plain HTTP is used only
for loopback registries and those in insecure-registries.`,
		Example: `  vitro pull 127.0.0.1:5000/library/busybox
  vitro pull --platform linux/arm64 127.0.0.1:5000/app:1.0
  vitro --trace pull 127.0.0.1:5000/app   # every HTTP request, with status and bytes`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o, err := remoteOpts(g, platform)
			if err != nil {
				return err
			}
			ref, err := image.ParseReference(args[0])
			if err != nil {
				return err
			}
			s, err := openStore(g)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			var p *image.Printer
			if !quiet {
				if !strings.Contains(args[0], ":") && !strings.Contains(args[0], "@") {
					fmt.Fprintln(out, "Using default tag: latest")
				}
				fmt.Fprintf(out, "%s: Pulling from %s\n", ref.Identifier(), ref.Context().RepositoryStr())
				p = image.NewPrinter(out, imageIsTTY(out))
			}
			before, _ := s.Get(args[0])
			var prog image.Progress
			if p != nil {
				prog = p
			}
			im, err := s.Pull(c.Context(), args[0], o, prog)
			if p != nil {
				p.Done()
			}
			if err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintln(out, "Digest: "+im.Digest)
				if before != nil && before.Digest == im.Digest {
					fmt.Fprintln(out, "Status: Image is up to date for "+image.Familiar(image.FullName(ref)))
				} else {
					fmt.Fprintln(out, "Status: Downloaded newer image for "+image.Familiar(image.FullName(ref)))
				}
			}
			fmt.Fprintln(out, image.FullName(ref))
			return nil
		},
	}
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the image's full name")
	c.Flags().StringVar(&platform, "platform", "", "pick this platform from a manifest list: os/arch[/variant] (default: this host's)")
	return c
}

func pushCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:     "push NAME[:TAG]",
		Short:   "Upload a local image to its registry (the host in its name)",
		Example: "  vitro tag busybox 127.0.0.1:5000/library/busybox\n  vitro push 127.0.0.1:5000/library/busybox",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o, err := remoteOpts(g, "")
			if err != nil {
				return err
			}
			s, err := openStore(g)
			if err != nil {
				return err
			}
			ref, err := image.ParseReference(args[0])
			if err != nil {
				return err
			}
			if _, ok := ref.(name.Digest); ok {
				return fmt.Errorf("push %q: push a tag (NAME:TAG), not a digest", args[0])
			}
			out := c.OutOrStdout()
			fmt.Fprintf(out, "The push refers to repository [%s]\n", image.RepoName(ref.Context()))
			var done, total int64
			tty := imageIsTTY(out)
			digest, err := s.Push(c.Context(), args[0], "", o, func(d, t int64) {
				done, total = d, t
				if tty {
					fmt.Fprintf(out, "\r\x1b[2KPushing %s/%s", image.HumanSize(d), image.HumanSize(t))
				}
			})
			if tty {
				fmt.Fprint(out, "\r\x1b[2K")
			}
			if err != nil {
				return err
			}
			if total > 0 {
				fmt.Fprintf(out, "Uploaded %s of %s\n", image.HumanSize(done), image.HumanSize(total))
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: digest: %s\n", ref.Identifier(), digest)
			return nil
		},
	}
}

func searchCmd(g *Globals) *cobra.Command {
	var registryHost, format string
	var limit int
	c := &cobra.Command{
		Use:   "search [TERM] --registry HOST[:PORT]",
		Short: "Search a registry's catalog for repositories whose name contains TERM, with their tags",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o, err := remoteOpts(g, "")
			if err != nil {
				return err
			}
			term := ""
			if len(args) == 1 {
				term = args[0]
			}
			res, err := image.Search(c.Context(), registryHost, term, limit, o)
			if err != nil {
				return err
			}
			if res == nil {
				res = []image.SearchResult{}
			}
			return render(c.OutOrStdout(), format, res, func() *Table {
				t := &Table{Header: []string{"name", "tags"}}
				for _, r := range res {
					t.Append(r.Name, strings.Join(r.Tags, " "))
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	c.Flags().StringVar(&registryHost, "registry", "127.0.0.1:5000", "the registry to search (HOST[:PORT])")
	c.Flags().IntVar(&limit, "limit", 25, "show at most this many repositories")
	return c
}

func registryServeCmd(g *Globals) *cobra.Command {
	var addr, root string
	var quiet bool
	c := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:5000] [--root DIR]",
		Short: "Serve a registry v2 API with blobs and manifests on disk, until Ctrl-C",
		Long: `Serve a registry (the v2 API of docker push and pull) from a directory, for a
classroom without internet: push images to it once, pull them from every machine.
Blobs are stored by digest and checked on upload; manifests are kept on disk and
served again after a restart. It listens on loopback by default; give --addr
0.0.0.0:5000 to serve the room (clients then list it in insecure-registries).`,
		Example: `  vitro registry serve &
  vitro tag busybox 127.0.0.1:5000/library/busybox && vitro push 127.0.0.1:5000/library/busybox
  vitro search --registry 127.0.0.1:5000 busy`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if root == "" {
				root = g.Config.DataRoot + "/registry"
			}
			logw := c.ErrOrStderr()
			if quiet {
				logw = nil
			}
			return registry.Serve(c.Context(), addr, root, logw, func(a string) {
				fmt.Fprintf(c.ErrOrStderr(), "vitro registry: serving http://%s from %s (Ctrl-C stops)\n", a, root)
			})
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:5000", "address to listen on")
	c.Flags().StringVar(&root, "root", "", "where blobs and manifests are kept (default <data-root>/registry)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not log requests")
	return c
}
