package engine

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Identity is the user a container's program runs as.
type Identity struct {
	UID, GID uint32
	Groups   []uint32
	Home     string
}

// lookupUser resolves docker's --user forms (name, uid, name:group,
// uid:gid) against the container's /etc/passwd and /etc/group, read at
// root (the container's root after pivot_root: "/").
func lookupUser(root, spec string) (Identity, error) {
	id := Identity{Home: "/"}
	if spec == "" {
		spec = "0"
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	passwd, _ := readColonFile(root + "/etc/passwd")
	groups, _ := readColonFile(root + "/etc/group")
	found := false
	for _, f := range passwd {
		if len(f) < 7 {
			continue
		}
		if f[0] == userPart || f[2] == userPart {
			uid, err1 := strconv.ParseUint(f[2], 10, 32)
			gid, err2 := strconv.ParseUint(f[3], 10, 32)
			if err1 != nil || err2 != nil {
				continue
			}
			id.UID, id.GID, id.Home, found = uint32(uid), uint32(gid), f[5], true
			break
		}
	}
	if !found {
		uid, err := strconv.ParseUint(userPart, 10, 32)
		if err != nil {
			return id, fmt.Errorf("--user %q: no user %q in the container's /etc/passwd (give a numeric uid instead)", spec, userPart)
		}
		id.UID, id.GID = uint32(uid), uint32(uid)
	}
	if hasGroup {
		gid, err := strconv.ParseUint(groupPart, 10, 32)
		if err != nil {
			ok := false
			for _, f := range groups {
				if len(f) >= 3 && f[0] == groupPart {
					if g, err := strconv.ParseUint(f[2], 10, 32); err == nil {
						gid, ok = g, true
					}
				}
			}
			if !ok {
				return id, fmt.Errorf("--user %q: no group %q in the container's /etc/group", spec, groupPart)
			}
		}
		id.GID = uint32(gid)
	}
	// Supplementary groups: those listing the user by name.
	name := userPart
	for _, f := range passwd {
		if len(f) >= 3 && f[2] == strconv.FormatUint(uint64(id.UID), 10) {
			name = f[0]
		}
	}
	for _, f := range groups {
		if len(f) < 4 {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == name {
				if g, err := strconv.ParseUint(f[2], 10, 32); err == nil && uint32(g) != id.GID {
					id.Groups = append(id.Groups, uint32(g))
				}
			}
		}
	}
	return id, nil
}

func readColonFile(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out, sc.Err()
}
