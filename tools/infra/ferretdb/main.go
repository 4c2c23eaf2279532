// Command tessera-ferretdb runs an embedded FerretDB v1 (SQLite backend) as a
// local, MongoDB wire-compatible store for Tessera development and tests.
//
// It wraps the embeddable package github.com/FerretDB/FerretDB/ferretdb instead
// of FerretDB's own cmd (which expects generated build files that are absent
// from the published module). The embeddable package never starts the telemetry
// reporter and explicitly disables and locks telemetry in its state.
//
// Usage:
//
//	tessera-ferretdb -listen 127.0.0.1:27017 -sqlite-dir /path/to/dir
//
// Flags fall back to the environment variables TESSERA_FERRETDB_LISTEN,
// TESSERA_FERRETDB_SQLITE_DIR and TESSERA_FERRETDB_LOG_LEVEL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	listen := flag.String("listen", envOr("TESSERA_FERRETDB_LISTEN", "127.0.0.1:27017"), "TCP listen address")
	sqliteDir := flag.String("sqlite-dir", envOr("TESSERA_FERRETDB_SQLITE_DIR", "ferretdb-data"), "directory for SQLite database files")
	logLevel := flag.String("log-level", envOr("TESSERA_FERRETDB_LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	// synchronous(normal): in WAL mode a commit is durable against a crash of the process, and
	// the WAL is synced at checkpoints, not at every commit; that is MongoDB's default durability
	// (w:1 without j:true: journal synced every 100 ms), where FULL would fsync every write.
	// cache_size: 32 MiB of page cache per connection (SQLite's default is 2 MiB), so inserting
	// into the index of a large collection does not read its pages back from the file each time.
	pragmas := flag.String("sqlite-pragmas", envOr("TESSERA_FERRETDB_SQLITE_PRAGMAS", "synchronous(normal),cache_size(-32768)"),
		"comma-separated SQLite pragmas added to FerretDB's defaults (busy_timeout, journal_mode(wal))")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "invalid -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	// FerretDB's own logger honours -log-level (at "warn" it dumps every non-ok response,
	// e.g. for each driver's endSessions on close, so infra.sh defaults to "error");
	// lifecycle messages of this wrapper are always logged.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)
	life := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("name", "tessera-ferretdb")

	if err := run(logger, life, *listen, *sqliteDir, *pragmas); err != nil {
		life.Error("tessera-ferretdb failed", "error", err)
		os.Exit(1)
	}
}

func run(logger, life *slog.Logger, listen, sqliteDir, pragmas string) error {
	dir, err := filepath.Abs(sqliteDir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	query := url.Values{}
	for _, pragma := range strings.Split(pragmas, ",") {
		if pragma = strings.TrimSpace(pragma); pragma != "" {
			query.Add("_pragma", pragma)
		}
	}
	sqliteURL := (&url.URL{Scheme: "file", Path: dir, RawQuery: query.Encode()}).String()

	// SIGTERM / SIGINT cancel the context; Run then closes the listener,
	// all client connections and the SQLite backend before returning.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	life.Info("started", "listen", listen, "sqlite", sqliteURL, "pid", os.Getpid())

	select {
	case err = <-done:
		if err == nil {
			err = errors.New("FerretDB stopped unexpectedly")
		}
		return err
	case <-ctx.Done():
	}

	life.Info("shutdown signal received, stopping FerretDB")
	stop() // a second signal now uses the default action (terminate immediately)

	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		err = errors.New("timed out waiting for FerretDB to stop")
	}
	if err == nil {
		life.Info("stopped")
	}
	return err
}
