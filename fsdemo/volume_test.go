package fsdemo

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseVolume(t *testing.T) {
	for _, c := range []struct {
		spec string
		want Volume
	}{
		{"/srv/data:/data", Volume{Kind: BindVolume, Source: "/srv/data", HostPath: "/srv/data", Destination: "/data", Propagation: unix.MS_REC | unix.MS_PRIVATE}},
		{"/srv/data/:/data/:ro", Volume{Kind: BindVolume, Source: "/srv/data", HostPath: "/srv/data", Destination: "/data", ReadOnly: true, Propagation: unix.MS_REC | unix.MS_PRIVATE}},
		{"/s:/d:rw,rshared", Volume{Kind: BindVolume, Source: "/s", HostPath: "/s", Destination: "/d", Propagation: unix.MS_REC | unix.MS_SHARED}},
		{"/s:/d:slave", Volume{Kind: BindVolume, Source: "/s", HostPath: "/s", Destination: "/d", Propagation: unix.MS_SLAVE}},
		{"cache:/var/cache", Volume{Kind: NamedVolume, Source: "cache", Destination: "/var/cache", Propagation: unix.MS_REC | unix.MS_PRIVATE}},
		{"/var/cache", Volume{Kind: AnonymousVolume, Destination: "/var/cache", Propagation: unix.MS_REC | unix.MS_PRIVATE}},
	} {
		got, err := ParseVolume(c.spec)
		if err != nil {
			t.Errorf("ParseVolume(%q): %v", c.spec, err)
			continue
		}
		c.want.Spec = c.spec
		if got != c.want {
			t.Errorf("ParseVolume(%q) = %+v, want %+v", c.spec, got, c.want)
		}
	}
}

func TestParseVolumeBad(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"a:b:c:d", "4 fields"},
		{"/src:data", `destination "data" is not an absolute path`},
		{"data", `destination "data" is not an absolute path`},
		{"./src:/data", "relative path"},
		{"src/x:/data", "relative path"},
		{":/data", "empty source"},
		{"/src:", "empty destination"},
		{"/src:/", "cannot replace the container's root"},
		{"", "empty"},
		{"/s:/d:ro,rw", "both given"},
		{"/s:/d:shared,slave", "both given"},
		{"/s:/d:exec", `option "exec": unknown`},
		{"-bad:/d", "not a valid volume name"},
		{"cache:/d:rshared", "bind mounts only"},
		{"/tmp:/proc", "cannot mount over /proc"},
		{"/tmp:/proc/sys/", "cannot mount over /proc"},
		{"/etc/hostname:/proc/sysrq-trigger:ro", "cannot mount over /proc"},
		{"cache:/sys", "cannot mount over /sys"},
		{"/tmp:/sys/fs/cgroup", "cannot mount over /sys"},
		{"/sys/../proc/x", "cannot mount over /proc"},
	} {
		_, err := ParseVolume(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseVolume(%q) = %v, want an error containing %q", c.spec, err, c.want)
		} else if !strings.Contains(err.Error(), c.spec) {
			t.Errorf("ParseVolume(%q): error %q does not quote the spec", c.spec, err)
		}
	}
}

// Binds under /proc and /sys are refused, except lxcfs's files (runc's
// list), and names that merely start with "proc" are not caught.
func TestParseVolumeKernelFS(t *testing.T) {
	for _, spec := range []string{"/var/lib/lxcfs/proc/meminfo:/proc/meminfo:ro", "/h:/procfs", "/h:/system", "/h:/data/proc"} {
		if _, err := ParseVolume(spec); err != nil {
			t.Errorf("ParseVolume(%q): %v", spec, err)
		}
	}
}

func TestVolumeMounts(t *testing.T) {
	v, err := ParseVolume("/h:/d:ro,rshared")
	if err != nil {
		t.Fatal(err)
	}
	ms := v.Mounts("/rootfs")
	if len(ms) != 2 || ms[0].Source != "/h" || ms[0].Target != "/rootfs/d" ||
		ms[0].Flags != unix.MS_BIND|unix.MS_REC|unix.MS_RDONLY || !ms[1].IsPropagationOnly() || ms[1].Flags != unix.MS_REC|unix.MS_SHARED {
		t.Errorf("Mounts = %+v", ms)
	}
}
