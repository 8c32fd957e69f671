//go:build !unix

package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

const lockFile = "offsitebot.lock"

// lockDir on systems without flock only creates the lock file exclusively;
// a crash leaves it behind and it must then be removed by hand.
func lockDir(dir string) (unlock func() error, err error) {
	name := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if os.IsExist(err) {
		return nil, fmt.Errorf("embedded: another offsitebot is using %s (if none is running, remove %s)", dir, name)
	} else if err != nil {
		return nil, fmt.Errorf("embedded: lock data dir: %w", err)
	}
	return func() error { return errors.Join(f.Close(), os.Remove(name)) }, nil
}
