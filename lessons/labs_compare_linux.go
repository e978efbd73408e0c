package lessons

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/engine/compare"
	"github.com/vitro-dev/vitro/internal/config"
)

// The lab of the comparison lesson: the student measures their own
// machine and reads a ratio off their own file. The checks read that
// file, and compare it with the running kernel, never with printed text.

const compareRuns = 3

func init() {
	registerLab(&Lab{
		ID: "compare-measure", Title: "Measure your own machine, and read a ratio off it", Lesson: "compare",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"File": filepath.Join(e.Dir, "compare.json"), "Answer": filepath.Join(e.Dir, "answer.txt")}, nil
		},
		Task: `1. Measure this machine with at least three runs of each contender, and keep the
   figures as JSON: ` + "`vitro compare --quick --runs 3 --format json > {{.File}}`" + `
2. In your file, find the **start to first line** row. Write into ` + "`{{.Answer}}`" + `
   how many times the VM's median was the container's (one number, such as ` + "`41.5`" + `).
   If your file has no VM figures (no qemu here), write the container's median
   divided by the host process's instead.`,
		Solution: `vitro compare --quick --runs 3 --format json > {{.File}}
# VM median / container median of the "start" row:
jq '.rows[] | select(.id=="start") | .cells | map({(.contender): .stat.median}) | add | .vm / .vitro' {{.File}} > {{.Answer}}`,
		Checks: []Check{
			{Name: "your measurement file is vitro compare's JSON",
				Hint: "vitro compare --quick --runs 3 --format json > {{.File}} (the table format is for people, the check reads JSON)",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					r, err := readCompare(e)
					if err != nil {
						return err.Error(), false, nil
					}
					return fmt.Sprintf("%d rows, %d contenders, %d runs each", len(r.Rows), len(r.Contenders), r.Runs), len(r.Rows) > 0, nil
				}},
			{Name: "it was measured on this machine, after the lab started, with at least 3 runs",
				Hint: "measure again here: vitro compare --quick --runs 3 --format json > {{.File}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					r, err := readCompare(e)
					if err != nil {
						return err.Error(), false, nil
					}
					var u unix.Utsname
					unix.Uname(&u)
					kernel := unix.ByteSliceToString(u.Release[:])
					obs := fmt.Sprintf("taken %s on kernel %s, %d runs (this machine: %s, lab started %s)",
						r.Taken.Format("15:04:05"), r.Host.Kernel, r.Runs, kernel, e.State.Started.Format("15:04:05"))
					return obs, r.Host.Kernel == kernel && !r.Taken.Before(e.State.Started) && r.Runs >= compareRuns, nil
				}},
			{Name: "its container shared the host's kernel, and the VM column is measured or says why not",
				Hint: "the file must come from a real run of vitro compare: measure again",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					r, err := readCompare(e)
					if err != nil {
						return err.Error(), false, nil
					}
					host, ct, vm := cellOf(r, "kernel", "host"), cellOf(r, "kernel", "vitro"), cellOf(r, "kernel", "vm")
					vmOK := vm.Text != "" && vm.Text != "—" || vm.Missing != ""
					return fmt.Sprintf("host %s, container %s, VM %s", host.Text, ct.Text, textOr(vm.Text, vm.Missing)),
						host.Text != "" && host.Text == ct.Text && vmOK, nil
				}},
			{Name: "your answer is the start-up ratio of your own figures",
				Hint: "in the row with id \"start\": the vm cell's stat.median divided by the vitro cell's (or vitro's by host's without a VM), written as one number into {{.Answer}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					r, err := readCompare(e)
					if err != nil {
						return err.Error(), false, nil
					}
					want, what := startRatio(r)
					b, err := os.ReadFile(e.Vars["Answer"])
					if err != nil {
						return fmt.Sprintf("no answer yet (%s)", e.Vars["Answer"]), false, nil
					}
					got, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
					if err != nil {
						return fmt.Sprintf("%q is not a number", strings.TrimSpace(string(b))), false, nil
					}
					ok := want > 0 && math.Abs(got-want) <= 0.05*want
					return fmt.Sprintf("you wrote %.3g; %s in your file is %.3g", got, what, want), ok, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			cfg := config.Default()
			cfg.DataRoot = e.Student.DataRoot
			r, err := compare.Run(ctx, compare.Options{Config: cfg, Quick: true, Runs: compareRuns, Budget: 512 << 20})
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(e.Vars["File"], b, 0o644); err != nil {
				return err
			}
			ratio, _ := startRatio(r)
			return os.WriteFile(e.Vars["Answer"], []byte(fmt.Sprintf("%.4g\n", ratio)), 0o644)
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) { return nil, nil },
	})
}

func readCompare(e *LabEnv) (*compare.Report, error) {
	b, err := os.ReadFile(e.Vars["File"])
	if err != nil {
		return nil, fmt.Errorf("no file %s yet", e.Vars["File"])
	}
	var r compare.Report
	if err := json.Unmarshal(b, &r); err != nil || len(r.Rows) == 0 {
		return nil, fmt.Errorf("%s is not vitro compare's JSON (%v): use --format json", e.Vars["File"], err)
	}
	return &r, nil
}

func cellOf(r *compare.Report, row, who string) compare.Cell {
	for _, rw := range r.Rows {
		if rw.ID == row {
			for _, c := range rw.Cells {
				if c.Contender == who {
					return c
				}
			}
		}
	}
	return compare.Cell{}
}

// startRatio is what the answer must be: the VM's start over the
// container's, or the container's over the host's without a VM.
func startRatio(r *compare.Report) (float64, string) {
	med := func(who string) float64 {
		if s := cellOf(r, "start", who).Stat; s != nil {
			return s.Median
		}
		return 0
	}
	if vm, ct := med("vm"), med("vitro"); vm > 0 && ct > 0 {
		return vm / ct, "the VM's start over the container's"
	}
	if ct, h := med("vitro"), med("host"); ct > 0 && h > 0 {
		return ct / h, "the container's start over the host process's"
	}
	return 0, "no start figures"
}

func textOr(a, b string) string {
	if a != "" && a != "—" {
		return a
	}
	return b
}
