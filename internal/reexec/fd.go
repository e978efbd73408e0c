package reexec

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// SendFile passes an open file to the other side (SCM_RIGHTS): the
// receiver gets its own descriptor for the same open file. This is how a
// container's init hands its terminal's master side to vitro, as runc's
// console socket does. Send it only when the other side is about to call
// ReceiveFile, with nothing else in flight, since ReceiveFile reads the
// socket directly, beside the line reader.
func (p *Pipe) SendFile(f *os.File) error {
	rights := unix.UnixRights(int(f.Fd()))
	if err := unix.Sendmsg(int(p.f.Fd()), []byte{'F'}, rights, nil, 0); err != nil {
		return fmt.Errorf("sendmsg SCM_RIGHTS: %w", err)
	}
	return nil
}

// ReceiveFile receives a file sent with SendFile.
func (p *Pipe) ReceiveFile(name string) (*os.File, error) {
	if p.r.Buffered() > 0 {
		return nil, fmt.Errorf("receive file: %d unread bytes before the file message", p.r.Buffered())
	}
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(p.f.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("recvmsg: %w", err)
	}
	if n == 0 {
		return nil, ErrClosed
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive file: no control message (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive file: no descriptor (%v)", err)
	}
	return os.NewFile(uintptr(fds[0]), name), nil
}
