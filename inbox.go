package offsitebot

import "time"

// InboxEntry is one delivery from a chat platform (a message, a command, a
// button press), kept before the platform is told it arrived, so that
// nothing acknowledged is lost: a process killed before handling it leaves
// it for the next to handle. Its key is the platform's own ID for the
// delivery, so keeping it is also the dedupe of a redelivery.
type InboxEntry struct {
	Key     string    `bson:"_id"`  // "slack:…" or "telegram:…"
	Kind    string    `bson:"kind"` // what Payload is, to the adapter that kept it
	Payload []byte    `bson:"payload"`
	At      time.Time `bson:"at"`
}
