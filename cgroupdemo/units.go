package cgroupdemo

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
)

// Accepted forms, named in every error so that a bad value says what would
// have been right.
const (
	sizeForms   = "a positive number with an optional unit b, k, m, g or t (binary: 1k = 1024), such as 64m, 512M or 1g"
	cpusForms   = "a positive number of CPUs such as 0.5, 1 or 1.5"
	cpuSetForms = "a list of CPU numbers and ranges such as 0, 0-2 or 0,2-3"
)

// ParseBytes parses a size the way `docker run -m` does (go-units'
// RAMInBytes: binary units, case-insensitive, optional "b" or "ib"
// suffix): "64m" is 67108864. Zero and negative sizes are rejected.
func ParseBytes(s string) (int64, error) {
	n, err := units.RAMInBytes(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want %s", s, sizeForms)
	}
	return n, nil
}

// FormatBytes prints a size in binary units: 67108864 is "64MiB".
func FormatBytes(n int64) string {
	if n < 0 {
		return "max"
	}
	return units.BytesSize(float64(n))
}

// ParseCPUs parses `docker run --cpus`: a decimal number of CPUs, returned
// in billionths of a CPU ("nano CPUs", docker's NanoCPUs), exactly, without
// floating-point rounding: "0.5" is 500000000.
func ParseCPUs(s string) (int64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok || r.Sign() <= 0 {
		return 0, fmt.Errorf("cpus %q: want %s", s, cpusForms)
	}
	nano := r.Mul(r, big.NewRat(1e9, 1))
	if !nano.IsInt() || !nano.Num().IsInt64() {
		return 0, fmt.Errorf("cpus %q: too precise or too large: want %s, at most 9 decimal places", s, cpusForms)
	}
	return nano.Num().Int64(), nil
}

// FormatCPUs prints nano CPUs as docker prints --cpus: 500000000 is "0.5".
func FormatCPUs(nano int64) string {
	return strconv.FormatFloat(float64(nano)/1e9, 'f', -1, 64)
}

// ParseCPUList parses the kernel's CPU list format, which cpuset.cpus,
// /sys/devices/system/cpu/online and `docker run --cpuset-cpus` use:
// "0-2,4" is 0, 1, 2 and 4. The result is sorted and has no duplicates.
// An empty string is an empty list.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("cpuset %q: %q is not a CPU number: want %s", s, part, cpuSetForms)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("cpuset %q: %q is not a range low-high: want %s", s, part, cpuSetForms)
			}
		}
		if b-a > 1<<16 {
			return nil, fmt.Errorf("cpuset %q: range %q is too large", s, part)
		}
		for i := a; i <= b; i++ {
			seen[i] = true
		}
	}
	out := make([]int, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Ints(out)
	return out, nil
}

// FormatCPUList prints CPUs in the kernel's list format, folding runs
// into ranges: [0 1 2 4] is "0-2,4".
func FormatCPUList(cpus []int) string {
	var b strings.Builder
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if i == j {
			fmt.Fprintf(&b, "%d", cpus[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", cpus[i], cpus[j])
		}
		i = j + 1
	}
	return b.String()
}

// CheckCPUSet reports an error naming the first CPU of want that is not in
// available (the CPUs the parent cgroup may use), and what is available.
func CheckCPUSet(want string, available []int) error {
	cpus, err := ParseCPUList(want)
	if err != nil {
		return err
	}
	if len(cpus) == 0 {
		return fmt.Errorf("cpuset %q: empty: want %s", want, cpuSetForms)
	}
	have := map[int]bool{}
	for _, c := range available {
		have[c] = true
	}
	for _, c := range cpus {
		if !have[c] {
			return fmt.Errorf("cpuset %q: CPU %d does not exist here: the CPUs available are %s", want, c, FormatCPUList(available))
		}
	}
	return nil
}
