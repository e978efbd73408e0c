package cgroupdemo

import (
	"errors"
	"strings"
	"testing"
)

func TestDockerFlags(t *testing.T) {
	r, err := DockerFlags{Memory: "64m", MemorySwap: "-1", CPUs: "0.5", CPUShares: 512, CpusetCpus: "0", PidsLimit: 100}.Resources(4, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Resources{Memory: 64 << 20, MemorySwap: -1, NanoCPUs: 500000000, CPUShares: 512, CpusetCpus: "0", PidsLimit: 100}
	if r != want {
		t.Errorf("Resources = %+v, want %+v", r, want)
	}
	r, err = DockerFlags{Memory: "1g", MemorySwap: "2g"}.Resources(1, nil)
	if err != nil || r.MemorySwap != 2<<30 {
		t.Errorf("--memory-swap 2g = %d, %v", r.MemorySwap, err)
	}
	if r, err := (DockerFlags{}).Resources(1, nil); err != nil || r != (Resources{}) {
		t.Errorf("no flags = %+v, %v; want nothing set", r, err)
	}
}

func TestDockerFlagsNameTheFlag(t *testing.T) {
	for flags, want := range map[DockerFlags]string{
		{Memory: "lots"}:                   "--memory: size \"lots\"",
		{Memory: "64m", MemorySwap: "-2g"}: "--memory-swap: size \"-2g\"",
		{CPUs: "half"}:                     "--cpus: cpus \"half\"",
		{CPUShares: -5}:                    "--cpu-shares -5: must be positive",
		{CPUShares: 1}:                     "cpu-shares 1",
		{Memory: "1m"}:                     "memory",
	} {
		_, err := flags.Resources(4, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: error %v, want one containing %q", flags, err, want)
		}
		if flags.CPUShares == 1 && !errors.Is(err, ErrInvalidResources) {
			t.Errorf("%+v: %v is not ErrInvalidResources", flags, err)
		}
	}
}
