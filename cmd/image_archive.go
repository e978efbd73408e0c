package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/fsutil"
	"golang.org/x/term"
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
	return fsutil.WriteAtomic(path, 0o600, func(w io.Writer) error {
		if err := write(w); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}, fsutil.NoSync())
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
			path, source := input, input
			if path == "" || path == "-" {
				in, err := stdinArchive("give -i FILE or pipe an archive in")
				if err != nil {
					return err
				}
				tmp, err := spool(c.Context(), s, in)
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				path, source = tmp, "standard input"
			}
			var p image.Progress
			if !quiet {
				pr := image.NewPrinter(c.OutOrStdout(), false)
				pr.Complete = "Loaded layer"
				p = pr
			}
			ims, err := s.LoadFrom(c.Context(), path, source, p)
			if err != nil {
				return interrupted(err, "images loaded before it stay, the one in progress was not added")
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
// need random access. Ctrl-C stops it even while it waits for input.
func spool(ctx context.Context, s *image.Store, r io.Reader) (string, error) {
	f, err := os.CreateTemp(s.Dir()+"/tmp", "stdin-*")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = io.Copy(f, interruptible(ctx, r))
	if err == nil {
		// Ctrl-C also ends the writer of a pipe (same process group):
		// the EOF it caused may come before the cancellation.
		err = ctx.Err()
	}
	if err != nil {
		os.Remove(f.Name())
		return "", interrupted(fmt.Errorf("reading standard input: %w", err), "nothing was loaded")
	}
	return f.Name(), nil
}

// stdinArchive returns standard input to read an archive from, unless it
// is a terminal: nobody types a tar archive, and a command silently
// waiting for one looks hung.
func stdinArchive(what string) (io.Reader, error) {
	if term.IsTerminal(int(os.Stdin.Fd())) {
		return nil, fmt.Errorf("standard input is a terminal: %s", what)
	}
	return os.Stdin, nil
}

// interruptible returns a reader of r whose Read ends with ctx's error as
// soon as ctx is cancelled (Ctrl-C), even while blocked in r.Read on a
// pipe whose writer is silent. The blocked read itself cannot be undone:
// it is left to a goroutine that ends with the process.
func interruptible(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err) // nil: EOF for the reader
	}()
	context.AfterFunc(ctx, func() { pw.CloseWithError(context.Cause(ctx)) })
	return pr
}

// interrupted says in words that Ctrl-C stopped the command and what is
// left, instead of "context canceled" behind an internal lock or file
// name.
func interrupted(err error, left string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %s", left)
	}
	return err
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
			var r io.Reader
			source := args[0]
			if args[0] == "-" {
				in, err := stdinArchive("pipe a root filesystem tarball in, or give FILE")
				if err != nil {
					return err
				}
				r, source = interruptible(c.Context(), in), "standard input"
			} else {
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
			im, err := s.Import(c.Context(), r, ref, source)
			if err != nil {
				return interrupted(err, "nothing was imported")
			}
			fmt.Fprintln(c.OutOrStdout(), im.Id)
			return nil
		},
	}
}
