package vm

import (
	"strings"
	"testing"
	"time"
)

func TestParseConsole(t *testing.T) {
	console := "\x1bc\x1b[?7l\x1b[2JSeaBIOS\r\nBooting from ROM..VITRO-VM-USERSPACE\r\n" +
		"VITRO-VM-RUN a.test\r\n--- FAIL: TestX\r\nVITRO-VM-RESULT a.test 1\r\n" +
		"VITRO-VM-RESULT b.test 0\r\nVITRO-VM-EXIT 1\r\n[ 1.2] reboot: Power down"
	b := &Boot{ExitCode: -1}
	var out strings.Builder
	b.readConsole(strings.NewReader(console), time.Now(), &out)
	if b.ExitCode != 1 {
		t.Errorf("exit code %d, want 1", b.ExitCode)
	}
	if len(b.Programs) != 2 || b.Programs[0] != (ProgramResult{"a.test", 1}) || b.Programs[1] != (ProgramResult{"b.test", 0}) {
		t.Errorf("programs %+v", b.Programs)
	}
	if b.Userspace == 0 {
		t.Error("userspace marker after firmware text not seen")
	}
	if strings.ContainsAny(out.String(), "\x1b\r") {
		t.Errorf("escapes or CR left in console copy: %q", out.String())
	}
	if !strings.HasSuffix(out.String(), "Power down\n") {
		t.Errorf("last line without newline lost: %q", out.String())
	}
}

func TestMachineArgs(t *testing.T) {
	m := Machine{Kernel: "/boot/vmlinuz-x", Initrd: "/tmp/i.cpio", Accel: TCG, Cmdline: []string{"cgroup_no_v1=all"}}
	args := strings.Join(m.Args(), " ")
	for _, want := range []string{"-accel tcg", "-m 1024", "-smp 2", "-no-reboot", "-kernel /boot/vmlinuz-x", "-initrd /tmp/i.cpio", "console=ttyS0", "panic=-1", "cgroup_no_v1=all", "-cpu max"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	m.Accel = KVM
	if !strings.Contains(strings.Join(m.Args(), " "), "-cpu host") {
		t.Error("KVM without -cpu host")
	}
}
