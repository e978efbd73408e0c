package image

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
)

func TestParseReference(t *testing.T) {
	good := map[string]string{
		"busybox":                     "docker.io/library/busybox:latest",
		"busybox:1.36":                "docker.io/library/busybox:1.36",
		"me/app":                      "docker.io/me/app:latest",
		"docker.io/library/busybox":   "docker.io/library/busybox:latest",
		"index.docker.io/me/app:2":    "docker.io/me/app:2",
		"localhost:5000/app":          "localhost:5000/app:latest",
		"127.0.0.1:5000/a/b/c:v1":     "127.0.0.1:5000/a/b/c:v1",
		"quay.io/x/y@sha256:" + hex64: "quay.io/x/y@sha256:" + hex64,
	}
	for in, want := range good {
		ref, err := ParseReference(in)
		if err != nil {
			t.Errorf("ParseReference(%q): %v", in, err)
			continue
		}
		if got := FullName(ref); got != want {
			t.Errorf("FullName(%q) = %q, want %q", in, got, want)
		}
	}
	bad := []string{"", "UPPER", "a:b:c", "@sha256:" + hex64, "busybox@sha256:123", "-lead", "a//b", "a b", "busybox:", "busybox@", "x/y:tag@sha256:zz"}
	for _, in := range bad {
		if ref, err := ParseReference(in); err == nil {
			t.Errorf("ParseReference(%q) = %v, want an error", in, ref)
		}
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestFamiliar(t *testing.T) {
	for full, want := range map[string]string{
		"docker.io/library/busybox:latest": "busybox:latest",
		"docker.io/me/app:1":               "me/app:1",
		"127.0.0.1:5000/library/busybox":   "127.0.0.1:5000/library/busybox",
	} {
		if got := Familiar(full); got != want {
			t.Errorf("Familiar(%q) = %q, want %q", full, got, want)
		}
	}
}

func TestInsecure(t *testing.T) {
	cases := []struct {
		host string
		list []string
		want bool
	}{
		{"127.0.0.1:5000", nil, true}, {"localhost:5000", nil, true}, {"[::1]:5000", nil, true},
		{"registry.example:5000", nil, false}, {"registry.example:5000", []string{"registry.example:5000"}, true},
		{"10.1.2.3:5000", []string{"10.0.0.0/8"}, true}, {"192.168.1.1", []string{"10.0.0.0/8"}, false},
	}
	for _, c := range cases {
		if got := isInsecure(c.host, c.list); got != c.want {
			t.Errorf("isInsecure(%q, %v) = %v", c.host, c.list, got)
		}
	}
}

// FuzzParseReference: a reference that parses must print to a full name
// that parses back to itself, and so must its familiar form.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"busybox", "me/app:1", "localhost:5000/a@sha256:" + hex64, "UPPER", "a:b:c", "docker.io/library/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			return
		}
		full := FullName(ref)
		again, err := ParseReference(full)
		if err != nil || FullName(again) != full {
			t.Fatalf("%q → %q → %v, %v", s, full, again, err)
		}
		fam, err := ParseReference(Familiar(full))
		if err != nil || FullName(fam) != full {
			t.Fatalf("%q → familiar %q → %v, %v", s, Familiar(full), fam, err)
		}
	})
}

func nameInsecure() []name.Option { return []name.Option{name.Insecure} }

func TestPlainHTTPOnlyWhereAllowed(t *testing.T) {
	o := RemoteOptions{Insecure: []string{"10.0.0.0/8"}, Mirrors: []string{"http://mirror.lan:5000"}}
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "10.1.2.3:5000": true, "mirror.lan:5000": true,
		"192.168.1.10:5000": false, "registry.lan:5000": false,
	} {
		if got := o.allowHTTP(host); got != want {
			t.Errorf("allowHTTP(%q) = %v, want %v", host, got, want)
		}
	}
	// The transport refuses before any packet is sent.
	rt := Transport(loopbackOnly{}, o.allowHTTP)
	req, _ := http.NewRequest(http.MethodGet, "http://192.168.1.10:5000/v2/", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, ErrPlainHTTP) {
		t.Fatalf("plain HTTP to a private address: %v, want ErrPlainHTTP", err)
	}
}
