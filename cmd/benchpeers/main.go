package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/netdemo"
)

type contender struct {
	name string
	argv []string
}

func main() {
	n := flag.Int("n", 30, "measured runs of each contender")
	warm := flag.Int("warmup", 3, "unmeasured runs first")
	vitro := flag.String("vitro", "bin/vitro", "the vitro binary to measure")
	flag.Parse()
	if err := run(*vitro, *n, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run(vitroBin string, n, warm int) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root: containers are made for real")
	}
	vitroBin, err := filepath.Abs(vitroBin)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "vitro-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dataRoot := filepath.Join(work, "data")
	store, err := image.Open(dataRoot)
	if err != nil {
		return err
	}
	bb, ok := engine.BusyboxPath()
	if !ok {
		return fmt.Errorf("no static busybox: apt-get install busybox-static")
	}
	im, err := store.Bootstrap(context.Background(), bb, "docker.io/library/busybox:latest")
	if err != nil {
		return err
	}
	bundle := filepath.Join(work, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := copyTree(im.LayerDirs()[0], rootfs); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(ociConfig), 0o644); err != nil {
		return err
	}
	cfg := filepath.Join(work, "config.json")
	bridge := fmt.Sprintf("vbench%d", os.Getpid()%1000)
	os.WriteFile(cfg, []byte(fmt.Sprintf(`{"bridge":%q,"bip":"10.214.%d.1/24"}`, bridge, os.Getpid()%250)), 0o644)
	defer func() {
		netdemo.DeleteNAT(netdemo.BridgeTable(bridge))
		netdemo.RemoveBridge(bridge)
	}()

	vitroArgs := []string{vitroBin, "--config", cfg, "--data-root", dataRoot, "run", "--rm"}
	cs := []contender{
		{"unshare+chroot (floor)", []string{"unshare", "--pid", "--mount", "--uts", "--ipc", "--net", "--fork", "chroot", rootfs, "/bin/true"}},
		{"crun run", []string{"crun", "run", "--bundle", bundle, "bench-crun"}},
		{"runc run", []string{"runc", "run", "--bundle", bundle, "bench-runc"}},
		{"vitro run --network none", append(append([]string{}, vitroArgs...), "--network", "none", "busybox", "/bin/true")},
		{"vitro --trace run --network none", append([]string{vitroArgs[0], "--trace", "--trace-file", "/dev/null"}, append(vitroArgs[1:], "--network", "none", "busybox", "/bin/true")...)},
		{"vitro run (bridge network)", append(append([]string{}, vitroArgs...), "busybox", "/bin/true")},
	}
	mode, _ := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	fmt.Printf("%d runs each after %d warm-up runs; cgroup mode %s; every contender in a private mount namespace", n, warm, mode)
	if mode == cgroupdemo.Hybrid {
		fmt.Print(" with /sys/fs/cgroup/unified unmounted")
	}
	fmt.Println()
	medians := map[string]time.Duration{}
	fmt.Printf("%-36s %10s %10s %10s %10s\n", "contender", "median", "mean", "min", "max")
	for _, c := range cs {
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			fmt.Printf("%-36s skipped: %s not installed (make setup)\n", c.name, c.argv[0])
			continue
		}
		ds, err := measure(c.argv, mode, n, warm)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		med, mean := stats(ds)
		medians[c.name] = med
		fmt.Printf("%-36s %10s %10s %10s %10s\n", c.name, ms(med), ms(mean), ms(ds[0]), ms(ds[len(ds)-1]))
	}
	v := medians["vitro run --network none"]
	for _, peer := range []string{"crun run", "runc run", "unshare+chroot (floor)"} {
		if p, ok := medians[peer]; ok && p > 0 {
			fmt.Printf("vitro/%s: %.2f\n", strings.Fields(peer)[0], float64(v)/float64(p))
		}
	}
	if t, ok := medians["vitro --trace run --network none"]; ok && v > 0 {
		fmt.Printf("tracing on vs off: %+.1f%%\n", 100*(float64(t)/float64(v)-1))
	}
	return nil
}

// measure runs argv n times (after warm unmeasured runs) and returns the
// sorted wall-clock durations.
func measure(argv []string, mode cgroupdemo.Mode, n, warm int) ([]time.Duration, error) {
	script := `exec "$@"`
	if mode == cgroupdemo.Hybrid {
		script = `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"`
	}
	var ds []time.Duration
	for i := 0; i < warm+n; i++ {
		cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh"}, argv...)...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
		}
		if i >= warm {
			ds = append(ds, time.Since(start))
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds, nil
}

func stats(ds []time.Duration) (median, mean time.Duration) {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return ds[len(ds)/2], sum / time.Duration(len(ds))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/1e6) }

// copyTree copies a layer directory to make the OCI bundle's rootfs.
func copyTree(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", src+"/.", dst+"/").CombinedOutput(); err != nil {
		return fmt.Errorf("cp -a %s %s: %v: %s", src, dst, err, out)
	}
	return nil
}
