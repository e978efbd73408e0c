package netdemo

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ErrBadPortSpec is wrapped by every error of ParsePortSpec, so callers
// can tell a user's typo from a kernel failure.
var ErrBadPortSpec = errors.New("invalid port spec")

// PortMapping is one published port, what `docker run -p` takes: traffic
// to HostPort on the host (on HostIP only, when set) is sent to
// ContainerPort of the container's address.
type PortMapping struct {
	HostIP        string `json:"hostIP,omitempty"` // "" means every host address
	HostPort      uint16 `json:"hostPort"`         // 0 means "choose a free port"
	ContainerPort uint16 `json:"containerPort"`
	Proto         string `json:"proto"` // "tcp" or "udp"
}

// String formats m the way ParsePortSpec reads it.
func (m PortMapping) String() string {
	host := ""
	if m.HostPort != 0 {
		host = strconv.Itoa(int(m.HostPort))
	}
	switch {
	case m.HostIP != "":
		return fmt.Sprintf("%s:%s:%d/%s", m.HostIP, host, m.ContainerPort, m.Proto)
	case host != "":
		return fmt.Sprintf("%s:%d/%s", host, m.ContainerPort, m.Proto)
	}
	return fmt.Sprintf("%d/%s", m.ContainerPort, m.Proto)
}

// portSpecForms is what the error messages offer instead.
const portSpecForms = "want [IP:]HOST:CONTAINER[/tcp|/udp], such as 8080:80 or 127.0.0.1:8080:80/tcp"

// ParsePortSpec parses a -p value as docker does, without ranges:
//
//	CONTAINER              80            host port chosen when published
//	HOST:CONTAINER         8080:80
//	IP:HOST:CONTAINER      127.0.0.1:8080:80
//	IP::CONTAINER          127.0.0.1::80 host port chosen when published
//
// each optionally followed by /tcp (the default) or /udp. Only IPv4 host
// addresses are accepted, since vitro's bridge is IPv4 only.
func ParsePortSpec(spec string) (PortMapping, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrBadPortSpec, spec, fmt.Sprintf(format, args...))
	}
	m := PortMapping{Proto: "tcp"}
	rest := spec
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		m.Proto = strings.ToLower(rest[i+1:])
		rest = rest[:i]
		if m.Proto != "tcp" && m.Proto != "udp" {
			return m, bad("protocol %q: want tcp or udp", spec[i+1:])
		}
	}
	if rest == "" {
		return m, bad(portSpecForms)
	}
	parts := strings.Split(rest, ":")
	var hostIP, hostPort, ctrPort string
	switch len(parts) {
	case 1:
		ctrPort = parts[0]
	case 2:
		hostPort, ctrPort = parts[0], parts[1]
	case 3:
		hostIP, hostPort, ctrPort = parts[0], parts[1], parts[2]
	default:
		if strings.Contains(rest, "[") || strings.Count(rest, ":") > 3 {
			return m, bad("IPv6 host addresses are not supported: vitro's bridge is IPv4 only")
		}
		return m, bad(portSpecForms)
	}
	if hostIP != "" {
		ip := net.ParseIP(hostIP)
		if ip == nil || ip.To4() == nil {
			return m, bad("host address %q is not an IPv4 address", hostIP)
		}
		m.HostIP = ip.To4().String()
	}
	var err error
	if m.ContainerPort, err = parsePort(ctrPort, "container"); err != nil {
		return m, bad("%v", err)
	}
	if hostPort != "" {
		if m.HostPort, err = parsePort(hostPort, "host"); err != nil {
			return m, bad("%v", err)
		}
	} else if len(parts) == 2 {
		return m, bad("host port is empty: %s", portSpecForms)
	}
	return m, nil
}

func parsePort(s, which string) (uint16, error) {
	if strings.Contains(s, "-") {
		return 0, fmt.Errorf("%s port %q: port ranges are not supported; publish each port with its own -p", which, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s port %q is not a number (%s)", which, s, portSpecForms)
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s port %d is out of range 1–65535", which, n)
	}
	return uint16(n), nil
}
