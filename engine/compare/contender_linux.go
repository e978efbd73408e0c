package compare

import (
	"bufio"
	"context"
	"io"
	"sync"
	"time"
)

// contender is one way of running the script.
type contender interface {
	info() ContenderInfo
	// start launches one instance running script (idle: IdleScript's
	// kind, stopped by stop). Lines arrive on the instance's channel.
	start(ctx context.Context, script string, idle bool) (*instance, error)
	// script returns the workload script for this contender.
	script(s Sizes) string
	disk() Disk
	// close removes what the contender made (temp directories).
	close()
}

// instance is one running copy of the script.
type instance struct {
	lines chan Line
	// memory reads the instance's memory now.
	memory func() (MemSample, error)
	// stop ends the instance and waits until it is gone; safe to call
	// twice and after the instance ended by itself.
	stop func()
	// wait waits until the instance has ended and returns why it failed,
	// if it did.
	wait     func() error
	timedOut bool
}

// readLines sends each line of r, timed from t0, until r ends; then it
// closes ch.
func readLines(r io.Reader, t0 time.Time, ch chan<- Line) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		ch <- Line{At: time.Since(t0), Text: sc.Text()}
	}
	close(ch)
}

// observe is told of every process, container and cgroup an instance
// makes; tests use it to check that nothing is left behind.
var observe = func(kind, what string) {}

// once wraps f so it runs at most once.
func once(f func()) func() {
	var o sync.Once
	return func() { o.Do(f) }
}
