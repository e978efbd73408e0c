package fsdemo

import (
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// TestTablesShowTheResult checks, for every demo result, that its tables
// carry the result's figures, so that a broken layout fails here.
func TestTablesShowTheResult(t *testing.T) {
	mounts := []nsdemo.MountEntry{{ID: 4242, Mountpoint: "/mnt-m", FSType: "fstype-f", Source: "source-s", Options: "rw,opt-o", Propagation: "shared:77"}}
	mountFigures := []string{"4242", "/mnt-m", "fstype-f", "source-s", "rw,opt-o", "shared:77"}
	for _, c := range []struct {
		name string
		r    interface{ Tables() []table.Table }
		want []string
	}{
		{"chroot-escape", &ChrootEscapeResult{Attempts: []EscapeAttempt{
			{Method: "chroot", Escaped: true, Read: "the-secret"}, {Method: "pivot_root", Read: "ENOENT-x"}}},
			[]string{"chroot", "yes", "the-secret", "pivot_root", "no", "ENOENT-x"}},
		{"pivot-root", &PivotRootResult{Before: mounts, After: []nsdemo.MountEntry{{ID: 999, Mountpoint: "/after-m"}}, Root: []string{"bin", "etc-e"},
			Steps: []PivotStepResult{{N: 3, Name: "pivot_root-n", Shell: "pivot_root . .", Mounts: 41, Changes: []string{"+ 12 /x", "- 13 /y"}}, {N: 4, Name: "quiet"}}},
			append([]string{"(1 mounts, a copy", "pivot_root-n", "pivot_root . .", "41", "+ 12 /x; - 13 /y", "(none visible)", "999", "/after-m", "(1 mounts); / holds: bin etc-e"}, mountFigures...)},
		{"overlay", &OverlayResult{Lowers: []string{"/t/lower-top", "/t/lower-base"}, Upper: "/t/upper-u", Work: "/t/work-w", Merged: "/t/merged-m",
			Steps: []OverlayStep{{Op: "delete g", Shell: "rm merged/g", Output: "read-o", Explain: "a whiteout hides it",
				Merged: []OverlayEntry{{Path: "f", State: "file f1"}}, Upper: []OverlayEntry{{Path: "g", State: "whiteout 0/0"}},
				Lowers: [][]OverlayEntry{{{Path: "g", State: "file g-top"}}, {{Path: "h", State: "file h-base"}}}}},
			Layer: []TarEntry{{Name: ".wh.g", Type: "whiteout", Size: 0, From: "g (0/0)"}, {Name: "f", Type: "file", Size: 12345, From: "f"}}},
			[]string{"/t/lower-top:/t/lower-base", "/t/upper-u", "/t/work-w", "/t/merged-m", "1. delete g", "$ rm merged/g", `read: "read-o"`,
				"a whiteout hides it", "file f1", "whiteout 0/0", "file g-top", "file h-base", "lower-top (lower, top)", "lower-base (lower, base)",
				".wh.g", "whiteout", "g (0/0)", "12345"}},
		{"mounts", &MountsResult{Inside: mounts, Devices: []string{"null", "zero-z"}, Processes: [2]int{3, 287},
			Paths:            []PathCheck{{Path: "/proc/kcore", Rule: "masked", Inside: "empty-i", Host: "readable-h", Why: "why-w"}},
			HostMountsBefore: 31, HostMountsDuring: 32, HostMountsAfter: 33, HostUntouched: false, HostSawDemo: []string{"/seen-s"}, SysWritableInside: "read-only-s"},
			append([]string{"(1 mounts)", "null, zero-z", "3 inside, 287 on the host", "read-only-s", "/proc/kcore", "masked", "empty-i", "readable-h", "why-w",
				"31 mounts before, 32 while", "33 after", "the host saw the demo's mounts: /seen-s"}, mountFigures...)},
		{"volume", &VolumeResult{Inside: mounts, HostSees: "written-inside",
			Volumes: []Volume{{Spec: "/h:/data-ro:ro", Kind: BindVolume, Destination: "/data-ro", ReadOnly: true, Propagation: unix.MS_SHARED | unix.MS_REC}},
			Checks:  []VolumeCheck{{Action: "write /data-ro/x", Result: "EROFS-r", Expected: true}}},
			append([]string{"/h:/data-ro:ro", "bind", "/data-ro", "ro", "MS_SHARED", "write /data-ro/x", "EROFS-r", "yes", "On the host: written-inside"}, mountFigures...)},
		{"storage", &StorageResult{Image: "/img-i", ImageFiles: 401, ImageBytes: 3 << 20,
			Rows: []StorageRow{{Driver: "vfs", Containers: 4, Time: 1500 * time.Millisecond, DiskBytes: 12 << 20, StatfsUsed: 13 << 20, Note: "copies-n"}}},
			[]string{"/img-i", "401 files", "3.0 MiB on disk", "vfs", "4", "1.5s", "12.0 MiB", "13.0 MiB", "3.0 MiB", "copies-n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if miss := table.Missing(c.r.Tables(), c.want...); len(miss) > 0 {
				t.Errorf("tables lack %q:\n%q", miss, table.Strings(c.r.Tables()))
			}
		})
	}
}
