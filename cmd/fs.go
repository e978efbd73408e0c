package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/fsdemo"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		fs := &cobra.Command{
			Use:   "fs",
			Short: "Root filesystems: chroot vs pivot_root, overlay layers, mounts, volumes",
			Long: `Demonstrations of how a container gets its root filesystem. Each runs its mount
work in a child process with its own mount namespace, so the host's mount table
is never changed, and removes everything it made when it ends (also on Ctrl-C).`,
		}
		fs.AddCommand(fsChrootEscapeCmd())
		root.AddCommand(fs)
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fsChrootEscapeCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "chroot-escape",
		Short: "Escape a chroot as root, then fail to escape after pivot_root",
		Long: `Build a busybox rootfs, put a secret file beside it on the host, and let a root
process inside try the classic escape (chroot into a subdirectory, walk "..",
chroot ".") twice: from a chroot, and after pivot_root with the old root
detached. Only the chroot can be escaped.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.ChrootEscape(c.Context())
			if err != nil {
				return err
			}
			return render(c.OutOrStdout(), format, res, func() *Table {
				t := &Table{Header: []string{"method", "escaped?", "what it could read"}}
				for _, a := range res.Attempts {
					t.Append(a.Method, yesNo(a.Escaped), a.Read)
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	return c
}

var _ = fmt.Sprintf
var _ = strings.Join
