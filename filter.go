package offsitebot

// CaseFilter selects cases. Empty fields select nothing; with Any, the URN
// and Refs conditions are ORed (a case of my school or linked to me), and
// with none of them given nothing matches. Refs, when not nil, selects those
// references only (so an empty non-nil Refs selects no case).
type CaseFilter struct {
	Status       Status
	HomeURN      string
	ReceivingURN string
	Refs         []string
	Any          bool
}

// IdentityFilter selects identities; empty fields select all.
type IdentityFilter struct {
	Role   Role
	URN    string
	Case   string // linked to this case
	Prefix string // ID prefix, such as "slack:"
	// IDs, when not nil, keeps these identities only (none when empty).
	IDs []string
}
