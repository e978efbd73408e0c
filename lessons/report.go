package lessons

import (
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
)

// LabResult is a student's record in one lab. It survives reset, so the
// instructor's report still shows who passed.
type LabResult struct {
	Attempts  int           `json:"attempts"`
	Passed    bool          `json:"passed"`
	PassedAt  time.Time     `json:"passedAt,omitzero"`
	LastCheck time.Time     `json:"lastCheck"`
	Checks    []CheckResult `json:"checks"` // the last check's verdicts
}

func (s *Student) resultsPath() string { return filepath.Join(s.Dir(), "results.json") }

// Results reads the student's lab records.
func (s *Student) Results() (map[string]LabResult, error) {
	m := map[string]LabResult{}
	if err := readJSON(s.resultsPath(), &m); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Student) recordResult(lab string, checks []CheckResult, pass bool) error {
	path := s.resultsPath()
	return withLock(path+".lock", func() error {
		m, err := s.Results()
		if err != nil {
			return err
		}
		r := m[lab]
		r.Attempts++
		r.LastCheck = time.Now().UTC()
		r.Checks = checks
		if pass && !r.Passed {
			r.Passed, r.PassedAt = true, r.LastCheck
		}
		m[lab] = r
		return fsutil.WriteJSONAtomic(path, m)
	})
}

// ReportRow is one student's standing in one lab.
type ReportRow struct {
	Student   string    `json:"student"`
	Lab       string    `json:"lab"`
	Passed    bool      `json:"passed"`
	Attempts  int       `json:"attempts"`
	ChecksOK  int       `json:"checksOK"`
	Checks    int       `json:"checks"`
	Failing   string    `json:"failing,omitempty"` // the first failing check
	LastCheck time.Time `json:"lastCheck"`
	PassedAt  time.Time `json:"passedAt,omitzero"`
}

// Report gathers every student's lab records under dataRoot.
func Report(dataRoot string) ([]ReportRow, error) {
	ents, err := os.ReadDir(filepath.Join(dataRoot, "classroom"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rows []ReportRow
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		name := ent.Name()
		if name == "_default" {
			name = ""
		}
		s := &Student{Name: name, DataRoot: dataRoot}
		res, err := s.Results()
		if err != nil {
			return nil, err
		}
		for lab, r := range res {
			row := ReportRow{Student: s.Display(), Lab: lab, Passed: r.Passed, Attempts: r.Attempts, Checks: len(r.Checks), LastCheck: r.LastCheck, PassedAt: r.PassedAt}
			for _, c := range r.Checks {
				if c.OK {
					row.ChecksOK++
				} else if row.Failing == "" {
					row.Failing = c.Name
				}
			}
			rows = append(rows, row)
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Student != rows[j].Student {
			return rows[i].Student < rows[j].Student
		}
		return rows[i].Lab < rows[j].Lab
	})
	return rows, nil
}
