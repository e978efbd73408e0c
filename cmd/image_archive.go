package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine/image"
)

// save, load and import: images to and from archives (part of the image
// command group in image.go).

func saveCmd(g *Globals) *cobra.Command {
	var output, format string
	c := &cobra.Command{
		Use:   "save [-o FILE] IMAGE...",
		Short: "Write images to a tar archive (docker save's format, or --format oci)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			if output == "" {
				if imageIsTTY(c.OutOrStdout()) {
					return fmt.Errorf("refusing to write an archive to a terminal: give -o FILE or redirect the output")
				}
				return s.Save(c.Context(), c.OutOrStdout(), args, format)
			}
			return writeFileVia(output, func(w io.Writer) error { return s.Save(c.Context(), w, args, format) })
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file (default: standard output)")
	c.Flags().StringVar(&format, "format", image.FormatDocker, "archive format: docker (docker load, skopeo docker-archive:) or oci (an OCI layout, skopeo oci-archive:)")
	return c
}

// writeFileVia writes a file through a temporary one beside it, so an
// interrupted save leaves no half archive.
func writeFileVia(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(dirOf(path), ".vitro-save-*")
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndex(path, "/"); i >= 0 {
		return path[:i+1]
	}
	return "."
}

func loadCmd(g *Globals) *cobra.Command {
	var input string
	var quiet bool
	c := &cobra.Command{
		Use:   "load [-i FILE]",
		Short: "Load images from a tar archive (docker save's format or an OCI layout archive)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			path := input
			if path == "" || path == "-" {
				tmp, err := spool(s, os.Stdin)
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				path = tmp
			}
			var p image.Progress
			if !quiet {
				pr := image.NewPrinter(c.OutOrStdout(), false)
				pr.Complete = "Loaded layer"
				p = pr
			}
			ims, err := s.Load(c.Context(), path, p)
			if err != nil {
				return err
			}
			for _, im := range ims {
				if len(im.RepoTags) == 0 {
					fmt.Fprintln(c.OutOrStdout(), "Loaded image ID: "+im.Id)
				}
				for _, t := range im.RepoTags {
					fmt.Fprintln(c.OutOrStdout(), "Loaded image: "+t)
				}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&input, "input", "i", "", "read from this file (default: standard input)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the loaded images")
	return c
}

// spool copies standard input into the store's tmp directory: archives
// need random access.
func spool(s *image.Store, r io.Reader) (string, error) {
	f, err := os.CreateTemp(s.Dir()+"/tmp", "stdin-*")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	return f.Name(), nil
}

func importCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE|- [REPOSITORY[:TAG]]",
		Short: "Make a one-layer image from a root filesystem tarball",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := openStore(g)
			if err != nil {
				return err
			}
			var r io.Reader = os.Stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			ref := ""
			if len(args) == 2 {
				ref = args[1]
			}
			im, err := s.Import(c.Context(), r, ref, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), im.Id)
			return nil
		},
	}
}
