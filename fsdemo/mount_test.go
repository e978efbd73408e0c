package fsdemo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFlagsString(t *testing.T) {
	for _, c := range []struct {
		f    Flags
		want string
	}{
		{0, "0"},
		{unix.MS_BIND | unix.MS_REC, "MS_BIND|MS_REC"},
		{unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RDONLY, "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC"},
		{unix.MS_REC | unix.MS_PRIVATE, "MS_REC|MS_PRIVATE"},
	} {
		if got := c.f.String(); got != c.want {
			t.Errorf("Flags(%#x) = %q, want %q", uintptr(c.f), got, c.want)
		}
		back, err := ParseFlags(c.want)
		if err != nil || back != c.f {
			t.Errorf("ParseFlags(%q) = %v, %v; want %v", c.want, back, err, c.f)
		}
	}
	if _, err := ParseFlags("MS_BIND|MS_NOPE"); err == nil || !strings.Contains(err.Error(), "MS_NOPE") {
		t.Errorf("ParseFlags of an unknown name: %v", err)
	}
}

func TestMountJSONRoundTrip(t *testing.T) {
	m := Mount{Source: "/a", Target: "/b", Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"MS_RDONLY|MS_BIND|MS_REC"`) {
		t.Errorf("JSON %s does not name the flags", b)
	}
	var back Mount
	if err := json.Unmarshal(b, &back); err != nil || back != m {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, m)
	}
}

func TestShell(t *testing.T) {
	for _, c := range []struct {
		m    Mount
		want string
	}{
		{Mount{Source: "/src", Target: "/dst", Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
			"mount --rbind /src /dst; mount -o remount,bind,ro /dst"},
		{Mount{Target: "/", Flags: unix.MS_REC | unix.MS_PRIVATE}, "mount --make-rprivate /"},
		{Mount{Source: "proc", Target: "/r/proc", Type: "proc", Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
			"mount -t proc -o nosuid,nodev,noexec proc /r/proc"},
		{Mount{Source: "/d", Target: "/e", Flags: unix.MS_BIND | unix.MS_SHARED}, "mount --bind /d /e; mount --make-shared /e"},
	} {
		if got := strings.Join(c.m.Shell(), "; "); got != c.want {
			t.Errorf("Shell(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}

func TestMountErrorNamesEverything(t *testing.T) {
	err := error(&MountError{Op: "mount", Source: "overlay", Target: "/m", Type: "overlay",
		Flags: unix.MS_NODEV, Data: "lowerdir=/l", Err: unix.ENOENT})
	msg := err.Error()
	for _, want := range []string{"mount", "overlay", "/m", "MS_NODEV", "lowerdir=/l", "no such file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if !errors.Is(err, unix.ENOENT) {
		t.Error("MountError does not unwrap to its errno")
	}
}

func TestContainerMountsOrder(t *testing.T) {
	ms := ContainerMounts("/r")
	pos := map[string]int{}
	for i, m := range ms {
		pos[m.Target] = i
		if m.Target == "/r/sys" && m.Flags&unix.MS_RDONLY == 0 {
			t.Error("/sys is not read-only")
		}
		if m.Target == "/r/dev/pts" && !strings.Contains(m.Data, "newinstance") {
			t.Error("/dev/pts is not a new devpts instance")
		}
	}
	for _, p := range []string{"/r/proc", "/r/dev", "/r/dev/null", "/r/dev/pts", "/r/dev/shm", "/r/dev/mqueue", "/r/sys"} {
		if _, ok := pos[p]; !ok {
			t.Errorf("no mount at %s", p)
		}
	}
	if pos["/r/dev"] > pos["/r/dev/pts"] || pos["/r/dev"] > pos["/r/dev/null"] {
		t.Error("/dev must be mounted before what goes in it")
	}
	for _, p := range append(MaskedPaths, ReadOnlyPaths...) {
		if PathReason(p) == "" {
			t.Errorf("%s has no reason", p)
		}
	}
}
