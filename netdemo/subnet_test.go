package netdemo

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func mustCIDR(t *testing.T, s string) *net.IPNet {
	t.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestParseSubnetBadInput(t *testing.T) {
	for _, c := range []struct{ in, says string }{
		{"10.0.0.1/33", "0–32"},
		{"not-an-address/16", "not an IPv4 address"},
		{"10.0.0.1", "want address/prefix"},
		{"10.0.0.0/24", "network address"},
		{"10.0.0.1/31", "no room"},
	} {
		_, err := ParseSubnet(c.in)
		if err == nil || !strings.Contains(err.Error(), `"`+c.in+`"`) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("ParseSubnet(%q) = %v, want an error naming the value and saying %q", c.in, err, c.says)
		}
	}
	s, err := ParseSubnet("10.98.0.1/16")
	if err != nil || s.Net.String() != "10.98.0.0/16" || s.Gateway.String() != "10.98.0.1" {
		t.Fatalf("ParseSubnet(10.98.0.1/16) = %v %v, %v", s.Net, s.Gateway, err)
	}
	if got := s.Capacity(); got != 65533 {
		t.Errorf("capacity of /16 = %d, want 65533", got)
	}
}

func TestLowestFree(t *testing.T) {
	s, _ := ParseSubnet("10.1.2.1/29") // .0 network, .1 gateway, .2–.6 usable, .7 broadcast
	if s.Capacity() != 5 {
		t.Fatalf("capacity = %d, want 5", s.Capacity())
	}
	used := map[string]bool{}
	var got []string
	for {
		ip, ok := s.lowestFree(used)
		if !ok {
			break
		}
		used[ip.String()] = true
		got = append(got, ip.String())
	}
	if strings.Join(got, " ") != "10.1.2.2 10.1.2.3 10.1.2.4 10.1.2.5 10.1.2.6" {
		t.Errorf("handed out %v", got)
	}
	delete(used, "10.1.2.4")
	if ip, _ := s.lowestFree(used); ip.String() != "10.1.2.4" {
		t.Errorf("after release of .4, lowest free = %v", ip)
	}
	// A gateway in the middle is skipped too.
	m, _ := ParseSubnet("10.1.3.3/29")
	if ip, _ := m.lowestFree(map[string]bool{"10.1.3.1": true, "10.1.3.2": true}); ip.String() != "10.1.3.4" {
		t.Errorf("lowest free beside gateway .3 = %v, want 10.1.3.4", ip)
	}
	for ip, want := range map[string]bool{"10.1.2.0": false, "10.1.2.1": false, "10.1.2.7": false, "10.1.2.2": true, "10.1.3.2": false} {
		if s.inRange(net.ParseIP(ip)) != want {
			t.Errorf("inRange(%s) = %v", ip, !want)
		}
	}
}

func TestCheckOverlap(t *testing.T) {
	routes := []Route{
		{Dst: mustCIDR(t, "0.0.0.0/0"), Device: "eth0"},
		{Dst: mustCIDR(t, "192.168.1.0/24"), Device: "eth0"},
		{Dst: mustCIDR(t, "10.98.0.0/16"), Device: "vitro0"},
		{Dst: nil, Device: "lo"},
	}
	if err := CheckOverlap(mustCIDR(t, "10.97.0.0/16"), routes, ""); err != nil {
		t.Errorf("free subnet: %v", err)
	}
	err := CheckOverlap(mustCIDR(t, "192.168.0.0/16"), routes, "")
	if !errors.Is(err, ErrSubnetInUse) || !strings.Contains(err.Error(), "192.168.1.0/24 on eth0") {
		t.Errorf("overlap with eth0's route: %v", err)
	}
	if err := CheckOverlap(mustCIDR(t, "10.98.0.0/16"), routes, "vitro0"); err != nil {
		t.Errorf("the bridge's own route must not count: %v", err)
	}
	if err := CheckOverlap(mustCIDR(t, "10.98.4.0/24"), routes, ""); !errors.Is(err, ErrSubnetInUse) || !strings.Contains(err.Error(), "10.99.0.1/16") {
		t.Errorf("overlap inside a larger route: %v (want a suggestion)", err)
	}
}
