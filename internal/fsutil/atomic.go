package fsutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Option changes how an atomic write is made.
type Option func(*writeOptions)

type writeOptions struct {
	tempDir string
	durable bool
}

// TempDir makes the temporary file in dir instead of beside the target.
// dir must be on the target's filesystem (a rename cannot cross one). The
// image store keeps all its temporaries in one directory, so that what a
// crash leaves behind is found and swept in one place.
func TempDir(dir string) Option { return func(o *writeOptions) { o.tempDir = dir } }

// NoSync leaves out the two fsyncs (of the file and of its directory).
// Readers, and a crash of the writing process, still see the old content
// or the new, never a mix; after a power loss the file may hold the
// previous version. The default is to sync.
func NoSync() Option { return func(o *writeOptions) { o.durable = false } }

// WriteAtomic replaces path with what write writes, so that a reader, or
// a crash, sees either the old content or the new, never a mix:
//
//	create a temporary file → write → chmod perm → fsync → rename over path → fsync the directory
//
// If write (or any step) fails, the temporary file is removed and path
// is left as it was. An error of write's own is returned as it is: it
// says best what was wrong.
//
// Shell equivalent: cat > path.tmp && sync path.tmp && mv path.tmp path
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error, opts ...Option) error {
	o := writeOptions{tempDir: filepath.Dir(path), durable: true}
	for _, opt := range opts {
		opt(&o)
	}
	f, err := os.CreateTemp(o.tempDir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	err = f.Chmod(perm)
	if err == nil && o.durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if !o.durable {
		return nil
	}
	return SyncDir(filepath.Dir(path))
}

// WriteFileAtomic replaces path with data, as WriteAtomic does.
//
// On a full filesystem (ENOSPC, EDQUOT) the temporary file cannot be
// written, and a record that cannot be rewritten is worse than one
// rewritten in place: a container that filled the disk would stay
// "running" forever, its address allocated. So when path exists and
// data fits in the blocks it already has, path is overwritten in place
// (pwrite, ftruncate, fsync), which needs no free block. That one path
// is not atomic: a crash in the middle of it can leave a torn file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode, opts ...Option) error {
	err := WriteAtomic(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, opts...)
	if errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT) {
		if overwriteInPlace(path, data) == nil {
			return nil
		}
	}
	return err
}

// overwriteInPlace writes data over path's existing blocks, when they
// hold it, and cuts the file to its length.
func overwriteInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return err
	}
	if int64(len(data)) > st.Blocks*512 {
		return unix.ENOSPC
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	if err := f.Truncate(int64(len(data))); err != nil {
		return err
	}
	return f.Sync()
}

// ReplaceFile is WriteFileAtomic without the fsyncs (NoSync). For state
// that is rewritten often and whose first version was written with
// WriteFileAtomic (a container's record as it moves through its steps),
// that is enough, and it saves two disk flushes per write.
func ReplaceFile(path string, data []byte, perm os.FileMode) error {
	return WriteFileAtomic(path, data, perm, NoSync())
}

// SyncDir fsyncs a directory, so that the names just created in it, or
// renamed into it, survive a power loss.
//
// Shell equivalent: sync DIR
func SyncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	if err := unix.Fsync(fd); err != nil {
		return &os.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}
