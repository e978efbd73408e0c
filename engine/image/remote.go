package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/vitro-dev/vitro/internal/config"
	"github.com/vitro-dev/vitro/internal/trace"
)

// RemoteOptions say how to reach registries.
type RemoteOptions struct {
	// Mirrors are tried, in order, before Docker Hub for docker.io images
	// (the config's registry-mirrors, URLs such as http://127.0.0.1:5000).
	Mirrors []string
	// Insecure registries may be reached over plain HTTP (the config's
	// insecure-registries). Loopback registries always may.
	Insecure []string
	// Platform picks one image from a manifest list. Default: this host's
	// (linux/GOARCH).
	Platform *v1.Platform
	// Transport under the tracing one. Default: http.DefaultTransport.
	Transport http.RoundTripper
}

// RemoteFromConfig takes mirrors and insecure registries from the config.
func RemoteFromConfig(c *config.Config) RemoteOptions {
	return RemoteOptions{Mirrors: c.RegistryMirrors, Insecure: c.InsecureRegistries}
}

// HostPlatform is the platform pulls pick by default.
func HostPlatform() v1.Platform {
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// ParsePlatform parses --platform: os/arch[/variant].
func ParsePlatform(s string) (*v1.Platform, error) {
	p, err := v1.ParsePlatform(s)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return nil, fmt.Errorf("--platform %q: want os/arch[/variant], such as linux/amd64 or linux/arm64/v8", s)
	}
	return p, nil
}

// parseRemote parses a reference for network use: plain HTTP allowed for
// loopback and insecure registries.
func (o RemoteOptions) parseRemote(s string) (name.Reference, error) {
	ref, err := ParseReference(s)
	if err != nil {
		return nil, err
	}
	if isInsecure(ref.Context().RegistryStr(), o.Insecure) {
		return ParseReference(s, name.Insecure)
	}
	return ref, nil
}

func (o RemoteOptions) remoteOpts(ctx context.Context) []remote.Option {
	p := HostPlatform()
	if o.Platform != nil {
		p = *o.Platform
	}
	return []remote.Option{remote.WithContext(ctx), remote.WithTransport(Transport(o.Transport, o.allowHTTP)),
		remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithPlatform(p)}
}

// allowHTTP says whether host may be reached over plain HTTP: loopback,
// insecure-registries, and mirrors given with an http:// URL.
func (o RemoteOptions) allowHTTP(host string) bool {
	if isInsecure(host, o.Insecure) {
		return true
	}
	for _, m := range o.Mirrors {
		if u, err := url.Parse(m); err == nil && u.Scheme == "http" && u.Host == host {
			return true
		}
	}
	return false
}

// candidates lists where to fetch ref from: mirrors first (for Docker Hub
// images only, as docker does), then the registry the name says.
func (o RemoteOptions) candidates(ref name.Reference) []name.Reference {
	var out []name.Reference
	if ref.Context().RegistryStr() == hubRegistry {
		for _, m := range o.Mirrors {
			u, err := url.Parse(m)
			if err != nil || u.Host == "" {
				continue
			}
			opts := []name.Option{}
			if u.Scheme == "http" || isInsecure(u.Host, o.Insecure) {
				opts = append(opts, name.Insecure)
			}
			s := u.Host + "/" + ref.Context().RepositoryStr()
			if d, ok := ref.(name.Digest); ok {
				s += "@" + d.DigestStr()
			} else {
				s += ":" + ref.Identifier()
			}
			if r, err := name.ParseReference(s, opts...); err == nil {
				out = append(out, r)
			}
		}
	}
	return append(out, ref)
}

// Fetch resolves ref at a registry (mirrors first) and returns the image
// for the chosen platform, without storing it.
func (o RemoteOptions) Fetch(ctx context.Context, refStr string) (v1.Image, name.Reference, error) {
	ref, err := o.parseRemote(refStr)
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, c := range o.candidates(ref) {
		trace.Action("resolve", trace.Str("ref", c.String()), trace.Str("registry", c.Context().Registry.Scheme()+"://"+c.Context().RegistryStr()))
		desc, err := remote.Get(c, o.remoteOpts(ctx)...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Context().RegistryStr(), err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		trace.Action("manifest", trace.Str("ref", c.String()), trace.Str("mediaType", string(desc.MediaType)), trace.Str("digest", desc.Digest.String()))
		img, err := desc.Image()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c, err)
		}
		if err := o.checkPlatform(img); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c, err)
		}
		return img, ref, nil
	}
	return nil, nil, fmt.Errorf("pulling %s: %w", refStr, errors.Join(errs...))
}

// Pull fetches ref and stores it, reporting each layer to p.
func (s *Store) Pull(ctx context.Context, refStr string, o RemoteOptions, p Progress) (*Image, error) {
	img, ref, err := o.Fetch(ctx, refStr)
	if err != nil {
		return nil, err
	}
	im, err := s.Put(ctx, img, []string{FullName(ref)}, p)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", refStr, err)
	}
	return im, nil
}

// Push sends the local image ref names to its registry (or, with dst, to
// another name). progress, when not nil, receives the bytes uploaded so
// far and the total, as go-containerregistry reports them.
func (s *Store) Push(ctx context.Context, refStr, dst string, o RemoteOptions, progress ...func(done, total int64)) (string, error) {
	if dst == "" {
		dst = refStr
	}
	im, err := s.Get(refStr)
	if err != nil {
		return "", err
	}
	img, err := s.V1Image(im)
	if err != nil {
		return "", err
	}
	ref, err := o.parseRemote(dst)
	if err != nil {
		return "", err
	}
	opts := o.remoteOpts(ctx)
	var wait chan struct{}
	if len(progress) > 0 && progress[0] != nil {
		updates := make(chan v1.Update, 16)
		wait = make(chan struct{})
		go func() {
			defer close(wait)
			for u := range updates {
				progress[0](u.Complete, u.Total)
			}
		}()
		opts = append(opts, remote.WithProgress(updates))
	}
	err = remote.Write(ref, img, opts...)
	if wait != nil && err == nil {
		<-wait // remote.Write closes the channel when it returns (on early errors it may not)
	}
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	return im.Digest, nil
}

// Search lists a registry's repositories whose name contains term, with
// their tags (the registry's /v2/_catalog and /v2/<name>/tags/list).
func Search(ctx context.Context, registry, term string, limit int, o RemoteOptions) ([]SearchResult, error) {
	opts := []name.Option{}
	if isInsecure(registry, o.Insecure) {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(registry, opts...)
	if err != nil {
		return nil, fmt.Errorf("registry %q: %w", registry, err)
	}
	if reg.RegistryStr() == hubRegistry {
		return nil, fmt.Errorf("docker hub has no /v2/_catalog; search it on the web, or give --registry HOST:PORT of a registry v2 server (vitro registry serve)")
	}
	ro := o.remoteOpts(ctx)
	repos, err := remote.Catalog(ctx, reg, ro...)
	if err != nil {
		return nil, fmt.Errorf("listing the catalog of %s: %w", registry, err)
	}
	var out []SearchResult
	for _, r := range repos {
		if !strings.Contains(r, term) {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		res := SearchResult{Name: registry + "/" + r}
		if repo, err := name.NewRepository(registry+"/"+r, opts...); err == nil {
			res.Tags, _ = remote.List(repo, ro...)
		}
		out = append(out, res)
	}
	return out, nil
}

// SearchResult is one repository found by Search.
type SearchResult struct {
	Name string
	Tags []string
}

// checkPlatform refuses a single-platform image that does not match an
// explicit --platform (a manifest list was already resolved by it).
func (o RemoteOptions) checkPlatform(img v1.Image) error {
	if o.Platform == nil {
		return nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	got := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
	if !got.Satisfies(*o.Platform) {
		return fmt.Errorf("the image's platform (%s) does not match the requested platform (%s)", got.String(), o.Platform.String())
	}
	return nil
}
