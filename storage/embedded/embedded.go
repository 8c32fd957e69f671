// Package embedded runs offsitebot's default database in-process: a
// MongoDB-wire server (FerretDB with its SQLite backend) on a loopback port,
// its data in one directory. Only the program and tests import it, so only
// they link FerretDB; storage reaches it by its URI like any server (see
// storage.Config.Embedded).
package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is the running server. It holds a lock on its directory.
type Server struct {
	dir    string
	uri    string
	unlock func() error
	cancel context.CancelFunc
	done   chan struct{}

	// writes serialises the updates of every storage.DB using this server,
	// which does not make one atomic (see storage.Embedded).
	writes sync.Mutex

	closeOnce sync.Once
}

// newServer serialises ferretdb.New, which sets FerretDB's own global version
// info: two servers started at once in one process (parallel tests) race on it.
var newServer sync.Mutex

// Start starts a server on dir (created if missing). It fails if another
// process, or another Server in this one, is using dir: two servers on one
// directory corrupt each other's view of the data. logger gets the server's
// errors, never its dumps of wire messages (which hold names).
func Start(dir string, logger *slog.Logger) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded: data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("embedded: data dir: %w", err)
	}
	unlock, err := lockDir(abs)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	newServer.Lock() // ferretdb.New writes a package variable of FerretDB's
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: abs + "/"}).String(),
		Logger:    slog.New(serverLog{logger.Handler().WithAttrs([]slog.Attr{slog.String("component", "ferretdb")})}),
	})
	newServer.Unlock()
	if err != nil {
		_ = unlock()
		return nil, fmt.Errorf("embedded: start server: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{dir: abs, unlock: unlock, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx) // returns only when ctx is cancelled, always nil
	}()
	s.uri = f.MongoDBURI() // the listener is bound in New, so this does not block
	return s, nil
}

// URI is the server's MongoDB URI (loopback).
func (s *Server) URI() string { return s.uri }

// Dir is the data directory.
func (s *Server) Dir() string { return s.dir }

// Lock and Unlock serialise the updates of every storage.DB using the server.
func (s *Server) Lock()   { s.writes.Lock() }
func (s *Server) Unlock() { s.writes.Unlock() }

// Close stops the server, waits for it to finish writing and releases the
// directory. Disconnect clients first, or their connections are cut.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.cancel()
		<-s.done
		err = s.unlock()
	})
	if err != nil {
		return fmt.Errorf("embedded: release data dir lock: %w", err)
	}
	return nil
}

// serverLog passes on only the embedded server's errors, and never its dumps
// of wire messages: it logs every failed command (including the expected
// duplicate keys of claims) with the documents in it, which hold names.
type serverLog struct{ h slog.Handler }

func (l serverLog) Enabled(ctx context.Context, lvl slog.Level) bool {
	return lvl >= slog.LevelError && l.h.Enabled(ctx, lvl)
}

func (l serverLog) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "message:\n") || strings.Contains(r.Message, "header:") {
		return nil
	}
	return l.h.Handle(ctx, r)
}

func (l serverLog) WithAttrs(as []slog.Attr) slog.Handler { return serverLog{l.h.WithAttrs(as)} }
func (l serverLog) WithGroup(name string) slog.Handler    { return serverLog{l.h.WithGroup(name)} }
