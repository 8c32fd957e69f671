//go:build unix

package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile is the name of the lock file in the data directory.
const lockFile = "offsitebot.lock"

// lockDir takes a non-blocking exclusive flock on dir's lock file. The kernel
// releases it when the file is closed or the process dies, so a crash leaves
// no stale lock behind. unlock closes the file.
func lockDir(dir string) (unlock func() error, err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded: lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("embedded: another offsitebot is using %s (stop it, or set a different data_dir)", dir)
		}
		return nil, fmt.Errorf("embedded: lock data dir: %w", err)
	}
	return f.Close, nil
}
