package seccomp

import (
	"encoding/binary"
	"strings"
	"testing"
)

// run interprets the compiled program for one system call, as the
// kernel does: classic BPF over struct seccomp_data.
func run(t *testing.T, f *Filter, name string, args ...uint64) Action {
	t.Helper()
	nr, ok := syscallNumber(name)
	if !ok {
		t.Fatalf("no syscall %s on this architecture", name)
	}
	data := make([]byte, 64)
	binary.NativeEndian.PutUint32(data[0:], uint32(nr))
	binary.NativeEndian.PutUint32(data[4:], auditArch)
	for i, a := range args {
		binary.NativeEndian.PutUint64(data[16+8*i:], a)
	}
	var acc uint32
	for pc := 0; pc < len(f.Program); pc++ {
		in := f.Program[pc]
		switch in.Code {
		case 0x20: // BPF_LD|BPF_W|BPF_ABS
			acc = binary.NativeEndian.Uint32(data[in.K:])
		case 0x54: // BPF_ALU|BPF_AND|BPF_K
			acc &= in.K
		case 0x15, 0x25, 0x35, 0x45: // JEQ, JGT, JGE, JSET with K
			var c bool
			switch in.Code {
			case 0x15:
				c = acc == in.K
			case 0x25:
				c = acc > in.K
			case 0x35:
				c = acc >= in.K
			case 0x45:
				c = acc&in.K != 0
			}
			if c {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case 0x06: // BPF_RET|BPF_K
			return Action(in.K)
		default:
			t.Fatalf("instruction %d: opcode %#x not interpreted", pc, in.Code)
		}
	}
	t.Fatal("program ran off its end")
	return 0
}

var dockerCaps = []string{"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
	"SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}

const (
	allow = ActAllow
	eperm = ActErrno | 1
	enosy = ActErrno | 38
)

func TestDefaultProfile(t *testing.T) {
	f, err := Compile(Default(), Options{Caps: dockerCaps, Kernel: "6.1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Allowed < 280 || f.Default != "errno EPERM" {
		t.Errorf("allowed %d, default %q: want docker's ~350 and errno EPERM", f.Allowed, f.Default)
	}
	const (
		cloneNewUser = 0x10000000
		sigchld      = 17
		afInet       = 2
		afVsock      = 40
	)
	for _, c := range []struct {
		name string
		args []uint64
		want Action
	}{
		{"read", nil, allow},
		{"execve", nil, allow},
		{"chroot", nil, allow}, // SYS_CHROOT is in the set
		{"keyctl", nil, eperm},
		{"add_key", nil, eperm},
		{"request_key", nil, eperm},
		{"bpf", nil, eperm},
		{"perf_event_open", nil, eperm},
		{"kexec_load", nil, eperm},
		{"userfaultfd", nil, eperm},
		{"mount", nil, eperm},
		{"unshare", []uint64{cloneNewUser}, eperm},
		{"setns", nil, eperm},
		{"ptrace", nil, allow}, // allowed from 4.8 on
		{"clone", []uint64{sigchld}, allow},
		{"clone", []uint64{cloneNewUser | sigchld}, eperm},
		{"clone3", nil, enosy},
		{"socket", []uint64{afInet}, allow},
		{"socket", []uint64{afVsock}, eperm},
		{"personality", []uint64{0}, allow},
		{"personality", []uint64{0xffffffff}, allow},
		{"personality", []uint64{0x0040000}, eperm}, // ADDR_NO_RANDOMIZE
	} {
		if got := run(t, f, c.name, c.args...); got != c.want {
			t.Errorf("%s%v: %s, want %s", c.name, c.args, actionName(got), actionName(c.want))
		}
	}

	old, _ := Compile(Default(), Options{Caps: dockerCaps, Kernel: "4.4.0"})
	if got := run(t, old, "ptrace"); got != eperm {
		t.Errorf("ptrace on 4.4: %s, want errno EPERM (seccomp could be bypassed with ptrace before 4.8)", actionName(got))
	}
	admin, _ := Compile(Default(), Options{Caps: append(dockerCaps, "CAP_SYS_ADMIN")})
	for _, n := range []string{"mount", "unshare", "setns", "clone3"} {
		if got := run(t, admin, n); got != allow {
			t.Errorf("%s with CAP_SYS_ADMIN: %s, want allow", n, actionName(got))
		}
	}
	if got := run(t, admin, "clone", 0x10000000|17); got != allow {
		t.Errorf("clone(CLONE_NEWUSER) with CAP_SYS_ADMIN: %s, want allow", actionName(got))
	}
}

func TestCustomProfile(t *testing.T) {
	p, err := Parse([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
		{"names":["chmod"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":511,"op":"SCMP_CMP_EQ"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Compile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, f, "mkdirat"); got != ActErrno|13 {
		t.Errorf("mkdirat: %s, want errno EACCES", actionName(got))
	}
	if got := run(t, f, "chmod", 0, 0o777); got != eperm {
		t.Errorf("chmod 0777: %s, want errno EPERM", actionName(got))
	}
	if got := run(t, f, "chmod", 0, 0o755); got != allow {
		t.Errorf("chmod 0755: %s, want allow", actionName(got))
	}
	for _, bad := range []string{
		`{"defaultAction":"SCMP_ACT_NOPE","syscalls":[]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","sycalls":[]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_LIKE"}]}]}`,
		`not json`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse accepted %s", bad)
		} else if !strings.Contains(err.Error(), " ") {
			t.Errorf("error %q says little", err)
		}
	}
}

// TestArgumentComparisons checks every operator on 64-bit values whose
// halves differ, against Go's own comparison.
func TestArgumentComparisons(t *testing.T) {
	vals := []uint64{0, 1, 40, 0xffffffff, 1 << 32, 1<<32 | 40, 0x7E020000, ^uint64(0)}
	ops := map[string]func(arg, v, v2 uint64) bool{
		"SCMP_CMP_EQ":        func(a, v, _ uint64) bool { return a == v },
		"SCMP_CMP_NE":        func(a, v, _ uint64) bool { return a != v },
		"SCMP_CMP_LT":        func(a, v, _ uint64) bool { return a < v },
		"SCMP_CMP_LE":        func(a, v, _ uint64) bool { return a <= v },
		"SCMP_CMP_GT":        func(a, v, _ uint64) bool { return a > v },
		"SCMP_CMP_GE":        func(a, v, _ uint64) bool { return a >= v },
		"SCMP_CMP_MASKED_EQ": func(a, v, v2 uint64) bool { return a&v == v2 },
	}
	for op, want := range ops {
		for _, v := range vals {
			v2 := v & 0x00000001_0000_0028
			p := &Profile{DefaultAction: "SCMP_ACT_ERRNO", Syscalls: []Rule{
				{Names: []string{"read"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 2, Value: v, ValueTwo: v2, Op: op}}},
				{Names: []string{"write"}, Action: "SCMP_ACT_ALLOW"}}}
			f, err := Compile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, arg := range vals {
				got := run(t, f, "read", 0, 0, arg) == ActAllow
				if got != want(arg, v, v2) {
					t.Errorf("%s value %#x valueTwo %#x, argument %#x: allowed=%v", op, v, v2, arg, got)
				}
			}
		}
	}
}
