package cgroupdemo

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	good := map[string]int64{
		"64m": 64 << 20, "64M": 64 << 20, "64mb": 64 << 20, "64MiB": 64 << 20,
		"1g": 1 << 30, "512k": 512 << 10, "1.5g": 3 << 29, "4096": 4096, "100b": 100,
	}
	for in, want := range good {
		got, err := ParseBytes(in)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"12xb", "-1", "-64m", "0", "", "m", "64 q"} {
		_, err := ParseBytes(in)
		if err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
			continue
		}
		if !strings.Contains(err.Error(), "64m") || !strings.Contains(err.Error(), in) {
			t.Errorf("ParseBytes(%q) error %q should quote the value and name the accepted forms", in, err)
		}
	}
}

func TestParseCPUs(t *testing.T) {
	good := map[string]int64{"0.5": 5e8, "1": 1e9, "1.5": 15e8, "0.01": 1e7, "2.000000001": 2000000001}
	for in, want := range good {
		got, err := ParseCPUs(in)
		if err != nil || got != want {
			t.Errorf("ParseCPUs(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "abc", "", "1e-12", "NaN", "Inf"} {
		if _, err := ParseCPUs(in); err == nil || !strings.Contains(err.Error(), "0.5") {
			t.Errorf("ParseCPUs(%q) = %v; want an error naming the accepted forms", in, err)
		}
	}
	if FormatCPUs(5e8) != "0.5" || FormatCPUs(2e9) != "2" {
		t.Errorf("FormatCPUs: %s %s", FormatCPUs(5e8), FormatCPUs(2e9))
	}
}

func TestCPUList(t *testing.T) {
	cases := map[string][]int{"0": {0}, "0-2,4": {0, 1, 2, 4}, "3,1,1-2": {1, 2, 3}, " 0 - 1 ": nil}
	for in, want := range cases {
		got, err := ParseCPUList(in)
		if want == nil {
			if err == nil {
				t.Errorf("ParseCPUList(%q) accepted", in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseCPUList(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"a", "2-1", "-1", "1-", "0,,1"} {
		if _, err := ParseCPUList(in); err == nil {
			t.Errorf("ParseCPUList(%q) accepted", in)
		}
	}
	if s := FormatCPUList([]int{0, 1, 2, 4, 6, 7}); s != "0-2,4,6-7" {
		t.Errorf("FormatCPUList = %q", s)
	}
}

func TestCheckCPUSet(t *testing.T) {
	if err := CheckCPUSet("0-1", []int{0, 1}); err != nil {
		t.Error(err)
	}
	err := CheckCPUSet("1,5", []int{0, 1})
	if err == nil || !strings.Contains(err.Error(), "CPU 5 does not exist") || !strings.Contains(err.Error(), "0-1") {
		t.Errorf("cpuset of a missing CPU: %v", err)
	}
}

func TestValidate(t *testing.T) {
	avail := []int{0, 1}
	ok := []Resources{
		{},
		{Memory: 64 << 20},
		{Memory: 64 << 20, MemorySwap: -1},
		{Memory: 64 << 20, MemorySwap: 128 << 20},
		{NanoCPUs: 5e8, CPUShares: 512, PidsLimit: 16, CpusetCpus: "0"},
		{NanoCPUs: 2e9, PidsLimit: -1},
	}
	for _, r := range ok {
		if err := r.Validate(2, avail); err != nil {
			t.Errorf("Validate(%+v): %v", r, err)
		}
	}
	bad := map[string]Resources{
		"minimum memory":  {Memory: 1 << 20},
		"smaller than":    {Memory: 64 << 20, MemorySwap: 32 << 20},
		"needs a memory":  {MemorySwap: 64 << 20},
		"only 2 CPUs":     {NanoCPUs: 3e9},
		"0.01 CPUs":       {NanoCPUs: 1e6},
		"cpu-shares 1":    {CPUShares: 1},
		"pids-limit -2":   {PidsLimit: -2},
		"CPU 7":           {CpusetCpus: "7"},
		"memory -5":       {Memory: -5},
		"cpus -0.5":       {NanoCPUs: -5e8},
		"cpu-period 10":   {NanoCPUs: 1e9, CPUPeriod: 10},
		"swappiness 101":  {MemorySwappiness: ptr(int64(101))},
		"not a CPU numbe": {CpusetCpus: "x"},
	}
	if err := (Resources{CpusetCpus: "0-3"}).Validate(2, nil); err != nil {
		t.Errorf("without a list of available CPUs only the syntax is checked: %v", err)
	}
	for want, r := range bad {
		err := r.Validate(2, avail)
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrInvalidResources) {
			t.Errorf("Validate(%+v) = %v; want an ErrInvalidResources mentioning %q", r, err, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestSharesWeight(t *testing.T) {
	for shares, weight := range map[uint64]uint64{0: 0, 2: 1, 1024: 100, 262144: 10000, 1: 1, 1 << 20: 10000} {
		if got := SharesToWeight(shares); got != weight {
			t.Errorf("SharesToWeight(%d) = %d, want %d", shares, got, weight)
		}
	}
	for weight, shares := range map[uint64]uint64{0: 0, 1: 2, 100: 1024, 10000: 262144} {
		if got := WeightToShares(weight); got != shares {
			t.Errorf("WeightToShares(%d) = %d, want %d", weight, got, shares)
		}
	}
	// Monotonic, and a round trip lands within the rounding of the weight.
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s = s*5/4 + 1 {
		w := SharesToWeight(s)
		if w < prev {
			t.Fatalf("SharesToWeight not monotonic at %d: %d < %d", s, w, prev)
		}
		prev = w
		back := SharesToWeight(WeightToShares(w))
		if back != w {
			t.Errorf("shares %d → weight %d → shares %d → weight %d", s, w, WeightToShares(w), back)
		}
	}
	// Ratios survive the conversion roughly: 1024 vs 512 is 2:1 in shares.
	if r := float64(SharesToWeight(1024)) / float64(SharesToWeight(512)); r < 1.5 || r > 2.5 {
		t.Errorf("weight ratio of 1024:512 shares = %.2f", r)
	}
}
