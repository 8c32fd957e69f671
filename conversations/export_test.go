package conversations

import offsitebot "github.com/offsitebot/offsitebot"

// ReadAs is the reader test's check of s, as someone of role to about a
// pupil of that name would read it, for the end-to-end tests; a pupil ""
// leaves out the check that staff are not sent the pupil's name.
func ReadAs(to offsitebot.Role, pupil, s string) []string { return readerOf(to, pupil).read(s) }
