package cmd

import (
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine"
)

// Version is set at build time: go build -ldflags "-X github.com/vitro-dev/vitro/cmd.Version=v0.1.0".
var Version = "dev"

// VersionInfo is what `vitro version` reports.
type VersionInfo struct {
	Version   string // vitro's version
	Commit    string // VCS revision the binary was built from
	Modified  bool   // built from a work tree with uncommitted changes
	GoVersion string
	OS        string
	Arch      string
	Kernel    string // uname -r of the running kernel
}

func versionInfo() VersionInfo {
	v := VersionInfo{Version: Version, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, Kernel: engine.KernelRelease(), Commit: "unknown"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	return v
}

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var format string
		c := &cobra.Command{
			Use:   "version",
			Short: "Show vitro's version, commit, Go version and the running kernel",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				v := versionInfo()
				return render(c.OutOrStdout(), format, v, func() *Table {
					t := &Table{Header: []string{"component", "version"}}
					commit := v.Commit
					if v.Modified {
						commit += " (modified)"
					}
					t.Append("vitro", v.Version)
					t.Append("commit", commit)
					t.Append("go", v.GoVersion+" "+v.OS+"/"+v.Arch)
					t.Append("kernel", v.Kernel)
					return t
				})
			},
		}
		addFormatFlag(c, &format)
		root.AddCommand(c)
	})
}
