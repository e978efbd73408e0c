package nsdemo

import (
	"bufio"
	"io"
	"strings"
)

// MountEntry is one line of /proc/<pid>/mountinfo, the fields a lesson needs.
type MountEntry struct {
	ID          string `json:"id"`
	Mountpoint  string `json:"mountpoint"`
	FSType      string `json:"fstype"`
	Source      string `json:"source"`
	Propagation string `json:"propagation"` // "shared:N", "master:N", ... or "private"
}

// ParseMountinfo reads the mountinfo format (proc(5)): fields before " - "
// are the mount's, after it the filesystem's; the optional fields in
// between give propagation (no optional field means private).
func ParseMountinfo(r io.Reader) ([]MountEntry, error) {
	var out []MountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f := strings.Fields(pre)
		g := strings.Fields(post)
		if len(f) < 6 || len(g) < 2 {
			continue
		}
		prop := "private"
		if opt := f[6:]; len(opt) > 0 {
			prop = strings.Join(opt, " ")
		}
		out = append(out, MountEntry{ID: f[0], Mountpoint: unescape(f[4]), FSType: g[0], Source: unescape(g[1]), Propagation: prop})
	}
	return out, sc.Err()
}

// unescape undoes the kernel's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, ok := octal(s[i+1 : i+4]); ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func octal(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var v int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v*8 + int(c-'0')
	}
	return byte(v), v < 256
}

// FindMount returns the last (topmost) entry mounted at mountpoint.
func FindMount(ms []MountEntry, mountpoint string) (MountEntry, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Mountpoint == mountpoint {
			return ms[i], true
		}
	}
	return MountEntry{}, false
}
