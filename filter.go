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

// VisibleCases is the filter for the cases of status that who may see, as Sees
// decides, in one query; none says there can be none (a receiving contact
// linked to nothing), and no query is needed. Callers still check Sees on
// each case, as defence in depth.
func VisibleCases(who Identity, status Status) (f CaseFilter, none bool) {
	f = CaseFilter{Status: status}
	switch who.Role {
	case RoleAdmin, RoleLA:
	case RoleHome:
		if who.URN == "" {
			return f, true
		}
		f.HomeURN = who.URN
	case RoleReceiving:
		f.ReceivingURN, f.Refs, f.Any = who.URN, who.Cases, true
		return f, who.URN == "" && len(who.Cases) == 0
	default:
		f.Refs = who.Cases
		return f, len(who.Cases) == 0
	}
	return f, false
}
