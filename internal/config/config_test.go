package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingFileGivesDefaults(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "absent.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataRoot != DefaultDataRoot || c.BIP != DefaultBIP || c.CgroupDriver() != "cgroupfs" {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestValidFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(p, []byte(`{"data-root":"/srv/vitro","bip":"10.50.0.1/24","registry-mirrors":["http://127.0.0.1:5000"],
		"insecure-registries":["127.0.0.1:5000","10.0.0.0/8"],"exec-opts":["native.cgroupdriver=cgroupfs"],"live-restore":true,
		"max-layer-size":"512MiB","cgroup-parent":"/classroom/vitro"}`), 0o644)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataRoot != "/srv/vitro" || c.BIP != "10.50.0.1/24" || c.CgroupDriver() != "cgroupfs" || !c.LiveRestore {
		t.Fatalf("parsed = %+v", c)
	}
	if c.StorageDriver != DefaultStorageDriver {
		t.Errorf("an absent key lost its default: storage-driver = %q", c.StorageDriver)
	}
	if c.CgroupParent != "/classroom/vitro" || Default().CgroupParent != "vitro" {
		t.Errorf("cgroup-parent = %q (default %q)", c.CgroupParent, Default().CgroupParent)
	}
	if c.MaxLayerBytes() != 512<<20 {
		t.Errorf("max-layer-size 512MiB = %d bytes", c.MaxLayerBytes())
	}
	if d := Default().MaxLayerBytes(); d != 8<<30 {
		t.Errorf("default max-layer-size = %d bytes, want 8 GiB", d)
	}
}

func TestBadInputNamesKeyAndValue(t *testing.T) {
	cases := map[string][]string{
		`{"data-rot":"/x"}`:                          {`"data-rot"`, "unknown key"},
		`{"bip":"10.0.0.1/33"}`:                      {"bip", `"10.0.0.1/33"`, "0–32"},
		`{"bip":"banana"}`:                           {"bip", `"banana"`},
		`{"bip":"10.0.0.0/16"}`:                      {"bip", "network address"},
		`{"bip":5}`:                                  {"bip", "5", "want a string"},
		`{"storage-driver":"zfs"}`:                   {"storage-driver", `"zfs"`, "overlay2 or vfs"},
		`{"exec-opts":["native.cgroupdriver=foo"]}`:  {"exec-opts", "native.cgroupdriver=foo"},
		`{"registry-mirrors":["mirror.example"]}`:    {"registry-mirrors", "mirror.example", "URL"},
		`{"data-root":"relative/dir"}`:               {"data-root", "absolute"},
		`{"live-restore":"yes"}`:                     {"live-restore", "boolean"},
		`{"bridge":"a-name-far-too-long-for-linux"}`: {"bridge", "15"},
		`[1,2]`: {"not a JSON object"},
		`{"insecure-registries":["http://x:5000/path"]}`: {"insecure-registries", "host[:port]"},
		`{"max-layer-size":"lots"}`:                      {"max-layer-size", `"lots"`, "8GiB"},
		`{"max-layer-size":"10k"}`:                       {"max-layer-size", "at least 1MiB"},
		`{"max-layer-size":""}`:                          {"max-layer-size", "want a size"},
		`{"max-layer-size":8}`:                           {"max-layer-size", "want a string"},
		`{"cgroup-parent":"../host"}`:                    {"cgroup-parent", `"../host"`, "without empty, . or .. parts"},
		`{"cgroup-parent":""}`:                           {"cgroup-parent", "want a cgroup path"},
	}
	for in, wants := range cases {
		_, err := Parse("test.json", []byte(in))
		if err == nil {
			t.Errorf("%s: accepted", in)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", in, err, w)
			}
		}
	}
}
