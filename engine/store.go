package engine

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/vitro-dev/vitro/internal/fsutil"
)

// ErrNoSuchContainer is returned when no container matches a name or ID.
var ErrNoSuchContainer = errors.New("no such container")

// Containers is the container store: one directory per container under
// <data-root>/containers, holding container.json and the container's
// upper, work and merged directories.
type Containers struct {
	Dir string // <data-root>/containers
}

// NewContainers returns the store under dataRoot.
func NewContainers(dataRoot string) *Containers {
	return &Containers{Dir: filepath.Join(dataRoot, "containers")}
}

// NetworkDir is <data-root>/network, where `vitro net ipam` keeps its
// demo pools. The bridge's own pool is in the run root (netstate_linux.go).
func NetworkDir(dataRoot string) string {
	return filepath.Join(dataRoot, "network")
}

func (s *Containers) path(id string) string { return filepath.Join(s.Dir, id, "container.json") }

// lock serialises changes that must see every container (name checks).
func (s *Containers) lock() (*fsutil.Lock, error) {
	return fsutil.LockFile(filepath.Join(s.Dir, ".lock"))
}

// LockContainer serialises changes to one container's record.
func (s *Containers) LockContainer(id string) (*fsutil.Lock, error) {
	return fsutil.LockFile(filepath.Join(s.Dir, id, ".lock"))
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// NewID returns a 64-hex-digit container ID, as docker's.
func NewID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Create allocates c's ID (and a name when c.Name is empty), checks the
// name is free, and writes the record. The container's directory exists
// when it returns.
func (s *Containers) Create(c *Container) error {
	if c.Name != "" && !validName.MatchString(c.Name) {
		return fmt.Errorf("container name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", c.Name)
	}
	if err := os.MkdirAll(s.Dir, 0o711); err != nil {
		return err
	}
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	all, err := s.List()
	if err != nil {
		return err
	}
	taken := map[string]string{}
	for _, o := range all {
		taken[o.Name] = o.ID
	}
	if c.Name == "" {
		for c.Name == "" || taken[c.Name] != "" {
			c.Name = RandomName()
		}
	} else if id, ok := taken[c.Name]; ok {
		return fmt.Errorf("container name %q is already in use by container %s: remove it (vitro rm %s) or choose another --name", c.Name, id[:12], c.Name)
	}
	c.ID = NewID()
	if err := os.MkdirAll(filepath.Join(s.Dir, c.ID), 0o711); err != nil {
		return err
	}
	// The first record is flushed to disk: after any crash, `vitro ps -a`
	// and `vitro rm` can find the container and everything made for it.
	if err := fsutil.WriteJSONAtomic(s.path(c.ID), c); err != nil {
		// A directory without a record is shown by nothing: never leave one.
		os.RemoveAll(filepath.Join(s.Dir, c.ID))
		return fmt.Errorf("creating the record of container %s: %w", c.Name, err)
	}
	return nil
}

// RemoveLeftovers deletes the directories under the store that hold no
// record (a crash between mkdir and the first write, or a vitro older
// than the fix for that, left them) and whose ID starts with prefix ("" for
// all), and returns their IDs. It holds the store lock, which Create holds
// from mkdir to the record's write, so it never takes a container being
// made.
func (s *Containers) RemoveLeftovers(prefix string) ([]string, error) {
	l, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	es, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, e := range es {
		id := e.Name()
		if !e.IsDir() || !strings.HasPrefix(id, prefix) || !isContainerID(id) {
			continue
		}
		if _, err := os.Lstat(s.path(id)); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.Dir, id)); err != nil {
			return gone, err
		}
		gone = append(gone, id)
	}
	return gone, nil
}

// isContainerID reports whether s is 64 lowercase hex digits (NewID's form).
func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// Save rewrites c's record atomically (without flushing it to disk: see
// fsutil.ReplaceFile), as the container moves through its steps.
func (s *Containers) Save(c *Container) error {
	return fsutil.ReplaceJSON(s.path(c.ID), c)
}

// Get finds a container by full ID, unique ID prefix, or name.
func (s *Containers) Get(ref string) (*Container, error) {
	if ref == "" {
		return nil, fmt.Errorf("%w: empty name", ErrNoSuchContainer)
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var prefix []*Container
	for _, c := range all {
		if c.ID == ref || c.Name == ref {
			return c, nil
		}
		if strings.HasPrefix(c.ID, ref) {
			prefix = append(prefix, c)
		}
	}
	switch len(prefix) {
	case 1:
		return prefix[0], nil
	case 0:
		return nil, fmt.Errorf("%w: %s (vitro ps -a lists them)", ErrNoSuchContainer, ref)
	}
	return nil, fmt.Errorf("container ID prefix %q matches %d containers: give more digits", ref, len(prefix))
}

// List returns every container, newest first. A record that cannot be
// read (a crash before its first write) is skipped.
func (s *Containers) List() ([]*Container, error) {
	es, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, e := range es {
		if !e.IsDir() {
			continue
		}
		var c Container
		if err := fsutil.ReadJSON(s.path(e.Name()), &c); err != nil {
			continue
		}
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Remove deletes a container's directory and record. The caller must
// have unmounted its root filesystem first.
func (s *Containers) Remove(id string) error {
	if id == "" || strings.ContainsAny(id, "/.") {
		return fmt.Errorf("container id %q: refusing to remove", id)
	}
	return os.RemoveAll(filepath.Join(s.Dir, id))
}

// RemoveFiles deletes everything in a container's directory but its
// record and lock: the read-write layer, work directory and log, which
// hold the container's data. Deleting needs no free space; it frees it.
func (s *Containers) RemoveFiles(id string) error {
	if id == "" || strings.ContainsAny(id, "/.") {
		return fmt.Errorf("container id %q: refusing to remove", id)
	}
	dir := filepath.Join(s.Dir, id)
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Name() == "container.json" || e.Name() == ".lock" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// Dir returns the container's directory.
func (s *Containers) DirOf(id string) string { return filepath.Join(s.Dir, id) }
