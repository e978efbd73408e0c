package vm

import (
	"context"
	"fmt"
)

// Measure boots s n times and returns each boot's timings and qemu's peak
// memory. With no programs in s.Guest the guest only sets itself up and
// powers off, which is the cost of a VM that does nothing: the baseline
// the comparison puts beside a container's start. The accelerator is
// chosen once, before the first boot, so every boot uses the same one.
func Measure(ctx context.Context, s Spec, n int) ([]Measurement, error) {
	if n < 1 {
		return nil, fmt.Errorf("vm: measure %d boots: need at least 1", n)
	}
	if s.Accel == "" {
		k := s.Kernel
		if k == nil {
			found, err := FindKernel()
			if err != nil {
				return nil, err
			}
			k = &found
		}
		busybox := s.Busybox
		if busybox == "" {
			busybox = "/bin/busybox"
		}
		var why string
		s.Accel, why = ChooseAccel(ctx, *k, busybox)
		s.Kernel = k
		if s.Log != nil {
			fmt.Fprintf(s.Log, "vm: accelerator %s for all %d boots: %s\n", s.Accel, n, why)
		}
	}
	var out []Measurement
	for i := 0; i < n; i++ {
		b, err := s.Run(ctx)
		if err != nil {
			return out, fmt.Errorf("boot %d of %d: %w", i+1, n, err)
		}
		if b.ExitCode != 0 {
			return out, fmt.Errorf("boot %d of %d: the guest exited with status %d", i+1, n, b.ExitCode)
		}
		out = append(out, Measurement{Accel: b.Accel, Userspace: b.Userspace, PowerOff: b.PowerOff, PeakRSS: b.PeakRSS})
	}
	return out, nil
}
