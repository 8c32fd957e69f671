package offsitebot

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// Crockford base32 without I, L, O, U: readable aloud and hard to mistype.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewRef returns a random case reference such as "OSD-7K2Q".
func NewRef() string {
	b := make([]byte, 4)
	for i := range b {
		b[i] = crockford[randInt(len(crockford))]
	}
	return "OSD-" + string(b)
}

// ParseRef normalises a case reference typed by a person: case-insensitive,
// "OSD-" optional, O read as 0 and I or L as 1. ok is false if s cannot be one.
func ParseRef(s string) (ref string, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	body, found := strings.CutPrefix(s, "OSD-")
	if !found {
		if body, found = strings.CutPrefix(s, "OSD"); !found {
			return "", false
		}
	}
	if len(body) < 4 || len(body) > 6 {
		return "", false
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if strings.IndexByte(crockford, c) < 0 {
			return "", false
		}
		out = append(out, c)
	}
	return "OSD-" + string(out), true
}

// refLike is what a person typing a case reference writes, right or wrong.
var refLike = regexp.MustCompile(`(?i)^OSD-?[0-9A-Z]{1,10}$`)

// MistypedRef reports whether s was meant as a case reference but can't be
// one ("OSD-7K2", "osd-7kuq").
func MistypedRef(s string) bool {
	_, ok := ParseRef(s)
	return !ok && refLike.MatchString(strings.TrimSpace(s))
}

// BadRef is the answer for s given where a case reference is wanted but
// not one: it names what was typed and what references look like.
func BadRef(s string) *Error {
	s = strings.TrimSpace(s)
	if !refLike.MatchString(s) {
		s = fmt.Sprintf("%q", s)
	}
	return &Error{Code: ENotFound, Message: "I can't find a case " + s + ". Case references look like OSD-7K2Q: OSD- and then 4 to 6 letters and digits.", Next: NextListCases}
}

// base62 join codes: 12 characters carry about 71 bits.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewJoinCode returns a random one-time code of at least 64 bits.
func NewJoinCode() string {
	b := make([]byte, 12)
	for i := range b {
		b[i] = base62[randInt(len(base62))]
	}
	return string(b)
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return int(v.Int64())
}
