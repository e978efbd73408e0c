package lessons

import (
	"context"
	"os"

	"github.com/vitro-dev/vitro/engine/compare"
	"github.com/vitro-dev/vitro/internal/config"
	tbl "github.com/vitro-dev/vitro/internal/table"
)

// The live step of the "containers vs virtual machines" lesson: vitro
// compare --quick, in a data root of its own that it removes afterwards.

func init() {
	register(Demo{Name: "compare.quick", Summary: "a host process, a vitro container and a VM run the same busybox workload; one table of the figures",
		Command: "vitro compare --quick", Run: runCompareQuick,
		Shell: "time busybox sh -c 'echo hi'                                  # a process\ntime vitro run --rm --network none busybox sh -c 'echo hi'   # a container\ntime qemu-system-x86_64 -nographic -kernel /boot/vmlinuz-* -initrd initramfs.cpio -append console=ttyS0   # a VM"})
}

// compareResult is compare's report as a lesson step.
type compareResult struct{ *compare.Report }

func (r compareResult) Tables() []tbl.Table { return r.Report.Tables() }

func runCompareQuick(ctx context.Context, o Options) (Result, error) {
	runs, err := o.Int("runs", 2)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vitro-compare-lesson-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataRoot = dir
	rep, err := compare.Run(ctx, compare.Options{Config: cfg, Quick: true, Runs: runs, Budget: 512 << 20})
	if err != nil {
		return nil, err
	}
	m := measure("compare.quick", compareResult{rep})
	row := func(id string) compare.Row {
		for _, r := range rep.Rows {
			if r.ID == id {
				return r
			}
		}
		return compare.Row{}
	}
	cell := func(id, who string) compare.Cell {
		for _, c := range row(id).Cells {
			if c.Contender == who {
				return c
			}
		}
		return compare.Cell{}
	}
	med := func(id, who string) float64 {
		if s := cell(id, who).Stat; s != nil {
			return s.Median
		}
		return 0
	}
	hostK, ctK := cell("kernel", "host").Text, cell("kernel", "vitro").Text
	m.fact(hostK != "" && hostK == ctK, "the container runs on the host's kernel", "host %s, container %s", hostK, ctK)
	m.fact(med("isolation", "vitro") > 0 && med("isolation", "vitro") < med("isolation", "host"),
		"the container sees only its own processes", "host %.0f PIDs, container %.0f", med("isolation", "host"), med("isolation", "vitro"))
	m.fact(med("cpu", "vitro") > 0, "the container's CPU-bound loop was timed against the host's", "%s", cell("cpu", "vitro").Text)
	vm := cell("start", "vm")
	if vm.Stat == nil {
		m.fact(vm.Missing != "", "the VM column says why it has no figures", "%s", vm.Missing)
		return m, nil
	}
	m.fact(vm.Stat.Median > med("start", "vitro"), "the VM took longer than the container to print its first line",
		"VM %s, container %s", vm.Text, cell("start", "vitro").Text)
	vmK := cell("kernel", "vm").Text
	m.fact(vmK != "" && vmK != hostK, "the VM runs a kernel of its own", "VM %s, host %s", vmK, hostK)
	return m, nil
}
