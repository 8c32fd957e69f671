package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the server's own SQLite driver
)

// The server keeps each database in <dir>/<name>.sqlite, one table per
// collection, listed with its name in this table (see FerretDB's
// internal/backends/sqlite/metadata).
const (
	fileExt         = ".sqlite"
	collectionTable = "_ferretdb_collections"
)

// idIndexSuffix names the index IndexIDs adds to each table, after its name.
const idIndexSuffix = "_offsitebot__id"

// IndexIDs makes reads, updates and deletes by _id index lookups in every
// collection of database name that exists now; call it again when a
// collection is added. The server asks SQLite for _ferretdb_sjson->'$._id',
// while its own unique index is on _ferretdb_sjson->"_id", an expression
// SQLite does not see as the same, so without this every one of them scans
// the whole table. Creating an index that exists is a no-op.
func (s *Server) IndexIDs(ctx context.Context, database string) error {
	file := filepath.Join(s.dir, database+fileExt)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return nil // no collection yet
	}
	// As the server opens it, but never creating the file.
	uri := url.URL{Scheme: "file", Opaque: file, RawQuery: "mode=rw&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", uri.String())
	if err != nil {
		return fmt.Errorf("embedded: index _id in %s: %w", database, err)
	}
	defer db.Close()
	tables, err := tableNames(ctx, db)
	if err != nil {
		return fmt.Errorf("embedded: index _id in %s: %w", database, err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+idIndexSuffix, t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("embedded: index _id in %s: %w", database, err)
		}
	}
	return nil
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT table_name FROM %q", collectionTable))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
