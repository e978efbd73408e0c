package nsdemo

import (
	"context"
	"fmt"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// UTSResult is the UTS demo: a hostname set inside leaves the host's alone.
type UTSResult struct {
	Result
	HostHostname      string `json:"hostHostname"`      // before the demo
	HostHostnameAfter string `json:"hostHostnameAfter"` // after the child set its own
	InheritedHostname string `json:"inheritedHostname"` // what the child saw first: a copy of the host's
	InsideHostname    string `json:"insideHostname"`    // after sethostname inside
}

// Compare puts the host's hostname beside the child's.
func (r *UTSResult) Compare() []Row {
	return []Row{
		{"hostname before", r.HostHostname, r.InheritedHostname + " (a copy)"},
		{"hostname after sethostname inside", r.HostHostnameAfter, r.InsideHostname},
	}
}

// Tables lays the result out for people.
func (r *UTSResult) Tables() []table.Table { return tables(r) }

type utsGo struct{ Hostname string }

type utsInside struct{ Before, After string }

func init() { reexec.Register("nsdemo-uts", utsChild) }

// DefaultHostname is what the UTS demo sets.
const DefaultHostname = "vitro-demo"

// UTS starts a child in a new UTS namespace that sets its hostname.
//
// Shell equivalent: unshare --uts --fork sh -c 'hostname vitro-demo; hostname'
func UTS(ctx context.Context, opts Options) (*UTSResult, error) {
	name := opts.Hostname
	if name == "" {
		name = DefaultHostname
	}
	if len(name) > 64 {
		return nil, fmt.Errorf("hostname %q: longer than the kernel's 64 bytes", name)
	}
	r := &UTSResult{HostHostname: hostname()}
	s, err := start(ctx, "uts", unix.CLONE_NEWUTS, &r.Result, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	var in utsInside
	if err := s.handshake(utsGo{Hostname: name}, &in); err != nil {
		return nil, err
	}
	r.InheritedHostname, r.InsideHostname = in.Before, in.After
	r.HostHostnameAfter = hostname()
	r.Shell = []string{
		fmt.Sprintf("unshare --uts --fork sh -c 'hostname %s; hostname'", name),
		"hostname   # on the host: unchanged",
	}
	return r, s.finish(r, nil)
}

func utsChild() {
	c := newChild()
	var g utsGo
	c.expectGo(&g)
	before := hostname()
	c.check("sethostname", unix.Sethostname([]byte(g.Hostname)))
	c.did("sethostname", g.Hostname)
	c.ready(utsInside{Before: before, After: hostname()})
	c.serve(nil)
}

// hostname reads the calling process's UTS namespace.
func hostname() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Nodename[:])
}
