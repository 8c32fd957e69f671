// Package storagetest gives tests a real, empty storage.DB of their own.
//
// By default all tests of a test binary share one embedded server (started on
// first use, data in a temporary directory) and each gets a freshly named
// database on it, so tests are isolated and may run in parallel. With
// OFFSITEBOT_TEST_MONGODB_URI set they use that MongoDB instead, with the same
// one-database-per-test isolation. Either way the database is dropped when the
// test ends.
//
// Call Main from TestMain to stop the shared server and remove its directory
// when the tests finish; without it, directories left by earlier runs are
// removed the next time a server is started.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/embedded"
)

// EnvURI names the variable that points the tests at a real MongoDB.
const EnvURI = "OFFSITEBOT_TEST_MONGODB_URI"

// dirPrefix names the shared server's temporary directories.
const dirPrefix = "offsitebot-storagetest-"

var shared struct {
	once   sync.Once
	server *embedded.Server
	err    error
}

// New returns a DB on a new, empty database, closed and dropped when t ends.
func New(t testing.TB) *storage.DB {
	t.Helper()
	return Open(t, storage.Config{})
}

// Open is New with the settings of cfg other than where the data lives (URI,
// Embedded and Database are set here), for example a Monitor.
func Open(t testing.TB, cfg storage.Config) *storage.DB {
	t.Helper()
	cfg.URI, cfg.Embedded = os.Getenv(EnvURI), nil
	if cfg.URI == "" {
		cfg.Embedded = sharedServer(t)
	}
	return open(t, cfg)
}

// open opens cfg on a new database, closed and dropped when t ends.
func open(t testing.TB, cfg storage.Config) *storage.DB {
	t.Helper()
	cfg.Database = "test_" + randomHex(8)
	ctx := context.Background()
	db, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("storagetest: %v", err)
		}
		if err := db.Close(ctx); err != nil {
			t.Errorf("storagetest: %v", err)
		}
	})
	return db
}

// OpenByURI is Open, but on the embedded server the DB reaches it by its URI
// as a program given a MongoDB URI would, so storage takes the ways it takes
// on MongoDB (and does not serialise its writes: see storage.Config.Embedded).
func OpenByURI(t testing.TB, cfg storage.Config) *storage.DB {
	t.Helper()
	cfg.URI, cfg.Embedded = os.Getenv(EnvURI), nil
	if cfg.URI == "" {
		cfg.URI = sharedServer(t).URI()
	}
	return open(t, cfg)
}

func sharedServer(t testing.TB) *embedded.Server {
	t.Helper()
	s, err := server()
	if err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	return s
}

// Server returns the shared embedded server, starting it on first use.
func server() (*embedded.Server, error) {
	shared.once.Do(func() {
		removeStale()
		dir, err := os.MkdirTemp("", dirPrefix)
		if err != nil {
			shared.err = err
			return
		}
		shared.server, shared.err = embedded.Start(dir, nil)
		if shared.err != nil {
			_ = os.RemoveAll(dir)
		}
	})
	return shared.server, shared.err
}

// Main runs the tests, then stops the shared server and removes its data:
//
//	func TestMain(m *testing.M) { storagetest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if s := shared.server; s != nil {
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "storagetest:", err)
		}
		if err := os.RemoveAll(s.Dir()); err != nil {
			fmt.Fprintln(os.Stderr, "storagetest:", err)
		}
	}
	os.Exit(code)
}

// removeStale removes the directories of shared servers whose test binaries
// ended without Main. One still in use is recognised by its lock, and a new
// one (possibly not locked yet) by its age.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		s, err := embedded.Start(dir, nil) // fails while its owner runs
		if err != nil {
			continue
		}
		_ = s.Close()
		if strings.HasPrefix(filepath.Base(dir), dirPrefix) {
			_ = os.RemoveAll(dir)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
