package offsitebot

// Settings are the numbers the guidance leaves to judgement, which an
// authority may set (config [rules]); the law's own numbers are constants.
type Settings struct {
	// RequestMeetingSchoolDays is how many school days after a request a
	// meeting may be held and still count as "as soon as reasonably
	// practicable" (rule 7).
	RequestMeetingSchoolDays int `toml:"request_meeting_school_days"`
	// FamilyContactDays is how many calendar days without contact with the
	// family before home staff are nudged.
	FamilyContactDays int `toml:"family_contact_days"`
	// EndPlanSchoolDays is how many school days before the agreed end home
	// staff are nudged to plan reintegration or the onward pathway.
	EndPlanSchoolDays int `toml:"end_plan_school_days"`
}

// DefaultSettings are the settings when none are configured.
func DefaultSettings() Settings {
	return Settings{RequestMeetingSchoolDays: 15, FamilyContactDays: 14, EndPlanSchoolDays: 10}
}

// OrDefault fills the settings left unset (0) with the defaults.
func (s Settings) OrDefault() Settings {
	d := DefaultSettings()
	if s.RequestMeetingSchoolDays <= 0 {
		s.RequestMeetingSchoolDays = d.RequestMeetingSchoolDays
	}
	if s.FamilyContactDays <= 0 {
		s.FamilyContactDays = d.FamilyContactDays
	}
	if s.EndPlanSchoolDays <= 0 {
		s.EndPlanSchoolDays = d.EndPlanSchoolDays
	}
	return s
}
