package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

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

// fieldIndexSuffix names the index IndexField adds, after the table's name
// and before the field's.
const fieldIndexSuffix = "_offsitebot_"

// IndexField indexes the top-level field of collection in database, for
// IDsWhere. The server never uses it (it filters in Go, after decoding every
// document), so it costs only its upkeep on writes.
func (s *Server) IndexField(ctx context.Context, database, collection, field string) error {
	return s.onTable(ctx, database, collection, "rw", func(db *sql.DB, table string) error {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->>%s)`, table+fieldIndexSuffix+field, table, jsonPath(field))
		_, err := db.ExecContext(ctx, q)
		return err
	})
}

// IDsWhere returns the string _ids of the documents of collection in database
// whose top-level field is the string value, in no order, from the index
// IndexField made: without decoding the documents, which the server's own
// filters do, every one of them whole.
func (s *Server) IDsWhere(ctx context.Context, database, collection, field, value string) ([]string, error) {
	return s.where(ctx, database, collection, field, value, "_ferretdb_sjson->>'$._id'", "")
}

// DocsWhere returns, in the order they were inserted, the documents of
// collection in database whose top-level field is the string value, found by
// the index IndexField made, as the server stores them: JSON beside a "$s"
// key holding its schema, dates as milliseconds since the epoch. One SQLite
// query, where a find through the server would decode every document of the
// collection.
func (s *Server) DocsWhere(ctx context.Context, database, collection, field, value string) ([][]byte, error) {
	rows, err := s.where(ctx, database, collection, field, value, "_ferretdb_sjson", " ORDER BY rowid")
	out := make([][]byte, len(rows))
	for i, r := range rows {
		out[i] = []byte(r)
	}
	return out, err
}

// where selects what of each document of collection whose field is value.
func (s *Server) where(ctx context.Context, database, collection, field, value, what, order string) ([]string, error) {
	var out []string
	err := s.onTable(ctx, database, collection, "ro", func(db *sql.DB, table string) error {
		q := fmt.Sprintf(`SELECT %s FROM %q WHERE _ferretdb_sjson->>%s = ?%s`, what, table, jsonPath(field), order)
		rows, err := db.QueryContext(ctx, q, value)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// onTable runs fn on the table of collection in database, opened in mode (ro,
// rw); a collection or database not made yet is not an error, and fn is not run.
func (s *Server) onTable(ctx context.Context, database, collection, mode string, fn func(db *sql.DB, table string) error) error {
	file := filepath.Join(s.dir, database+fileExt)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	uri := url.URL{Scheme: "file", Opaque: file, RawQuery: "mode=" + mode + "&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", uri.String())
	if err != nil {
		return fmt.Errorf("embedded: %s.%s: %w", database, collection, err)
	}
	defer db.Close()
	var table string
	err = db.QueryRowContext(ctx, fmt.Sprintf("SELECT table_name FROM %q WHERE name = ?", collectionTable), collection).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("embedded: %s.%s: %w", database, collection, err)
	}
	if err := fn(db, table); err != nil {
		return fmt.Errorf("embedded: %s.%s: %w", database, collection, err)
	}
	return nil
}

// jsonPath is the SQL string literal of the JSON path of a top-level field.
func jsonPath(field string) string {
	return "'$." + strings.ReplaceAll(field, "'", "''") + "'"
}
