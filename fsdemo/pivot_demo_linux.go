package fsdemo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/nsdemo"
)

// PivotStepResult is one step of the pivot-root demo with the change it
// made to the mount table, as read from /proc/PID/mountinfo by the parent.
type PivotStepResult struct {
	N       int      `json:"n"`
	Name    string   `json:"name"`
	Shell   string   `json:"shell"`
	Why     string   `json:"why"`
	Mounts  int      `json:"mounts"`  // entries in the child's table after the step
	Changes []string `json:"changes"` // "+ id mountpoint", "- id ...", "~ id ..."
}

// PivotRootResult is what `vitro fs pivot-root` shows.
type PivotRootResult struct {
	Rootfs string              `json:"rootfs"`
	Before []nsdemo.MountEntry `json:"before"`
	Steps  []PivotStepResult   `json:"steps"`
	After  []nsdemo.MountEntry `json:"after"`
	Root   []string            `json:"root"` // what / holds for the child at the end
}

const pivotEntry = "fsdemo-pivot"

func init() { registerChild(pivotEntry, pivotChild) }

// PivotRootDemo runs PivotRoot's steps one at a time in a child with its
// own mount namespace; after each, the parent reads the child's mount
// table from /proc/PID/mountinfo. rootfs "" builds a busybox rootfs.
func PivotRootDemo(ctx context.Context, rootfs string) (*PivotRootResult, error) {
	if rootfs == "" {
		dir, cleanup, err := demoDir("pivot")
		if err != nil {
			return nil, err
		}
		defer cleanup()
		rootfs = filepath.Join(dir, "rootfs")
		if err := BuildRootfs(rootfs); err != nil {
			return nil, err
		}
	} else if err := CheckRootfs(rootfs); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(rootfs)
	if err != nil {
		return nil, err
	}
	res := &PivotRootResult{Rootfs: abs}
	steps := PivotRootSteps(abs)
	var prev []nsdemo.MountEntry
	onStep := func(pid, n int) error {
		table, err := nsdemo.MountTable(pid)
		if err != nil {
			return err
		}
		if n == 0 {
			res.Before = table
		} else {
			s := steps[n-1]
			res.Steps = append(res.Steps, PivotStepResult{N: n, Name: s.Name, Shell: s.Shell, Why: s.Why,
				Mounts: len(table), Changes: diffTables(prev, table)})
		}
		prev, res.After = table, table
		return nil
	}
	if err := runChild(ctx, pivotEntry, 0, abs, &res.Root, onStep); err != nil {
		return nil, err
	}
	return res, nil
}

func pivotChild(p *reexec.Pipe, in json.RawMessage) (any, error) {
	var rootfs string
	if err := decode(in, &rootfs); err != nil {
		return nil, err
	}
	if err := waitStep(p, 0); err != nil {
		return nil, err
	}
	for i, s := range PivotRootSteps(rootfs) {
		if err := s.Do(); err != nil {
			return nil, fmt.Errorf("pivot_root into %s: %s: %w", rootfs, s.Name, err)
		}
		if err := waitStep(p, i+1); err != nil {
			return nil, err
		}
	}
	entries, err := os.ReadDir("/")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// diffTables lists what changed between two mount tables, by mount ID.
func diffTables(old, cur []nsdemo.MountEntry) []string {
	byID := map[int]nsdemo.MountEntry{}
	for _, m := range old {
		byID[m.ID] = m
	}
	var out []string
	seen := map[int]bool{}
	for _, m := range cur {
		seen[m.ID] = true
		o, ok := byID[m.ID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("+ %d %s (%s %s, %s)", m.ID, m.Mountpoint, m.FSType, m.Root, m.Propagation))
		case o.Mountpoint != m.Mountpoint:
			out = append(out, fmt.Sprintf("~ %d moved: %s -> %s", m.ID, o.Mountpoint, m.Mountpoint))
		case o.Propagation != m.Propagation:
			out = append(out, fmt.Sprintf("~ %d %s: %s -> %s", m.ID, m.Mountpoint, o.Propagation, m.Propagation))
		}
	}
	var gone []nsdemo.MountEntry
	for _, m := range old {
		if !seen[m.ID] {
			gone = append(gone, m)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].ID < gone[j].ID })
	if len(gone) > 3 {
		out = append(out, fmt.Sprintf("- %d mounts (the old root and everything under it): %s %s ...", len(gone), gone[0].Mountpoint, gone[1].Mountpoint))
	} else {
		for _, m := range gone {
			out = append(out, fmt.Sprintf("- %d %s (%s)", m.ID, m.Mountpoint, m.FSType))
		}
	}
	return out
}
