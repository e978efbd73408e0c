package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/netdemo"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// create is step 2: the container's record and directories, its cgroup
// with the limits written, and its init started in new namespaces, held
// on the sync socket until the next steps are done.
func (r *run) create(ctx context.Context) error {
	if r.c == nil {
		if err := r.record(ctx); err != nil {
			return err
		}
	}
	c := r.c
	limits, err := parseLimits(r.o)
	if err != nil {
		return err
	}
	devs, err := resolveDevices(r.o)
	if err != nil {
		return err
	}
	cg, err := r.e.createCgroup(c.ID, limits, devs.Rules)
	if err != nil {
		return err
	}
	r.cgroup = cg
	c.Cgroup = cg.Name
	r.onStop("cgroup "+cg.Name, cg.KillAndRemove)

	flags := uintptr(unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC)
	if c.Config.NetworkMode != "host" {
		flags |= unix.CLONE_NEWNET
	}
	init, err := r.startInit(ctx, flags, cg)
	if err != nil {
		return err
	}
	r.init, r.sync = init, init.Sync
	pid, intoCgroup := init.Pid, init.IntoCgroup
	r.onStop(fmt.Sprintf("init process %d", pid), func() error {
		init.Close()
		return nil
	})
	names := nsdemo.CloneFlagNames(flags)
	if intoCgroup {
		names += "|CLONE_INTO_CGROUP"
	}
	trace.Action("init started", trace.Str("clone flags", names), trace.Int("host pid", int64(pid)),
		trace.Str("waits on", "sync socket fd 3"))
	trace.Shellf("unshare --mount --pid --uts --ipc%s --fork vitro-init   # host PID %d", map[bool]string{true: " --net", false: ""}[flags&unix.CLONE_NEWNET != 0], pid)
	if trace.Enabled(trace.Kernel) {
		for _, t := range nsdemo.Types {
			in, _ := nsdemo.Inode(pid, t.Name) // 0 if unreadable: the trace shows it
			host, _ := nsdemo.Inode(os.Getpid(), t.Name)
			trace.KernelEvent("namespace", trace.Str("type", t.Name), trace.Int("container", int64(in)), trace.Int("host", int64(host)), trace.Bool("new", in != host))
		}
	}
	if intoCgroup {
		dir := cg.Dirs()[0]
		trace.Action("cgroup join", trace.Str("cgroup", dir), trace.Int("pid", int64(pid)),
			trace.Str("how", "clone3(CLONE_INTO_CGROUP, cgroup fd)"))
		trace.Shellf("# no shell equivalent: clone3(CLONE_INTO_CGROUP, cgroup fd) started PID %d inside %s", pid, dir)
	} else if err := cg.Join(pid); err != nil {
		return err
	}
	c.State.Pid = pid
	return r.e.Containers.Save(c)
}

// startInit starts init, vitro re-executed, in new namespaces and
// connected by the sync socket. On pure cgroup v2 init is born in the
// container's cgroup: clone3 with CLONE_INTO_CGROUP and an fd of the
// cgroup's directory (Linux 5.7), so it never runs a moment outside it
// and need not be moved; a move (a cgroup.procs write) waits for an RCU
// grace period the first time, milliseconds. On v1 and hybrid hosts,
// where the limits are in v1 hierarchies that clone3 cannot target, and
// on a kernel or seccomp filter that refuses clone3's cgroup argument
// (ENOSYS, EINVAL), the launcher starts init in vitro's own cgroup and
// init.IntoCgroup is false: the caller moves it.
func (r *run) startInit(ctx context.Context, flags uintptr, cg cgroupHandle) (*reexec.Process, error) {
	spec := reexec.Spec{
		Entry:      initEntry,
		CloneFlags: flags,
		Env:        []string{}, // init's own environment; the program's is sent over the socket
	}
	if cg.Driver().Mode() == cgroupdemo.Unified {
		fd, err := openCgroupFD(cg)
		if err != nil {
			return nil, err
		}
		dir := os.NewFile(uintptr(fd), cg.Dirs()[0])
		defer dir.Close()
		spec.CgroupDir = dir
	}
	r.attachStdio(&spec)
	init, err := reexec.Launch(ctx, spec)
	if err != nil {
		var se *reexec.StartError
		if !errors.As(err, &se) {
			return nil, err
		}
		how := nsdemo.CloneFlagNames(flags)
		if se.IntoCgroup {
			how = "clone3 " + how + "|CLONE_INTO_CGROUP"
		}
		return nil, fmt.Errorf("starting init with %s: %w", how, err)
	}
	// The engine stops a running container itself, as docker stop does
	// (SIGTERM, then SIGKILL: see wait), not on the first sign of ctx.
	init.OnCancel(0)
	return init, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// record makes the container's record (status created) and pins its
// image: the part of step 2 that `vitro create` does alone.
func (r *run) record(ctx context.Context) error {
	o := r.o
	argv, err := resolveArgv(r.img.Entrypoint, r.img.Cmd, o.Entrypoint, o.Cmd)
	if err != nil {
		return err
	}
	env, err := mergeEnv(r.img.Env, o.EnvFiles, o.Env)
	if err != nil {
		return err
	}
	if o.Tty && !hasEnv(env, "TERM") {
		env = append(env, "TERM=xterm") // as docker does for -t
	}
	limits, err := parseLimits(o)
	if err != nil {
		return err
	}
	if err := r.checkOptions(); err != nil {
		return err
	}
	c := &Container{
		Name: o.Name, Image: o.Image, ImageID: r.img.ID, Created: time.Now().UTC(),
		Path: argv[0], Args: argv[1:],
		Config: Config{
			Hostname: o.Hostname, User: firstNonEmpty(o.User, r.img.User), Env: env,
			Cmd: argv, WorkingDir: firstNonEmpty(o.WorkingDir, r.img.WorkingDir),
			Tty: o.Tty, OpenStdin: o.Interactive, AutoRemove: o.Remove,
			NetworkMode: firstNonEmpty(o.Network, "bridge"), Limits: limits.Limits,
		},
		Options: o,
		// The owner is in the first record, written before anything
		// else is made for the container.
		State: State{Status: StatusCreated, Owner: r.owner},
	}
	if err := r.e.Containers.Create(c); err != nil {
		return err
	}
	r.c = c
	r.onFailure("container record "+c.ID[:12], func() error { return r.e.Containers.Remove(c.ID) })
	if c.Config.Hostname == "" {
		c.Config.Hostname = c.ID[:12]
	}
	trace.Action("container record", trace.Str("id", c.ID[:12]), trace.Str("name", c.Name),
		trace.Str("path", r.e.Containers.DirOf(c.ID)))
	if _, err := r.store.Use(ctx, c.ImageID, c.ID); err != nil {
		return err
	}
	r.onFailure("image pin of "+c.ID[:12], func() error { return r.store.Release(c.ImageID, c.ID) })
	return r.e.Containers.Save(c)
}

// checkOptions refuses, before anything is made, option values that a
// later step would refuse anyway.
func (r *run) checkOptions() error {
	switch firstNonEmpty(r.o.Network, "bridge") {
	case "bridge", "none", "host":
	default:
		return fmt.Errorf("--network %q: want bridge, none or host", r.o.Network)
	}
	if w := r.o.WorkingDir; w != "" && !strings.HasPrefix(w, "/") {
		return fmt.Errorf("-w %q: the working directory must be an absolute path inside the container", w)
	}
	if _, err := ResolveCaps(r.o.CapAdd, r.o.CapDrop, r.o.Privileged); err != nil {
		return err
	}
	for _, v := range r.o.Volumes {
		vol, err := fsdemo.ParseVolume(v)
		if err != nil {
			return fmt.Errorf("-v %q: %w", v, err)
		}
		if vol.Kind != fsdemo.BindVolume {
			return fmt.Errorf("-v %q: vitro run binds host paths only (SRC:DST with an absolute SRC); named and anonymous volumes are not supported", v)
		}
		if _, err := os.Stat(vol.HostPath); err != nil {
			return fmt.Errorf("-v %q: host path %s: %w (create it first)", v, vol.HostPath, errors.Unwrap(err))
		}
	}
	for _, p := range r.o.Publish {
		if _, err := netdemo.ParsePortSpec(p); err != nil {
			return err
		}
	}
	caps, err := ResolveCaps(r.o.CapAdd, r.o.CapDrop, r.o.Privileged)
	if err != nil {
		return err
	}
	if _, _, err := seccompFilter(r.o, caps); err != nil {
		return err
	}
	if _, err := resolveDevices(r.o); err != nil {
		return err
	}
	return nil
}

func hasEnv(env []string, name string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, name+"=") {
			return true
		}
	}
	return false
}
