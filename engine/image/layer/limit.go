package layer

import (
	"errors"
	"fmt"
	"io"

	units "github.com/docker/go-units"
)

// DefaultMaxSize bounds one layer when Options.MaxSize is 0: 8 GiB. The
// biggest layers of images in real use (CUDA and machine-learning
// toolchains) are a few GiB unpacked; most are megabytes. A layer that
// claims more is far likelier a mistake or an attack — a 2 MB blob holding
// a 1 TB sparse file, an 11 MB gzip that inflates to 10 GiB — than an
// image anyone needs, and a teaching machine's disk is small. Raise it
// with max-layer-size in config.json.
const DefaultMaxSize int64 = 8 << 30

// Errors a caller can test with errors.Is.
var (
	// ErrTooLarge: the layer unpacks to more than Options.MaxSize.
	ErrTooLarge = errors.New("layer too large")
	// ErrNoSpace: unpacking would leave the filesystem (nearly) full.
	ErrNoSpace = errors.New("not enough free space")
)

// maxSize is the bound o sets: MaxSize, DefaultMaxSize for 0, none for
// a negative value.
func (o Options) maxSize() int64 {
	switch {
	case o.MaxSize == 0:
		return DefaultMaxSize
	case o.MaxSize < 0:
		return -1
	}
	return o.MaxSize
}

// tooLarge is the error for a layer past max; what says what crossed it.
func tooLarge(max int64, what string) error {
	return fmt.Errorf("%w: %s, over the limit of %s (max-layer-size in config.json; default %s)",
		ErrTooLarge, what, units.BytesSize(float64(max)), units.BytesSize(float64(DefaultMaxSize)))
}

// limitReader fails with ErrTooLarge once more than max bytes were read
// (a plain io.LimitReader would end quietly and let a truncated layer
// through as a short one).
type limitReader struct {
	r   io.Reader
	max int64
	n   int64
}

// LimitStream bounds an uncompressed layer stream to max bytes (no bound
// when max < 0): reading past it fails with ErrTooLarge. Apply bounds the
// decompressed stream with it, so a gzip bomb stops after max bytes of
// inflating, whatever the tar inside says.
func LimitStream(r io.Reader, max int64) io.Reader {
	if max < 0 {
		return r
	}
	return &limitReader{r: r, max: max}
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.max {
		// One byte more tells a stream of exactly max bytes from a longer one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, tooLarge(l.max, "the uncompressed layer is larger")
		}
		return 0, err
	}
	if int64(len(p)) > l.max-l.n {
		p = p[:l.max-l.n]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}
