package image

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Docker Hub's names: what a user types, what the registry is called, and
// what go-containerregistry calls it.
const (
	hubDomain   = "docker.io"
	hubRegistry = name.DefaultRegistry // "index.docker.io"
)

// pathComponent is one component of a repository path, from the
// distribution reference grammar.
var pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// ParseReference parses an image reference with Docker Hub's defaults:
// "busybox" is docker.io/library/busybox:latest, "me/app" is
// docker.io/me/app:latest. A host with a dot, a colon or "localhost" names
// another registry. A digest ("@sha256:...") pins the exact manifest.
func ParseReference(s string, opts ...name.Option) (name.Reference, error) {
	if s == "" {
		return nil, fmt.Errorf("empty image reference: want NAME[:TAG|@DIGEST], such as busybox:latest")
	}
	ref, err := name.ParseReference(s, opts...)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w (want NAME[:TAG|@DIGEST], lower-case, such as busybox:latest)", s, err)
	}
	// go-containerregistry checks the characters; docker's grammar also
	// wants every path component to start and end with a letter or digit.
	for _, c := range strings.Split(ref.Context().RepositoryStr(), "/") {
		if !pathComponent.MatchString(c) {
			return nil, fmt.Errorf("image reference %q: path component %q: want lower-case letters and digits, separated by '.', '_', '__' or '-'", s, c)
		}
	}
	return ref, nil
}

// FullName is the reference as vitro stores it: docker.io/library/busybox:latest
// or docker.io/library/busybox@sha256:....
func FullName(ref name.Reference) string {
	repo := RepoName(ref.Context())
	if d, ok := ref.(name.Digest); ok {
		return repo + "@" + d.DigestStr()
	}
	return repo + ":" + ref.Identifier()
}

// RepoName is the repository with docker's domain: docker.io/library/busybox.
func RepoName(r name.Repository) string {
	reg := r.RegistryStr()
	if reg == hubRegistry {
		reg = hubDomain
	}
	return reg + "/" + r.RepositoryStr()
}

// Familiar shortens a full name the way docker prints it: docker.io/library/
// and docker.io/ are dropped.
func Familiar(full string) string {
	if s, ok := strings.CutPrefix(full, hubDomain+"/library/"); ok && !strings.Contains(strings.SplitN(s, ":", 2)[0], "/") {
		return s
	}
	if s, ok := strings.CutPrefix(full, hubDomain+"/"); ok {
		return s
	}
	return full
}

// SplitName splits a stored full name into repository and tag (or digest).
func SplitName(full string) (repo, tag, digest string) {
	if i := strings.Index(full, "@"); i >= 0 {
		return full[:i], "", full[i+1:]
	}
	if i := strings.LastIndex(full, ":"); i > strings.LastIndex(full, "/") {
		return full[:i], full[i+1:], ""
	}
	return full, "", ""
}

// parseDigest checks a "sha256:<64 hex>" digest and returns its hex.
func parseDigest(d string) (string, error) {
	hex, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", fmt.Errorf("digest %q: want sha256: and 64 lower-case hex digits", d)
	}
	return hex, nil
}

// ShortID is the 12-digit image ID docker prints.
func ShortID(digest string) string {
	hex := strings.TrimPrefix(digest, "sha256:")
	if len(hex) > 12 {
		return hex[:12]
	}
	return hex
}

// isLoopback reports whether a registry host[:port] is this machine.
func isLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// isInsecure reports whether plain HTTP is allowed for host: loopback
// always, otherwise only when insecure-registries lists it (host[:port],
// or a CIDR that holds the host's literal IP; names are not resolved).
func isInsecure(host string, insecure []string) bool {
	if isLoopback(host) {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	for _, r := range insecure {
		if r == host || r == h {
			return true
		}
		if _, n, err := net.ParseCIDR(r); err == nil && ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}
