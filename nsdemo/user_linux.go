package nsdemo

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// UserResult is the user namespace demo: uid 0 inside is an unprivileged
// uid on the host, and its capabilities count only inside.
type UserResult struct {
	Result
	UIDMap            string `json:"uidMap"` // written by the parent to /proc/<child>/uid_map
	GIDMap            string `json:"gidMap"`
	HostUIDMap        string `json:"hostUIDMap"`        // the host's own, /proc/self/uid_map
	InsideUIDUnmapped int    `json:"insideUIDUnmapped"` // before setuid: host root is not in the map
	InsideUID         int    `json:"insideUID"`
	InsideGID         int    `json:"insideGID"`
	HostUID           int    `json:"hostUID"` // the child's uid as the host sees it (/proc/<child>/status)
	HostGID           int    `json:"hostGID"`
	InsideCapEff      string `json:"insideCapEff"` // CapEff in the child's /proc/self/status
	HostCapEff        string `json:"hostCapEff"`   // vitro's own, root on the host
	HostCapEffChild   string `json:"hostCapEffChild"`
	File              string `json:"file"`             // a file the child created
	FileUIDInside     int    `json:"fileUIDInside"`    // its owner as stat shows it inside
	FileUIDHost       int    `json:"fileUIDHost"`      // and on the host
	SethostnameError  string `json:"sethostnameError"` // the child trying its capabilities on the host's UTS namespace
}

// Compare puts the host's identities beside the child's.
func (r *UserResult) Compare() []Row {
	return []Row{
		{"uid_map", r.HostUIDMap, r.UIDMap},
		{"uid / gid of the demo process", fmt.Sprintf("%d / %d", r.HostUID, r.HostGID), fmt.Sprintf("%d / %d", r.InsideUID, r.InsideGID)},
		{"CapEff", r.HostCapEffChild + " (counts in the child's namespaces only)", r.InsideCapEff},
		{"owner of " + r.File, strconv.Itoa(r.FileUIDHost), strconv.Itoa(r.FileUIDInside)},
		{"sethostname on the host's UTS namespace", "vitro's CapEff " + r.HostCapEff + ": CAP_SYS_ADMIN " + yesNo(hasCap(r.HostCapEff, unix.CAP_SYS_ADMIN)), r.SethostnameError},
	}
}

// Tables lays the result out for people.
func (r *UserResult) Tables() []table.Table { return tables(r) }

type userGo struct{ Dir string }

type userInside struct {
	UID, GID, FileUID int
	UIDMap, CapEff    string
	File              string
	Sethostname       string
}

func init() { reexec.Register("nsdemo-user", userChild) }

// DefaultMapID is the first host uid and gid the user demo maps 0 to.
const DefaultMapID = 100000

const mapCount = 65536

// User starts a child in a new user namespace whose uid and gid maps the
// parent writes before the child runs (the child must not act before it
// has an identity): uid 0 inside is host uid opts.MapUID.
//
// Shell equivalent (the child blocks until the maps exist):
//
//	unshare --user sh -c 'read _ </dev/tty; id' & echo '0 100000 65536' > /proc/$!/uid_map
func User(ctx context.Context, opts Options) (*UserResult, error) {
	uid, gid := opts.MapUID, opts.MapGID
	if uid == 0 {
		uid = DefaultMapID
	}
	if gid == 0 {
		gid = DefaultMapID
	}
	if uid < 0 || gid < 0 || uid+mapCount > 1<<32-1 || gid+mapCount > 1<<32-1 {
		return nil, fmt.Errorf("map to uid %d gid %d: the range of %d ids must fit below 4294967295", uid, gid, mapCount)
	}
	r := &UserResult{}
	r.HostUIDMap = readTrim("/proc/self/uid_map")
	r.HostCapEff = statusField("/proc/self/status", "CapEff")
	// The maps must exist before the child's execve: execve recomputes
	// capabilities, and a process whose uid is not root of its user
	// namespace (host uid 0 is unmapped there) keeps none. So the parent
	// writes /proc/<pid>/uid_map and gid_map while the cloned child is
	// stopped before execve, on os/exec's own pipe; then the child sets
	// uid and gid 0 and execs with full capabilities inside. This is the
	// uid_map handshake; runc does it in C (nsexec), Go's os/exec does it
	// for SysProcAttr.UidMappings. Our sync socket then holds the child
	// until "go" as for every demo.
	s, err := start(ctx, "user", unix.CLONE_NEWUSER, &r.Result, opts, func(sp *reexec.Spec) {
		sp.UIDMap = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: mapCount}}
		sp.GIDMap = []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: mapCount}}
		sp.Setgroups = true
		sp.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	})
	if err != nil {
		return nil, err
	}
	defer s.stop()
	pid := s.res.ChildPID
	for _, f := range []string{"uid_map", "gid_map"} {
		p := fmt.Sprintf("/proc/%d/%s", pid, f)
		s.did("write "+f, fmt.Sprintf("%q > %s (before the child's execve)", readTrim(p), p))
	}
	// A directory the mapped root owns, for the file it will create.
	dir, err := os.MkdirTemp("", "vitro-ns-user-")
	if err != nil {
		return nil, err
	}
	s.onCleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("chown %s to the mapped root: %w", dir, err)
	}
	s.did("mkdir+chown", fmt.Sprintf("%s owned by %d:%d", dir, uid, gid))
	r.UIDMap, r.GIDMap = readTrim(fmt.Sprintf("/proc/%d/uid_map", pid)), readTrim(fmt.Sprintf("/proc/%d/gid_map", pid))

	var in userInside
	if err := s.handshake(userGo{Dir: dir}, &in); err != nil {
		return nil, err
	}
	r.InsideUID, r.InsideGID, r.InsideCapEff = in.UID, in.GID, in.CapEff
	r.File, r.FileUIDInside, r.SethostnameError = in.File, in.FileUID, in.Sethostname
	status := fmt.Sprintf("/proc/%d/status", pid)
	r.HostUID, _ = strconv.Atoi(firstField(statusField(status, "Uid")))
	r.HostGID, _ = strconv.Atoi(firstField(statusField(status, "Gid")))
	r.HostCapEffChild = statusField(status, "CapEff")
	var st unix.Stat_t
	if err := unix.Stat(in.File, &st); err != nil {
		return nil, fmt.Errorf("stat %s on the host: %w", in.File, err)
	}
	r.FileUIDHost = int(st.Uid)
	r.Shell = []string{
		"unshare --user sleep 300 &   # uid 65534 inside until mapped",
		fmt.Sprintf("echo '%s' > /proc/$!/uid_map; echo '%s' > /proc/$!/gid_map", r.UIDMap, r.GIDMap),
		"nsenter --target $! --user id   # uid=0(root) inside",
		fmt.Sprintf("grep Uid /proc/$!/status   # on the host: %d", uid),
	}
	return r, s.finish(r, nil)
}

func userChild() {
	c := newChild()
	var g userGo
	c.expectGo(&g)
	in := userInside{UID: os.Getuid(), GID: os.Getgid()}
	in.UIDMap = readTrim("/proc/self/uid_map")
	in.CapEff = statusField("/proc/self/status", "CapEff")
	in.File = filepath.Join(g.Dir, "made-by-root-inside")
	c.check("creating a file", os.WriteFile(in.File, []byte("hello\n"), 0o644))
	c.did("open", in.File+" O_CREAT as uid 0")
	var st unix.Stat_t
	c.check("stat", unix.Stat(in.File, &st))
	in.FileUID = int(st.Uid)
	// Full capabilities, but the host's UTS namespace belongs to the
	// initial user namespace, where this process is nobody. Setting the
	// hostname to its current value would change nothing even if allowed.
	if err := unix.Sethostname([]byte(hostname())); err != nil {
		in.Sethostname = errText(err)
	} else {
		in.Sethostname = "allowed"
	}
	c.did("sethostname", "same name, on the host's UTS namespace → "+in.Sethostname)
	c.ready(in)
	c.serve(nil)
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// statusField returns a field of /proc/<pid>/status, spaces squeezed.
func statusField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// hasCap reports whether a hexadecimal capability mask has bit c.
func hasCap(mask string, c int) bool {
	v, err := strconv.ParseUint(mask, 16, 64)
	return err == nil && v&(1<<uint(c)) != 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
