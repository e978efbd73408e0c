package lessons

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vitro-dev/vitro/internal/table/tabletext"
	"github.com/vitro-dev/vitro/nsdemo"
)

// Live steps from nsdemo: each starts a child in exactly one new
// namespace and compares host and inside. nsdemo's Outcome lays itself
// out (the same tables as vitro ns TYPE); the evidence is each demo's own.

// NSDemo is a namespace demo's result as a lesson shows it.
type NSDemo struct {
	Type   string         `json:"type"`
	Result nsdemo.Outcome `json:"result"`
	facts  func() []Evidence
}

func init() {
	for _, d := range []struct {
		typ, summary, shell string
		run                 func(ctx context.Context, o Options) (nsdemo.Outcome, func() []Evidence, error)
	}{
		{"uts", "a hostname set in a new UTS namespace; the host's stays",
			"unshare --uts sh -c 'hostname lab; hostname'\nhostname   # on the host: unchanged", runUTS},
		{"pid", "PID 1 of a new PID namespace: numbering, orphans reaped by PID 1",
			"unshare --pid --fork --mount-proc sh -c 'echo $$; ps -o pid,ppid,comm'\ngrep NSpid /proc/PID/status   # on the host: host PID, then the PID inside", runPID},
		{"mnt", "a tmpfs mounted in a new mount namespace, absent from the host's mount table",
			"unshare --mount --propagation private sh -c 'mount -t tmpfs tmpfs /mnt; findmnt /mnt'\nfindmnt /mnt   # on the host: nothing", runMnt},
		{"ipc", "System V shared memory and POSIX queues invisible across IPC namespaces",
			"unshare --ipc sh -c 'ipcmk -M 4096; ipcmk -Q; ipcs'\nipcs   # on the host: the child's objects are not listed", runIPC},
		{"net", "a new network namespace: only lo, down; the host's links out of sight",
			"unshare --net sh -c 'ip link; ip link set lo up; ip addr show lo'\nip link   # on the host: all its interfaces, lo untouched", runNet},
		{"user", "uid 0 inside a user namespace is an unprivileged uid on the host",
			"unshare --user sleep 300 &\necho '0 100000 65536' > /proc/$!/uid_map; echo '0 100000 65536' > /proc/$!/gid_map\nnsenter --target $! --user id   # uid=0(root) inside\ngrep Uid /proc/$!/status        # on the host: 100000", runUser},
		{"cgroup", "/proc/self/cgroup reads / inside a new cgroup namespace",
			"unshare --cgroup cat /proc/self/cgroup   # the paths read /\ncat /proc/self/cgroup                   # outside: the real paths", runCgroupNS},
		{"time", "CLOCK_BOOTTIME and CLOCK_MONOTONIC ahead inside a time namespace",
			"unshare --time --fork --monotonic 864000 --boottime 864000 cat /proc/uptime\ncat /proc/uptime   # on the host: unchanged", runTime},
	} {
		d := d
		register(Demo{Name: "ns." + d.typ, Summary: d.summary, Command: "vitro ns " + d.typ, Shell: d.shell,
			Run: func(ctx context.Context, o Options) (Result, error) {
				out, facts, err := d.run(ctx, o)
				if err != nil {
					return nil, err
				}
				return &NSDemo{Type: d.typ, Result: out, facts: facts}, nil
			}})
	}
}

// WriteText prints the demo's tables, as vitro ns TYPE does.
func (r *NSDemo) WriteText(w io.Writer) error { return tabletext.Write(w, r.Result.Tables()...) }

// Evidence is the demo's own facts plus "only this type is new".
func (r *NSDemo) Evidence() []Evidence {
	s := r.Result.Summary()
	diff := s.Differing()
	ev := r.facts()
	return append(ev, evidence(slices.Equal(diff, []string{r.Type}),
		"only the "+r.Type+" namespace is new", "namespaces with a new inode: %s", strings.Join(diff, ", ")))
}

func runUTS(ctx context.Context, o Options) (nsdemo.Outcome, func() []Evidence, error) {
	want := o.String("hostname", nsdemo.DefaultHostname)
	r, err := nsdemo.UTS(ctx, nsdemo.Options{Hostname: want})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		return []Evidence{
			evidence(r.InsideHostname == want, "the hostname inside is the one set there", "inside %q", r.InsideHostname),
			evidence(r.HostHostnameAfter == r.HostHostname && r.HostHostname != want, "the host's hostname did not change", "before %q, after %q", r.HostHostname, r.HostHostnameAfter),
			evidence(r.InheritedHostname == r.HostHostname, "a new UTS namespace starts as a copy of its parent's", "the child first saw %q", r.InheritedHostname),
		}
	}, nil
}

func runPID(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.PID(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		return []Evidence{
			evidence(r.InsidePID == 1 && r.ChildPID > 1, "the child is PID 1 inside, an ordinary PID outside", "inside %d, host %d", r.InsidePID, r.ChildPID),
			evidence(r.InsidePPID == 0, "its parent is outside the namespace: getppid() is 0", "getppid() = %d", r.InsidePPID),
			evidence(r.OrphanPPID == 1 && r.ReapedPID == r.OrphanPID && r.OrphanPID > 0, "an orphan is adopted and reaped by PID 1", "orphan %d got parent %d; PID 1 reaped %d", r.OrphanPID, r.OrphanPPID, r.ReapedPID),
			evidence(r.InsideCount < r.HostProcCount, "inside sees only its own processes", "inside %d, host %d", r.InsideCount, r.HostProcCount),
		}
	}, nil
}

func runMnt(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.Mnt(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		inside := r.InsideMount != nil && r.InsideMount.FSType == "tmpfs"
		return []Evidence{
			evidence(inside, "the tmpfs is in the child's mount table", "%s in /proc/<child>/mountinfo: %v", r.Target, inside),
			evidence(r.HostMount == nil, "it is not in the host's", "%s in the host's mountinfo: %v", r.Target, r.HostMount != nil),
			evidence(r.RootPropagation == "private", "propagation of / was made private first", "copied %q, then %q", r.RootPropagationCopy, r.RootPropagation),
		}
	}, nil
}

func runIPC(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.IPC(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		return []Evidence{
			evidence(r.InsideShmKey != "" && !slices.Contains(r.HostShm, r.InsideShmKey), "the segment made inside is not in the host's list", "inside key %s; host lists %d segment(s)", r.InsideShmKey, len(r.HostShm)),
			evidence(r.HostShmKey != "" && !slices.Contains(r.InsideShm, r.HostShmKey), "the host's segment is not in the inside list", "host key %s; inside lists %v", r.HostShmKey, r.InsideShm),
		}
	}, nil
}

func runNet(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.Net(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		onlyLo := len(r.InsideLinks) == 1 && r.InsideLinks[0].Name == "lo" && !r.InsideLinks[0].Up
		var names []string
		for _, l := range r.InsideLinks {
			names = append(names, fmt.Sprintf("%s(up=%v)", l.Name, l.Up))
		}
		return []Evidence{
			evidence(onlyLo, "a new network namespace has only lo, and it is down", "inside: %s", strings.Join(names, " ")),
			evidence(len(r.HostLinks) > len(r.InsideLinks), "the host's links are out of sight", "host %d links, inside %d", len(r.HostLinks), len(r.InsideLinks)),
			evidence(r.HostLoopback.Up == r.HostLoopbackAfter.Up, "bringing lo up inside left the host's lo alone", "host lo up before %v, after %v", r.HostLoopback.Up, r.HostLoopbackAfter.Up),
		}
	}, nil
}

func runUser(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.User(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		return []Evidence{
			evidence(r.InsideUID == 0 && r.HostUID == nsdemo.DefaultMapID, "uid 0 inside is uid 100000 on the host", "inside %d, host %d (map %q)", r.InsideUID, r.HostUID, strings.TrimSpace(r.UIDMap)),
			evidence(r.FileUIDInside == 0 && r.FileUIDHost == r.HostUID, "a file made inside belongs to the mapped uid on the host", "owner inside %d, on the host %d", r.FileUIDInside, r.FileUIDHost),
			evidence(r.SethostnameError != "", "its capabilities do not reach the host's namespaces", "sethostname on the host's UTS namespace: %s", r.SethostnameError),
		}
	}, nil
}

func runCgroupNS(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.Cgroup(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		rootInside := false
		for _, l := range r.InsideView {
			if strings.HasSuffix(l, ":/") {
				rootInside = true
			}
		}
		realOutside := false
		for _, l := range r.HostView {
			if strings.Contains(l, r.Cgroup) && r.Cgroup != "" {
				realOutside = true
			}
		}
		return []Evidence{
			evidence(rootInside, "inside, its cgroup reads as the root, /", "%s", strings.Join(r.InsideView, " · ")),
			evidence(realOutside, "outside, the real path shows", "%s", strings.Join(r.HostView, " · ")),
		}
	}, nil
}

func runTime(ctx context.Context, _ Options) (nsdemo.Outcome, func() []Evidence, error) {
	r, err := nsdemo.Time(ctx, nsdemo.Options{})
	if err != nil {
		return nil, nil, err
	}
	return r, func() []Evidence {
		ahead := r.Inside.Boottime - r.HostBefore.Boottime
		return []Evidence{
			evidence(ahead >= r.Offset && r.Offset > 0, "boot time inside runs ahead by the offset", "inside - host = %v (offset %v)", ahead.Round(1e9), r.Offset),
			evidence(r.HostAfter.Boottime-r.HostBefore.Boottime < r.Offset, "the host's clock did not jump", "host advanced %v", (r.HostAfter.Boottime - r.HostBefore.Boottime).Round(1e6)),
		}
	}, nil
}
