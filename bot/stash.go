package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// ClaimStore keeps documents claimed once under a key; *storage.DB is one.
type ClaimStore interface {
	Claim(ctx context.Context, collection, key string, fields map[string]any) (bool, error)
	Claimed(ctx context.Context, collection, key, field string) (string, bool, error)
}

// Stash keeps button data too long for a platform (Telegram's 64 bytes of
// callback data, Slack's 2,000 characters of a button value) in the database
// under a short key, so the button carries the key instead. The key is bound
// to the owner the button was shown to (a chat, a user): pressed by anyone
// else it stands for nothing.
type Stash struct {
	Store      ClaimStore
	Collection string
	Now        func() time.Time
}

// stashPrefix marks a value that is a key; no command starts with it.
const stashPrefix = "cb:"

// Put returns a short value standing for data, shown to owner.
func (s Stash) Put(ctx context.Context, owner, data string) (string, error) {
	key := stashKey(owner, data)
	// The same button for the same owner has the same key: claimed before is fine.
	if _, err := s.Store.Claim(ctx, s.Collection, key, map[string]any{"data": data, "owner": owner, "at": s.Now()}); err != nil {
		return "", fmt.Errorf("keep button data: %w", err)
	}
	return stashPrefix + key, nil
}

// Get turns a pressed value back into the data it stands for: a value Put
// made is looked up, any other is its own data. ok is false for a key that
// is unknown or another owner's.
func (s Stash) Get(ctx context.Context, owner, value string) (data string, ok bool, err error) {
	key, stashed := strings.CutPrefix(value, stashPrefix)
	if !stashed {
		return value, value != "", nil
	}
	full, found, err := s.Store.Claimed(ctx, s.Collection, key, "data")
	if err != nil {
		return "", false, fmt.Errorf("read button data: %w", err)
	}
	if !found || stashKey(owner, full) != key {
		return "", false, nil
	}
	return full, true, nil
}

// stashKey is a short hash of an owner and the data: 20 characters, 120 bits.
func stashKey(owner, data string) string {
	sum := sha256.Sum256([]byte(owner + "\x00" + data))
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}
