package offsitebot

import "time"

// Reminder is one scheduled message in the reminders' outbox: a digest, all
// that one run has for one person, its Lines each a reminder under its
// natural key (kind, case, recipient, day or obligation). It is claimed as
// the recipient's next digest (Seq), carrying only keys no earlier digest
// to them carries, before it is sent, so each reminder goes once across
// runs, restarts and replicas; and it is kept whole so that any later run
// can retry it.
type Reminder struct {
	Key       string          `bson:"_id"`
	Job       string          `bson:"job"`
	Kind      string          `bson:"kind"`
	Case      string          `bson:"case"` // reference, or "school:URN" for a school's summary
	To        string          `bson:"to"`
	ClaimedAt time.Time       `bson:"claimedAt"`
	Expires   time.Time       `bson:"expires"` // not worth sending after this
	Purge     time.Time       `bson:"purge"`   // the claim may be forgotten after this
	Run       string          `bson:"run"`     // the run that claimed it
	Retry     bool            `bson:"retry"`   // this is the one retry of another claim
	Reply     ReminderMessage `bson:"reply"`
	// A digest's: its place in the recipient's sequence, its lines' keys
	// (for finding them without reading the lines) and its lines.
	Seq   int            `bson:"seq,omitempty"`
	Keys  []string       `bson:"keys,omitempty"`
	Lines []ReminderLine `bson:"lines,omitempty"`
}

// ReminderLine is one reminder of a digest.
type ReminderLine struct {
	Key     string          `bson:"key"`
	Job     string          `bson:"job"`
	Kind    string          `bson:"kind"`
	Case    string          `bson:"case"` // reference, or "school:URN" for a school's summary
	Expires time.Time       `bson:"expires"`
	Reply   ReminderMessage `bson:"reply"`
}

// ReminderMessage is what a reminder says. Buttons are kept flat with their
// row: the embedded server refuses nested arrays.
type ReminderMessage struct {
	Text      string           `bson:"text"`
	Buttons   []ReminderButton `bson:"buttons,omitempty"`
	Sensitive bool             `bson:"sensitive,omitempty"`
	Case      string           `bson:"case,omitempty"`
	// The same words with structure, for platforms that lay them out.
	Title string         `bson:"title,omitempty"`
	Facts []ReminderFact `bson:"facts,omitempty"`
	Items []ReminderItem `bson:"items,omitempty"`
	Note  string         `bson:"note,omitempty"`
}

// ReminderButton is one button of a reminder, in row Row; Confirm is the
// question to ask before a choice that cannot be undone.
type ReminderButton struct {
	Row     int    `bson:"row"`
	Label   string `bson:"label"`
	Data    string `bson:"data"`
	Confirm string `bson:"confirm,omitempty"`
}

// ReminderFact is a label and value of a reminder.
type ReminderFact struct {
	Label string `bson:"label,omitempty"`
	Value string `bson:"value"`
}

// ReminderItem is one entry of a reminder's list, with the button that
// takes its step, if any.
type ReminderItem struct {
	Group  string          `bson:"group,omitempty"`
	Text   string          `bson:"text"`
	Next   string          `bson:"next,omitempty"`
	Action *ReminderButton `bson:"action,omitempty"`
}

// ReminderOutcome is how sending a claimed reminder went.
type ReminderOutcome struct {
	Key    string // the claim's
	Status string
	At     time.Time
	// The claim's, so a query finds the outcome beside its claim and purges
	// both together.
	ClaimedAt, Expires, Purge time.Time
}
