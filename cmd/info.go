package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var format string
		c := &cobra.Command{
			Use:   "info",
			Short: "Show what vitro finds on this host, like docker info",
			Long: `Show what vitro finds on this host: kernel, cgroup mode (v1, hybrid or v2, told by
filesystem magic), controllers, namespaces, overlay support, storage, and counts
of images and containers.

Template fields (--format '{{.CgroupMode}}'), as --format json shows them:
Kernel, OperatingSystem, Architecture, CPUs, MemTotal, CgroupMode, CgroupDriver,
CgroupControllers, Namespaces, Overlay, StorageDriver, DataRoot, RunRoot,
Bridge, BIP, Images, Containers, ContainersRunning, ContainersStopped.`,
			Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				in := engine.SystemInfo(g.Config)
				return render(c.OutOrStdout(), format, in, func() *Table {
					t := &Table{Header: []string{"item", "value"}}
					t.Append("Kernel", in.Kernel)
					t.Append("Operating system", in.OperatingSystem)
					t.Append("Architecture", in.Architecture)
					t.Append("CPUs", fmt.Sprint(in.CPUs))
					t.Append("Memory", fmt.Sprintf("%.1f GiB", float64(in.MemTotal)/(1<<30)))
					t.Append("Cgroup mode", in.CgroupMode)
					t.Append("Cgroup driver", in.CgroupDriver)
					t.Append("Cgroup controllers", strings.Join(in.CgroupControllers, " "))
					t.Append("Namespaces", strings.Join(in.Namespaces, " "))
					t.Append("Overlay", fmt.Sprint(in.Overlay))
					t.Append("Storage driver", in.StorageDriver)
					t.Append("Data root", in.DataRoot)
					t.Append("Run root", in.RunRoot)
					t.Append("Bridge", in.Bridge+" "+in.BIP)
					t.Append("Images", fmt.Sprint(in.Images))
					t.Append("Containers", fmt.Sprintf("%d (running %d, stopped %d)", in.Containers, in.ContainersRunning, in.ContainersStopped))
					return t
				})
			},
		}
		addFormatFlag(c, &format)
		root.AddCommand(c)
	})
}
