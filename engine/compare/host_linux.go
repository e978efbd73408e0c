package compare

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// hostProc runs the script as a plain process: busybox sh, forked and
// exec'd by vitro, in the host's namespaces and cgroup.
type hostProc struct {
	busybox string
	ioDir   string
}

func newHost(busybox, tmp string) (*hostProc, error) {
	dir, err := os.MkdirTemp(tmp, "host-io-")
	if err != nil {
		return nil, fmt.Errorf("host I/O directory: %w", err)
	}
	return &hostProc{busybox: busybox, ioDir: dir}, nil
}

func (h *hostProc) info() ContenderInfo {
	return ContenderInfo{Name: "host", Kind: "process", What: h.busybox + " sh -c SCRIPT, a child of vitro", Available: true}
}

func (h *hostProc) script(s Sizes) string { return Script(s, h.ioDir, "") }

func (h *hostProc) disk() Disk {
	var n int64
	if st, err := os.Stat(h.busybox); err == nil {
		n = st.Size()
	}
	return Disk{Bytes: n, What: "the busybox binary"}
}

func (h *hostProc) close() { os.RemoveAll(h.ioDir) }

func (h *hostProc) start(ctx context.Context, script string, idle bool) (*instance, error) {
	cmd := exec.Command(h.busybox, "sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return startCmd(ctx, cmd, idle, func(pid int) (MemSample, error) {
		rss, pss, err := procMem(pid)
		return MemSample{Main: rss, PSS: pss, What: "RSS of busybox sh"}, err
	})
}

// startCmd starts cmd with its output read as lines; idle instances get
// a standard input that stop closes. Ctrl-C (ctx) kills its process
// group.
func startCmd(ctx context.Context, cmd *exec.Cmd, idle bool, mem func(pid int) (MemSample, error)) (*instance, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &lockedBuffer{}
	if cmd.Stderr == nil {
		cmd.Stderr = stderr
	}
	var stdin *os.File
	if idle {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		cmd.Stdin, stdin = r, w
		defer r.Close()
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		if stdin != nil {
			stdin.Close()
		}
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	pid := cmd.Process.Pid
	observe("process", fmt.Sprint(pid))
	inst := &instance{lines: make(chan Line, 64)}
	done := make(chan error, 1)
	go func() {
		readLines(out, t0, inst.lines)
		done <- cmd.Wait()
	}()
	var werr error
	finished := make(chan struct{})
	go func() {
		select {
		case werr = <-done:
		case <-ctx.Done():
			syscall.Kill(-pid, syscall.SIGKILL)
			werr = <-done
		}
		if werr != nil && stderr.Len() > 0 {
			msg := strings.TrimSpace(stderr.String())
			if len(msg) > 300 {
				msg = msg[len(msg)-300:]
			}
			werr = fmt.Errorf("%w: %s", werr, msg)
		}
		close(finished)
	}()
	inst.memory = func() (MemSample, error) { return mem(pid) }
	inst.stop = once(func() {
		if stdin != nil {
			stdin.Close()
		}
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-finished
		}
	})
	inst.wait = func() error {
		<-finished
		if stdin != nil {
			stdin.Close()
		}
		return werr
	}
	return inst, nil
}
