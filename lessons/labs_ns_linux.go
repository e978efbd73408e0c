package lessons

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// Labs for the first lessons: a container is a process; UTS and PID
// namespaces.

func init() {
	registerLab(&Lab{
		ID: "find-container", Title: "Find a container from the host, and stop it", Lesson: "why",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Hostname": e.Student.Prefix() + "hidden", "Answer": filepath.Join(e.Dir, "answer")}, nil
		},
		Task: `A "container" is running on this machine: a process in its own UTS, PID and
mount namespaces, with hostname **{{.Hostname}}**. From the host:

1. find its PID *on the host* (inside it believes it is PID 1) and write that
   number into the file ` + "`{{.Answer}}`" + `;
2. stop it with an ordinary ` + "`kill`" + `.

Useful: ` + "`lsns -t uts`" + `, ` + "`nsenter --target PID --uts hostname`" + `, ` + "`ps -o pid,pidns,utsns,args -e`" + `.`,
		Solution: `pid=$(lsns -t uts -n -o PID,COMMAND | awk '/lessons-lab container {{.Hostname}}$/ {print $1}')
nsenter --target "$pid" --uts hostname      # prints {{.Hostname}}
echo "$pid" > {{.Answer}}
kill "$pid"`,
		Setup: func(ctx context.Context, e *LabEnv) error {
			_, err := e.spawn(ctx, unix.CLONE_NEWUTS|unix.CLONE_NEWPID|unix.CLONE_NEWNS, "container", e.Vars["Hostname"])
			return err
		},
		Checks: []Check{
			{Name: "the answer file holds the container's host PID",
				Hint: "lsns -t uts lists every UTS namespace with the lowest PID in it; check a candidate with nsenter --target PID --uts hostname, then: echo PID > {{.Answer}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					b, err := os.ReadFile(e.Vars["Answer"])
					if err != nil {
						return "no answer file yet", false, nil
					}
					got, _ := strconv.Atoi(strings.TrimSpace(string(b)))
					want := e.State.Procs[0].PID
					if got == want {
						return fmt.Sprintf("it says %d: right", got), true, nil
					}
					if got == 1 {
						return "it says 1: that is the PID inside the container's PID namespace", false, nil
					}
					return fmt.Sprintf("it says %q, which is not the container", strings.TrimSpace(string(b))), false, nil
				}},
			{Name: "the container was stopped from the host",
				Hint: "kill PID from the host: to the host the container is an ordinary process",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					p := e.State.Procs[0]
					if alive(p.PID) && startTime(p.PID) == p.Start {
						return fmt.Sprintf("PID %d still runs", p.PID), false, nil
					}
					return fmt.Sprintf("PID %d is gone", p.PID), true, nil
				}},
		},
		Apply: func(_ context.Context, e *LabEnv) error {
			pid := e.State.Procs[0].PID
			if err := os.WriteFile(e.Vars["Answer"], []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
				return err
			}
			killPID(pid)
			return nil
		},
	})
	helpers["container"] = helpers["uts"]

	registerLab(&Lab{
		ID: "uts-hostname", Title: "A shell with a hostname of its own", Lesson: "uts",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Hostname": e.Student.Prefix() + "uts-lab"}, nil
		},
		Task: `Start a shell in a new UTS namespace and give it the hostname
**{{.Hostname}}**. Leave it running while you check. The host's hostname must not change.`,
		Solution: `{{with .Export}}{{.}}
{{end}}unshare --uts sh -c 'hostname {{.Hostname}}; exec sleep infinity' &`,
		Checks: []Check{
			utsCheck("uts-hostname"),
			hostnameCheck(),
			hostUnchangedCheck(),
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			_, err := e.spawn(ctx, unix.CLONE_NEWUTS, "uts", e.Vars["Hostname"])
			return err
		},
		Teardown: killByHostname,
		Residue:  namedResidue,
	})

	registerLab(&Lab{
		ID: "pid-init", Title: "Own UTS and PID namespaces: hostname lab, PID 1, its own /proc", Lesson: "pid",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Hostname": e.Student.Prefix() + "lab"}, nil
		},
		Task: `Put a shell in its own UTS and PID namespaces, with hostname **{{.Hostname}}**,
where it is PID 1 and where ` + "`ps`" + ` shows only the processes of its namespace
(so /proc inside must be a proc mounted for the new PID namespace). Leave it running.`,
		Solution: `{{with .Export}}{{.}}
{{end}}unshare --uts --pid --fork --mount-proc sh -c 'hostname {{.Hostname}}; exec sleep infinity' &`,
		Checks: []Check{
			utsCheck("pid-init"),
			hostnameCheck(),
			{Name: "it has its own PID namespace",
				Hint: "unshare --pid needs --fork: the new namespace applies to unshare's children, not to unshare itself",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					for _, p := range e.named() {
						if inOwnNS(p, "pid") {
							return fmt.Sprintf("PID %d: NSpid %s", p, statusField(p, "NSpid")), true, nil
						}
					}
					return "no process with that hostname has a PID namespace of its own", false, nil
				}},
			{Name: "a process there is PID 1",
				Hint: "start the shell as the first process of the namespace: unshare --pid --fork sh (and exec, not fork, from there)",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					for _, p := range e.named() {
						if inOwnNS(p, "pid") && innerPID(p) == 1 {
							return fmt.Sprintf("host PID %d is PID 1 inside", p), true, nil
						}
					}
					return "none of its processes is PID 1 of its namespace", false, nil
				}},
			{Name: "its /proc belongs to its PID namespace",
				Hint: "mount a new proc inside (unshare --mount-proc does it): the host's /proc lists the host's processes",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					for _, p := range e.named() {
						pidns, _ := nsdemo.Inode(p, "pid")
						// PID 1 of the /proc mounted in its root
						one, err := nsdemo.InodeAt(fmt.Sprintf("/proc/%d/root/proc/1", p), "pid")
						if err == nil && one == pidns && inOwnNS(p, "pid") {
							return fmt.Sprintf("/proc/1 inside is in PID namespace %d, its own", pidns), true, nil
						}
					}
					return "/proc inside still shows the host's processes", false, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			_, err := e.spawn(ctx, unix.CLONE_NEWUTS|unix.CLONE_NEWPID|unix.CLONE_NEWNS, "pid", e.Vars["Hostname"])
			return err
		},
		Teardown: killByHostname,
		Residue:  namedResidue,
	})
}

// named returns the student's processes in a UTS namespace of their own
// whose hostname is the lab's, cached for one check run.
func (e *LabEnv) named() []int {
	if v, ok := e.cache["named"]; ok {
		return v.([]int)
	}
	want := e.Vars["Hostname"]
	ps := e.studentProcs(func(p int) bool {
		if !inOwnNS(p, "uts") {
			return false
		}
		h, err := hostnameOf(p)
		return err == nil && h == want
	})
	e.cache["named"] = ps
	return ps
}

func utsCheck(lab string) Check {
	return Check{Name: "a process of yours runs in a UTS namespace of its own",
		Hint: "start it with unshare --uts ...{{with .Export}}, in a terminal where you ran {{.}}{{end}}",
		Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
			ps := e.studentProcs(func(p int) bool { return inOwnNS(p, "uts") })
			if len(ps) == 0 {
				return "every process of yours shares the host's UTS namespace", false, nil
			}
			return fmt.Sprintf("%d process(es), e.g. PID %d", len(ps), ps[0]), true, nil
		}}
}

func hostnameCheck() Check {
	return Check{Name: "its hostname is the lab's",
		Hint: "inside the new namespace run: hostname {{.Hostname}}",
		Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
			if ps := e.named(); len(ps) > 0 {
				return fmt.Sprintf("PID %d has hostname %s", ps[0], e.Vars["Hostname"]), true, nil
			}
			var seen []string
			for _, p := range e.studentProcs(func(p int) bool { return inOwnNS(p, "uts") }) {
				if h, err := hostnameOf(p); err == nil {
					seen = append(seen, h)
				}
			}
			return fmt.Sprintf("no process in its own UTS namespace is called %s (found: %s)", e.Vars["Hostname"], strings.Join(seen, ", ")), false, nil
		}}
}

func hostUnchangedCheck() Check {
	return Check{Name: "the host's hostname is unchanged",
		Hint: "you renamed the host: set its old name back with hostname OLDNAME (see /etc/hostname), then rename inside the new namespace only",
		Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
			h, _ := uname()
			return "the host is " + h, h != e.Vars["Hostname"], nil
		}}
}

// killByHostname kills the student's processes that carry the lab's hostname.
func killByHostname(_ context.Context, e *LabEnv) ([]string, error) {
	return killAll(e.named(), "hostname "+e.Vars["Hostname"]), nil
}

func namedResidue(e *LabEnv) []string {
	var out []string
	for _, p := range e.named() {
		out = append(out, fmt.Sprintf("process %d with hostname %s", p, e.Vars["Hostname"]))
	}
	return out
}
