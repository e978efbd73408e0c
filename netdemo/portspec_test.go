package netdemo

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePortSpec(t *testing.T) {
	good := []struct {
		in   string
		want PortMapping
	}{
		{"8080:80", PortMapping{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}},
		{"8080:80/udp", PortMapping{HostPort: 8080, ContainerPort: 80, Proto: "udp"}},
		{"53:53/UDP", PortMapping{HostPort: 53, ContainerPort: 53, Proto: "udp"}},
		{"80", PortMapping{ContainerPort: 80, Proto: "tcp"}},
		{"127.0.0.1:8080:80", PortMapping{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}},
		{"127.0.0.1::80/tcp", PortMapping{HostIP: "127.0.0.1", ContainerPort: 80, Proto: "tcp"}},
		{"65535:1", PortMapping{HostPort: 65535, ContainerPort: 1, Proto: "tcp"}},
	}
	for _, c := range good {
		got, err := ParsePortSpec(c.in)
		if err != nil {
			t.Errorf("ParsePortSpec(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParsePortSpec(%q) = %+v, want %+v", c.in, got, c.want)
		}
		if again, err := ParsePortSpec(got.String()); err != nil || again != got {
			t.Errorf("round trip of %q through %q = %+v, %v", c.in, got.String(), again, err)
		}
	}
	bad := []struct{ in, says string }{
		{"99999:80", "host port 99999 is out of range"},
		{"8080:0", "container port 0 is out of range"},
		{"8080:70000", "container port 70000 is out of range"},
		{"abc", `container port "abc" is not a number`},
		{"abc:80", `host port "abc" is not a number`},
		{"8080:80/sctp", `protocol "sctp"`},
		{"", "want [IP:]HOST:CONTAINER"},
		{"/tcp", "want [IP:]HOST:CONTAINER"},
		{":80", "host port is empty"},
		{"1.2.3:8080:80", `"1.2.3" is not an IPv4 address`},
		{"::1:8080:80", "IPv6"},
		{"8000-8010:80", "ranges are not supported"},
		{"a:b:c:d", "want [IP:]HOST:CONTAINER"},
	}
	for _, c := range bad {
		_, err := ParsePortSpec(c.in)
		if err == nil {
			t.Errorf("ParsePortSpec(%q): no error", c.in)
			continue
		}
		if !errors.Is(err, ErrBadPortSpec) {
			t.Errorf("ParsePortSpec(%q): %v does not wrap ErrBadPortSpec", c.in, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, `"`+c.in+`"`) || !strings.Contains(msg, c.says) {
			t.Errorf("ParsePortSpec(%q) error %q: want the spec quoted and %q", c.in, msg, c.says)
		}
	}
}
