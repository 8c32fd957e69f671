package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/offsitebot/offsitebot/storage/seed"
)

// seed is `offsitebot seed --cases N --active N --weeks N`: the configured
// database filled with demo cases, for trying the bot, and its speed, with
// cases of real size. It refuses a database that holds real cases.
func (w *app) seed(ctx context.Context, words []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := seed.Options{Now: w.now(), Calendar: w.cal}
	fs.IntVar(&o.Cases, "cases", 1000, "cases in all")
	fs.IntVar(&o.Active, "active", 200, "of which active")
	fs.IntVar(&o.Weeks, "weeks", 13, "weeks of records in each")
	if err := fs.Parse(words); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("seed: %v: offsitebot seed [--cases 1000] [--active 200] [--weeks 13]", orArgs(err, fs.Args()))
	}
	f, err := seed.Fill(ctx, w.db, o)
	if err != nil {
		return err
	}
	schools := fmt.Sprintf("%d demo home schools", len(f.Schools)/2)
	if len(f.Schools)/2 == 1 {
		schools = "1 demo home school"
	}
	_, err = fmt.Fprintf(out, "Added %d demo cases (%d active, %d weeks of records each) at %s.\n"+
		"In the shell you are staff at the first (%s); try `cases` and `due`, or `/as la` for every case.\n",
		len(f.Cases), o.Active, o.Weeks, schools, seed.HomeURN)
	return err
}

func orArgs(err error, rest []string) any {
	if err != nil {
		return err
	}
	return fmt.Sprintf("unexpected %q", rest)
}
