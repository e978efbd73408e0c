//go:build !linux

package layer

import (
	"context"
	"errors"
	"io"
)

// Options change what Unpack accepts.
type Options struct {
	AllowDevices bool
	MaxSize      int64
}

// Result counts what Unpack made.
type Result struct {
	Files, Dirs, Symlinks, Hardlinks, Whiteouts, Opaques int
	Bytes, Written                                       int64
}

// Unpack needs Linux: overlay whiteouts are Linux device nodes and xattrs.
func Unpack(context.Context, io.Reader, string, Options) (Result, error) {
	return Result{}, errors.New("unpacking layers needs Linux")
}
