package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// serve runs the chat adapters, the HTTP endpoints and the reminders until ctx ends.
func (w *app) serve(ctx context.Context) error {
	return errors.New("chat adapters are not wired yet")
}

func (w *app) reminders(ctx context.Context, words []string, out io.Writer) error {
	return fmt.Errorf("reminders are not wired yet")
}
