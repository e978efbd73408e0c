package cgroupdemo

import (
	"fmt"
	"strconv"
	"strings"
)

// DeviceRule is one rule of the devices controller, in the kernel's own
// syntax ("c 1:3 rwm"): which device nodes a cgroup's processes may
// open for reading (r) or writing (w), or create with mknod (m).
// Rules are read in order and a later rule wins over an earlier one.
type DeviceRule struct {
	Allow  bool   `json:"allow"`
	Type   byte   `json:"type"`   // 'a' all, 'c' char, 'b' block
	Major  int64  `json:"major"`  // -1 means any (*)
	Minor  int64  `json:"minor"`  // -1 means any (*)
	Access string `json:"access"` // a subset of "rwm"
}

// Wildcard is the major or minor number that matches every device ("*").
const Wildcard = -1

// String is the rule as devices.allow and devices.deny take it.
func (r DeviceRule) String() string {
	if r.Type == 'a' {
		return "a"
	}
	num := func(n int64) string {
		if n == Wildcard {
			return "*"
		}
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Access)
}

// ParseDeviceRule reads a rule in the kernel's syntax: "a", or
// "TYPE MAJOR:MINOR ACCESS" with * for any number ("c 136:* rwm").
func ParseDeviceRule(allow bool, s string) (DeviceRule, error) {
	f := strings.Fields(s)
	if len(f) == 1 && f[0] == "a" {
		return DeviceRule{Allow: allow, Type: 'a', Major: Wildcard, Minor: Wildcard, Access: "rwm"}, nil
	}
	bad := func(why string) (DeviceRule, error) {
		return DeviceRule{}, fmt.Errorf("device rule %q: %s (want \"TYPE MAJOR:MINOR ACCESS\", such as \"c 1:3 rwm\")", s, why)
	}
	if len(f) != 3 {
		return bad("wrong number of fields")
	}
	if f[0] != "a" && f[0] != "b" && f[0] != "c" {
		return bad("type must be a, b or c")
	}
	maj, min, ok := strings.Cut(f[1], ":")
	if !ok {
		return bad("no MAJOR:MINOR")
	}
	r := DeviceRule{Allow: allow, Type: f[0][0], Access: f[2]}
	var err error
	if r.Major, err = parseDeviceNumber(maj); err != nil {
		return bad(err.Error())
	}
	if r.Minor, err = parseDeviceNumber(min); err != nil {
		return bad(err.Error())
	}
	if err := checkAccess(r.Access); err != nil {
		return bad(err.Error())
	}
	return r, nil
}

func parseDeviceNumber(s string) (int64, error) {
	if s == "*" {
		return Wildcard, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("device number %q is not * or a number", s)
	}
	return int64(n), nil
}

// checkAccess accepts a non-empty combination of r, w and m.
func checkAccess(a string) error {
	if a == "" || strings.Trim(a, "rwm") != "" || len(a) > 3 {
		return fmt.Errorf("access %q: want a combination of r, w and m", a)
	}
	return nil
}

// DefaultDevices is docker's device allowlist: nothing at all, then
// mknod of any node (which alone opens nothing), then reading and
// writing only the harmless devices every program expects.
var DefaultDevices = []DeviceRule{
	{Allow: false, Type: 'a', Major: Wildcard, Minor: Wildcard, Access: "rwm"},
	{Allow: true, Type: 'c', Major: Wildcard, Minor: Wildcard, Access: "m"},
	{Allow: true, Type: 'b', Major: Wildcard, Minor: Wildcard, Access: "m"},
	{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rwm"},          // /dev/null
	{Allow: true, Type: 'c', Major: 1, Minor: 5, Access: "rwm"},          // /dev/zero
	{Allow: true, Type: 'c', Major: 1, Minor: 7, Access: "rwm"},          // /dev/full
	{Allow: true, Type: 'c', Major: 1, Minor: 8, Access: "rwm"},          // /dev/random
	{Allow: true, Type: 'c', Major: 1, Minor: 9, Access: "rwm"},          // /dev/urandom
	{Allow: true, Type: 'c', Major: 5, Minor: 0, Access: "rwm"},          // /dev/tty
	{Allow: true, Type: 'c', Major: 5, Minor: 1, Access: "rwm"},          // /dev/console
	{Allow: true, Type: 'c', Major: 5, Minor: 2, Access: "rwm"},          // /dev/ptmx
	{Allow: true, Type: 'c', Major: 136, Minor: Wildcard, Access: "rwm"}, // /dev/pts/*
	{Allow: true, Type: 'c', Major: 10, Minor: 200, Access: "rwm"},       // /dev/net/tun
	{Allow: true, Type: 'c', Major: 10, Minor: 229, Access: "rwm"},       // /dev/fuse
}

// AllowAll is the rule --privileged uses: every device, every access.
var AllowAll = []DeviceRule{{Allow: true, Type: 'a', Major: Wildcard, Minor: Wildcard, Access: "rwm"}}

// allowsAll reports whether rules end up allowing everything, so that no
// filter is needed at all.
func allowsAll(rules []DeviceRule) bool {
	return len(rules) > 0 && rules[len(rules)-1].Allow && rules[len(rules)-1].Type == 'a'
}

// planV1Devices turns rules into writes to devices.deny and devices.allow.
//
// Shell equivalent: echo a > devices.deny; echo 'c 1:3 rwm' > devices.allow ...
func planV1Devices(rules []DeviceRule) []Write {
	ws := make([]Write, len(rules))
	for i, r := range rules {
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		ws[i] = Write{Controller: "devices", File: file, Value: r.String()}
	}
	return ws
}
