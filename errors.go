package offsitebot

import (
	"errors"
	"fmt"
)

// Error codes, kept few so every layer can map them to a reply.
const (
	EInvalid   = "invalid"   // the input was wrong; Message says how to fix it
	ENotFound  = "not_found" // unknown, or not visible to this person (same answer, no leak)
	EForbidden = "forbidden" // visible, but this person may not do it
	EConflict  = "conflict"  // someone else changed it first, or it already exists
	EInternal  = "internal"  // our fault; Message is generic
)

// Error is an error whose Message is safe to show the person who caused it.
// Message states the facts; Next, if set, is what the person can do about it,
// which the conversations package words as a command (the core names none).
type Error struct {
	Code    string
	Message string
	Next    string // one of the Next… values, or ""
}

// What a person can do about an error, for Error.Next.
const (
	NextSeeRole   = "see role"   // see what their role may do, or ask an admin
	NextListCases = "list cases" // list the cases they can see
	NextShowCase  = "show case"  // look at the case the error is about
)

func (e *Error) Error() string { return fmt.Sprintf("offsitebot %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-safe message of err; internal errors get a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Sorry, something went wrong on our side. Please try again in a minute; nothing you typed has been lost."
}

// ErrorNext returns what the person can do about err (a Next… value), or "".
func ErrorNext(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Next
	}
	return ""
}
