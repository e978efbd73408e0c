package compare

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/engine/image"
)

// vitroCtr runs the script in a vitro container, through the engine's
// own Run: the six steps of `vitro run --rm --network none busybox`.
type vitroCtr struct {
	e    *engine.Engine
	img  *image.Image
	note string
}

func newVitro(ctx context.Context, e *engine.Engine, busybox string) (*vitroCtr, error) {
	store, err := image.Open(e.Config.DataRoot)
	if err != nil {
		return nil, err
	}
	v := &vitroCtr{e: e}
	v.img, err = store.Get(image.BootstrapName)
	if errors.Is(err, image.ErrNotFound) {
		// As `vitro image bootstrap`: no network needed.
		if v.img, err = store.Bootstrap(ctx, busybox, image.BootstrapName); err == nil {
			v.note = "the busybox image was built from " + busybox + " (vitro image bootstrap)"
		}
	}
	if err != nil {
		return nil, fmt.Errorf("the busybox image: %w", err)
	}
	return v, nil
}

func (v *vitroCtr) info() ContenderInfo {
	return ContenderInfo{Name: "vitro", Kind: "container", What: "engine.Run: vitro run --rm --network none busybox sh -c SCRIPT", Available: true, Note: v.note}
}

func (v *vitroCtr) script(s Sizes) string { return Script(s, "/tmp", "") }

func (v *vitroCtr) disk() Disk {
	return Disk{Bytes: v.img.Size, What: fmt.Sprintf("the busybox image: %d layer(s), unpacked", len(v.img.Layers))}
}

func (v *vitroCtr) close() {}

func (v *vitroCtr) start(ctx context.Context, script string, idle bool) (*instance, error) {
	var id [6]byte
	rand.Read(id[:])
	name := "vitro-compare-" + hex.EncodeToString(id[:])
	o := engine.RunOptions{Image: image.BootstrapName, Cmd: []string{"sh", "-c", script}, Name: name,
		Remove: true, Network: "none", Interactive: idle}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	var in io.Reader = strings.NewReader("")
	var stdin, stdinR *os.File
	if idle {
		r, w, err := os.Pipe()
		if err != nil {
			pr.Close()
			pw.Close()
			return nil, err
		}
		in, stdin, stdinR = r, w, r
	}
	var stderr lockedBuffer
	inst := &instance{lines: make(chan Line, 64)}
	observe("container", name)
	t0 := time.Now()
	runErr := make(chan error, 1)
	go func() {
		err := v.e.Run(ctx, o, engine.Stdio{In: in, Out: pw, Err: &stderr})
		pw.Close()
		if stdinR != nil {
			stdinR.Close()
		}
		runErr <- err
	}()
	go func() {
		readLines(pr, t0, inst.lines)
		pr.Close()
	}()
	var werr error
	finished := make(chan struct{})
	go func() {
		werr = <-runErr
		if werr != nil && stderr.Len() > 0 {
			werr = fmt.Errorf("%w: %s", werr, strings.TrimSpace(stderr.String()))
		}
		close(finished)
	}()
	inst.memory = func() (MemSample, error) {
		c, err := v.e.Containers.Get(name)
		if err != nil {
			return MemSample{}, err
		}
		if c.State.Pid == 0 {
			return MemSample{}, fmt.Errorf("container %s has no PID yet", name)
		}
		usage, dir, pss, err := cgroupMemory(c.State.Pid)
		if dir != "" {
			observe("cgroup", dir)
		}
		return MemSample{Main: usage, PSS: pss, What: "cgroup " + dir + " (no monitor process: the engine runs in vitro compare)"}, err
	}
	closeIn := func() {
		if stdin != nil {
			stdin.Close()
		}
	}
	go func() {
		select {
		case <-ctx.Done():
			closeIn() // an idle shell ends at once; PID 1 would ignore SIGTERM
		case <-finished:
		}
	}()
	inst.stop = once(func() {
		closeIn()
		<-finished
	})
	inst.wait = func() error {
		<-finished
		closeIn()
		return werr
	}
	return inst, nil
}

// lockedBuffer is a bytes.Buffer safe for the engine's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
