package lessons

import (
	"fmt"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/fsutil"
)

// Each student gets a slice number, the lowest free one, kept in
// classroom/slices.json under a lock so two students starting labs at the
// same moment get different numbers. A slice picks the student's subnet
// (10.213.<slice>.0/24) and user-ID range, so that no two students'
// addresses or IDs overlap on a shared machine.
const maxSlices = 250

// Slice returns the student's slice number, allocating one if needed.
func (s *Student) Slice() (int, error) {
	if s.example {
		return 0, nil // the docs' example student touches no file
	}
	path := filepath.Join(s.DataRoot, "classroom", "slices.json")
	var n int
	err := withLock(path+".lock", func() error {
		m := map[string]int{}
		if err := readJSON(path, &m); err != nil {
			return err
		}
		if v, ok := m[s.dirName()]; ok {
			n = v
			return nil
		}
		used := map[int]bool{}
		for _, v := range m {
			used[v] = true
		}
		for n = 0; used[n]; n++ {
		}
		if n >= maxSlices {
			return fmt.Errorf("classroom is full: %d students have slices (remove %s to start afresh)", maxSlices, path)
		}
		m[s.dirName()] = n
		return fsutil.WriteJSONAtomic(path, m)
	})
	return n, err
}

// labSubnetBase is the /16 the students' slices are cut from. It avoids
// docker's 172.17.0.0/16 and vitro's default bridge.
const labSubnetBase = "10.213"
