package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// Bad input is refused before anything is made, with the value named.
func TestNetBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"net", "publish", "-p", "99999:80"}, `"99999:80": host port 99999 is out of range 1–65535`},
		{[]string{"net", "publish", "-p", "abc"}, `"abc": container port "abc" is not a number`},
		{[]string{"net", "publish", "-p", "8080:80/sctp"}, `protocol "sctp"`},
		{[]string{"net", "ipam", "--subnet", "10.0.0.1/33"}, `"10.0.0.1/33"`},
		{[]string{"net", "ipam", "--subnet", "not-an-address/16"}, `"not-an-address" is not an IPv4 address`},
		{[]string{"net", "ipam", "--subnet", "10.251.0.1/16"}, "give it a /26 or smaller"}, // a subnet no test makes routes in
		{[]string{"net", "bridge", "--hosts", "1"}, "--hosts 1"},
	} {
		_, stderr, code := run(t, c.args...)
		if code != ExitVitro || !strings.Contains(stderr, c.says) {
			t.Errorf("vitro %s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, stderr, ExitVitro, c.says)
		}
	}
}

func TestNetInfoBadBIP(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(`{"bip": "10.0.0.1/33"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, "--config", cfg, "net", "info")
	if code != ExitVitro || !strings.Contains(stderr, "10.0.0.1/33") || !strings.Contains(stderr, "bip") {
		t.Errorf("net info with bip 10.0.0.1/33: exit %d, %q", code, stderr)
	}
}

func TestNetDemosJSON(t *testing.T) {
	testenv.RequirePrivileged(t)
	out, stderr, code := run(t, "net", "veth", "--format", "json")
	if code != 0 {
		t.Fatalf("net veth: exit %d: %s", code, stderr)
	}
	var v struct {
		Pings []struct {
			Sent, Received int
		}
		Removed []string
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("net veth --format json: %v\n%s", err, out)
	}
	if len(v.Pings) != 2 || v.Pings[0].Received == 0 || v.Pings[1].Received == 0 || len(v.Removed) == 0 {
		t.Errorf("net veth JSON: %+v", v)
	}
	out, stderr, code = run(t, "net", "publish", "--format", "{{range .requests}}{{.reply}}{{end}}")
	if code != 0 || !strings.HasPrefix(out, "hello from netns vd") {
		t.Errorf("net publish: exit %d, out %q, stderr %q", code, out, stderr)
	}
}
