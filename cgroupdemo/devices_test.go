package cgroupdemo

import (
	"reflect"
	"testing"
)

// runDeviceProgram interprets the few eBPF instructions DeviceProgram
// emits, as the kernel would run them for one request.
func runDeviceProgram(t *testing.T, prog []BPFInsn, typ, access, major, minor uint32) uint32 {
	t.Helper()
	var r [11]uint64
	ctx := [3]uint32{access<<16 | typ, major, minor}
	for pc := 0; pc < len(prog); pc++ {
		i := prog[pc]
		dst, src := i.Regs&0xf, i.Regs>>4
		switch i.Code {
		case opLdxW:
			r[dst] = uint64(ctx[i.Off/4])
		case opAndImm:
			r[dst] = uint64(uint32(r[dst]) & uint32(i.Imm))
		case opRshImm:
			r[dst] = uint64(uint32(r[dst]) >> i.Imm)
		case opMovImm:
			r[dst] = uint64(uint32(i.Imm))
		case opMovReg:
			r[dst] = uint64(uint32(r[src]))
		case opJneImm:
			if r[dst] != uint64(int64(i.Imm)) {
				pc += int(i.Off)
			}
		case opJeqImm:
			if r[dst] == uint64(int64(i.Imm)) {
				pc += int(i.Off)
			}
		case opExit:
			return uint32(r[0])
		default:
			t.Fatalf("unknown instruction %v", i)
		}
	}
	t.Fatal("program ran off its end")
	return 0
}

func TestDeviceProgramDefaults(t *testing.T) {
	prog, err := DeviceProgram(DefaultDevices)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what                      string
		typ, access, major, minor uint32
		want                      uint32
	}{
		{"read /dev/null", devChar, accRead, 1, 3, 1},
		{"write /dev/null", devChar, accWrite, 1, 3, 1},
		{"read+write /dev/pts/4", devChar, accRead | accWrite, 136, 4, 1},
		{"mknod a loop device", devBlock, accMknod, 7, 0, 1},
		{"mknod any char device", devChar, accMknod, 4, 1, 1},
		{"read a loop device", devBlock, accRead, 7, 0, 0},
		{"write a loop device", devBlock, accWrite, 7, 0, 0},
		{"read /dev/mem", devChar, accRead, 1, 1, 0},
		{"read /dev/kmsg", devChar, accRead, 1, 11, 0},
		{"read block 1:3 (not /dev/null)", devBlock, accRead, 1, 3, 0},
	} {
		if got := runDeviceProgram(t, prog, c.typ, c.access, c.major, c.minor); got != c.want {
			t.Errorf("%s: program returned %d, want %d", c.what, got, c.want)
		}
	}
	// A later deny wins over an earlier allow, as on v1.
	rules := append(append([]DeviceRule{}, DefaultDevices...), DeviceRule{Type: 'c', Major: 1, Minor: 3, Access: "w"})
	prog, _ = DeviceProgram(rules)
	if runDeviceProgram(t, prog, devChar, accWrite, 1, 3) != 0 || runDeviceProgram(t, prog, devChar, accRead, 1, 3) != 1 {
		t.Error("deny c 1:3 w after the defaults: want write refused, read allowed")
	}
}

func TestParseDeviceRule(t *testing.T) {
	for s, want := range map[string]DeviceRule{
		"a":          {Allow: true, Type: 'a', Major: Wildcard, Minor: Wildcard, Access: "rwm"},
		"c 1:3 rwm":  {Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rwm"},
		"b *:* m":    {Allow: true, Type: 'b', Major: Wildcard, Minor: Wildcard, Access: "m"},
		"c 136:* rw": {Allow: true, Type: 'c', Major: 136, Minor: Wildcard, Access: "rw"},
	} {
		got, err := ParseDeviceRule(true, s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseDeviceRule(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if s != "a" && got.String() != s {
			t.Errorf("String() = %q, want %q", got.String(), s)
		}
	}
	for _, s := range []string{"", "x 1:3 r", "c 1 r", "c a:3 r", "c 1:3 rx", "c 1:3"} {
		if _, err := ParseDeviceRule(true, s); err == nil {
			t.Errorf("ParseDeviceRule(%q) accepted", s)
		}
	}
	ws := planV1Devices(DefaultDevices)
	if ws[0].File != "devices.deny" || ws[0].Value != "a" || ws[3].File != "devices.allow" || ws[3].Value != "c 1:3 rwm" {
		t.Errorf("v1 plan starts %+v", ws[:4])
	}
}
