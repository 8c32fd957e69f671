package offsitebot

import "time"

// Reminder is one scheduled message in the reminders' outbox. It is claimed
// under its natural key (kind, case, recipient, day or obligation) before it
// is sent, so it goes once across runs, restarts and replicas, and kept whole
// so that any later run can retry it.
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
}

// ReminderMessage is what a reminder says. Buttons are kept flat with their
// row: the embedded server refuses nested arrays.
type ReminderMessage struct {
	Text      string           `bson:"text"`
	Buttons   []ReminderButton `bson:"buttons,omitempty"`
	Sensitive bool             `bson:"sensitive,omitempty"`
	Case      string           `bson:"case,omitempty"`
}

// ReminderButton is one button of a reminder, in row Row.
type ReminderButton struct {
	Row   int    `bson:"row"`
	Label string `bson:"label"`
	Data  string `bson:"data"`
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
