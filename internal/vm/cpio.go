package vm

import (
	"fmt"
	"io"
	"strings"
)

// The kernel unpacks an initramfs in the "new ASCII" cpio format (newc,
// magic 070701): each entry is a 110-byte header of hex fields, the name
// with a NUL, padding to 4 bytes, the data, padding to 4 bytes. A final
// entry named TRAILER!!! ends the archive. (Documentation/driver-api/
// early-userspace/buffer-format.rst in the kernel tree.)
//
//	magic  ino    mode   uid    gid    nlink  mtime  filesize
//	070701 8 hex  8 hex  8 hex  8 hex  8 hex  8 hex  8 hex
//	devmajor devminor rdevmajor rdevminor namesize check
//	8 hex    8 hex    8 hex     8 hex     8 hex    8 hex
const (
	cpioMagic   = "070701"
	cpioTrailer = "TRAILER!!!"

	// File type bits of st_mode, as the kernel's cpio parser reads them.
	modeDir  = 0o040000
	modeFile = 0o100000
	modeLink = 0o120000
	modeChar = 0o020000
)

// CpioWriter writes a newc cpio archive. Names are relative to the root of
// the archive ("bin/busybox", not "/bin/busybox"); a parent directory must
// be written before what it holds, as the kernel creates entries in order.
// All entries are owned by root and dated at the epoch, so the same inputs
// give the same bytes.
type CpioWriter struct {
	w   io.Writer
	ino uint32
	n   int64 // bytes written, for padding
	err error
}

// NewCpioWriter returns a writer that writes an archive to w. Call Close
// to write the trailer.
func NewCpioWriter(w io.Writer) *CpioWriter { return &CpioWriter{w: w} }

// Dir adds a directory with permission bits perm (e.g. 0o755).
func (c *CpioWriter) Dir(name string, perm uint32) error {
	return c.entry(name, modeDir|perm&0o7777, 0, 0, 0, nil)
}

// File adds a regular file of size bytes read from r.
func (c *CpioWriter) File(name string, perm uint32, size int64, r io.Reader) error {
	return c.entry(name, modeFile|perm&0o7777, size, 0, 0, r)
}

// Symlink adds a symbolic link name → target.
func (c *CpioWriter) Symlink(name, target string) error {
	return c.entry(name, modeLink|0o777, int64(len(target)), 0, 0, strings.NewReader(target))
}

// CharDev adds a character device node. The kernel needs /dev/console in
// the initramfs to give /init its stdin, stdout and stderr before any
// devtmpfs is mounted. Writing the node into the archive needs no
// privilege on the host.
func (c *CpioWriter) CharDev(name string, perm uint32, major, minor uint32) error {
	return c.entry(name, modeChar|perm&0o7777, 0, major, minor, nil)
}

// Close writes the trailer. It does not close the underlying writer.
func (c *CpioWriter) Close() error {
	c.ino = 0
	return c.entry(cpioTrailer, 0, 0, 0, 0, nil)
}

func (c *CpioWriter) entry(name string, mode uint32, size int64, rmajor, rminor uint32, r io.Reader) error {
	if c.err != nil {
		return c.err
	}
	name = strings.TrimPrefix(name, "/")
	if name == "" || strings.Contains(name, "\x00") {
		return fmt.Errorf("cpio: bad entry name %q", name)
	}
	if size < 0 || size > 0xffffffff {
		return fmt.Errorf("cpio: %s: size %d does not fit newc's 32-bit field", name, size)
	}
	nlink := uint32(1)
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	if name != cpioTrailer {
		c.ino++
	}
	hdr := fmt.Sprintf("%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		cpioMagic, c.ino, mode, 0, 0, nlink, 0, size, 0, 0, rmajor, rminor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name + "\x00"))
	c.pad()
	if r != nil && size > 0 {
		n, err := io.CopyN(c.w, r, size)
		c.n += n
		if err != nil && c.err == nil {
			c.err = fmt.Errorf("cpio: %s: copying %d bytes: %w", name, size, err)
		}
		c.pad()
	}
	return c.err
}

func (c *CpioWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func (c *CpioWriter) pad() {
	if rem := c.n % 4; rem != 0 {
		c.write(make([]byte, 4-rem))
	}
}
