package fsdemo

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/nsdemo"
)

// The layout of each demo's result for people, as vitro fs and the
// lessons print it.

// Tables lays the escape demo out: each attempt, and what it could read.
func (r *ChrootEscapeResult) Tables() []table.Table {
	t := table.Table{Header: []string{"method", "escaped?", "what it could read"}}
	for _, a := range r.Attempts {
		t.Append(a.Method, table.YesNo(a.Escaped), a.Read)
	}
	return []table.Table{t}
}

// Tables lays the pivot_root demo out: the child's mount table before,
// each step with what it changed, and the table after.
func (r *PivotRootResult) Tables() []table.Table {
	steps := table.Table{Header: []string{"step", "what", "shell", "mounts", "changes"}}
	for _, s := range r.Steps {
		ch := strings.Join(s.Changes, "; ")
		if ch == "" {
			ch = "(none visible)"
		}
		steps.Append(fmt.Sprint(s.N), s.Name, s.Shell, fmt.Sprint(s.Mounts), ch)
	}
	return []table.Table{
		mountTable(fmt.Sprintf("Mount table of the child before (%d mounts, a copy of the host's):", len(r.Before)), r.Before),
		steps,
		mountTable(fmt.Sprintf("Mount table of the child after (%d mounts); / holds: %s", len(r.After), strings.Join(r.Root, " ")), r.After),
	}
}

// mountTable lays out mount table entries under a title.
func mountTable(title string, ms []nsdemo.MountEntry) table.Table {
	t := table.Table{Title: title, Header: []string{"id", "mountpoint", "fstype", "source", "options", "propagation"}}
	for _, m := range ms {
		t.Append(fmt.Sprint(m.ID), m.Mountpoint, m.FSType, m.Source, m.Options, m.Propagation)
	}
	return t
}

// Tables lays the overlay demo out: the mount's directories, each
// operation with what every layer then holds, and the layer's tar entries.
func (r *OverlayResult) Tables() []table.Table {
	ts := []table.Table{table.Text("lowerdir (top first): %s\nupperdir: %s\nworkdir:  %s\nmerged:   %s",
		strings.Join(r.Lowers, ":"), r.Upper, r.Work, r.Merged)}
	for i, s := range r.Steps {
		text := fmt.Sprintf("%d. %s\n   $ %s\n", i+1, s.Op, s.Shell)
		if s.Output != "" {
			text += fmt.Sprintf("   read: %q\n", s.Output)
		}
		ts = append(ts, table.Text("%s   %s", text, s.Explain), r.stepTable(s))
	}
	layer := table.Table{Title: "The layer tarball the upper dir would become (how images record changes):",
		Header: []string{"tar entry", "type", "size", "from upper"}}
	for _, e := range r.Layer {
		layer.Append(e.Name, e.Type, fmt.Sprint(e.Size), e.From)
	}
	return append(ts, layer)
}

// stepTable sets the layers side by side after one step: one row per
// path, one column per layer, top to bottom.
func (r *OverlayResult) stepTable(s OverlayStep) table.Table {
	cols := [][]OverlayEntry{s.Merged, s.Upper}
	header := []string{"path", "merged", "upper"}
	for i, l := range s.Lowers {
		cols = append(cols, l)
		where := "lower"
		switch {
		case i == 0:
			where = "lower, top"
		case i == len(s.Lowers)-1:
			where = "lower, base"
		}
		header = append(header, fmt.Sprintf("%s (%s)", filepath.Base(r.Lowers[i]), where))
	}
	var paths []string
	seen := map[string]bool{}
	for _, col := range cols {
		for _, e := range col {
			if !seen[e.Path] {
				seen[e.Path] = true
				paths = append(paths, e.Path)
			}
		}
	}
	sort.Strings(paths)
	t := table.Table{Header: header}
	for _, p := range paths {
		row := []string{p}
		for _, col := range cols {
			cell := "-"
			for _, e := range col {
				if e.Path == p {
					cell = e.State
				}
			}
			row = append(row, cell)
		}
		t.Append(row...)
	}
	return t
}

// Tables lays the mounts demo out: the container's mount table, its /dev,
// /proc and /sys, each masked or read-only path inside and on the host,
// and the host's mount table counted before, during and after.
func (r *MountsResult) Tables() []table.Table {
	paths := table.Table{Header: []string{"path", "rule", "inside", "host", "why"}}
	for _, p := range r.Paths {
		paths.Append(p.Path, p.Rule, p.Inside, p.Host, p.Why)
	}
	verdict := "none of the demo's mounts appeared there"
	if !r.HostUntouched {
		verdict = "the host saw the demo's mounts: " + strings.Join(r.HostSawDemo, " ")
	}
	return []table.Table{
		mountTable(fmt.Sprintf("Inside the container (%d mounts):", len(r.Inside)), r.Inside),
		table.Text("/dev inside: %s\nprocesses in /proc: %d inside, %d on the host\n/sys inside: %s",
			strings.Join(r.Devices, ", "), r.Processes[0], r.Processes[1], r.SysWritableInside),
		paths,
		table.Text("host mount table: %d mounts before, %d while the container's were up, %d after; %s",
			r.HostMountsBefore, r.HostMountsDuring, r.HostMountsAfter, verdict),
	}
}

// Tables lays the volume demo out: the -v specs, the mounts they made
// inside, what writing through each did, and what the host reads.
func (r *VolumeResult) Tables() []table.Table {
	vols := table.Table{Header: []string{"-v", "kind", "destination", "mode", "propagation"}}
	for _, v := range r.Volumes {
		mode := "rw"
		if v.ReadOnly {
			mode = "ro"
		}
		vols.Append(v.Spec, string(v.Kind), v.Destination, mode, v.Propagation.String())
	}
	checks := table.Table{Header: []string{"action", "result", "as a volume should?"}}
	for _, ch := range r.Checks {
		checks.Append(ch.Action, ch.Result, table.YesNo(ch.Expected))
	}
	return []table.Table{vols,
		mountTable("Inside the container, after pivot_root:", r.Inside),
		checks,
		table.Text("On the host: %s", r.HostSees),
	}
}

// Tables lays the storage demo out: the image, then per driver the time
// and the disk its root filesystems took.
func (r *StorageResult) Tables() []table.Table {
	t := table.Table{Header: []string{"driver", "containers", "time", "disk (du)", "disk (statfs delta)", "per container", "note"}}
	for _, row := range r.Rows {
		per := int64(0)
		if row.Containers > 0 {
			per = row.DiskBytes / int64(row.Containers)
		}
		t.Append(row.Driver, fmt.Sprint(row.Containers), row.Time.Round(10000).String(), humanBytes(row.DiskBytes),
			humanBytes(row.StatfsUsed), humanBytes(per), row.Note)
	}
	return []table.Table{table.Text("image: %s (%d files, %s on disk)", r.Image, r.ImageFiles, humanBytes(r.ImageBytes)), t}
}

// humanBytes shows a size in B, KiB, MiB or GiB, one decimal.
func humanBytes(b int64) string {
	neg := ""
	if b < 0 {
		neg, b = "-", -b
	}
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%s%.1f GiB", neg, float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%s%.1f MiB", neg, float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%s%.1f KiB", neg, float64(b)/(1<<10))
	}
	return fmt.Sprintf("%s%d B", neg, b)
}
