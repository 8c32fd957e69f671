package shell_test

import (
	"regexp"
	"strings"
	"testing"
)

// In the shell as on Telegram: a parent's own words reach home staff at once
// and are answered with reply; a move tells the parent once; the end is
// told and /status says it plainly.
func TestConversationLoopInTheShell(t *testing.T) {
	s := newSession(t)
	s.expect("/as admin", "shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary phone=01632 960000", "Oakfield Primary")
	s.expect("school add 100002 Riverside Academy", "Riverside Academy")
	s.expect("/as home:Alex", "shell:home:Alex")
	ref := refRE.FindString(s.expect(`new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-07 end=2027-01-18`, "Opened OSD-"))
	code := codeRE.FindStringSubmatch(s.expect("link "+ref+" parent", "start="))[1]
	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/start "+code, "Hello Pat")

	s.expect("Sam has a dentist appointment on Monday morning",
		"passed your message to Oakfield Primary", "phone Oakfield Primary now on 01632 960000",
		"✉ to shell:home:Alex: Message from Pat (parent) about S.T. ("+ref+")", "“Sam has a dentist appointment on Monday morning”", "reply "+ref+" parent")
	s.expect("/as home:Alex", "home:Alex")
	s.expect("due", "message from the parent awaiting a reply since")
	s.expect("reply "+ref+" parent Thanks, noted — see you after", "Sent to 1 parent", "✉ to shell:parent:Pat: A reply from Oakfield Primary")
	s.expect("review "+ref+" schedule 2026-12-14 10:00 in-person Room 4", "Invitation sent")
	s.expect("review "+ref+" move M1 2026-12-15 11:00", "moved to Tue 15 Dec 11:00", "1 person invited told", "✉ to shell:parent:Pat: The review meeting about Sam's off-site direction ("+ref+") on Mon 14 Dec 10:00 has moved to Tue 15 Dec 11:00")
	s.expect("end "+ref+" reintegrated", "End the off-site direction")
	s.expect("yes", "ended today", "✉ to shell:parent:Pat: Sam's off-site direction ("+ref+") ended on", "Sam goes back to Oakfield Primary full time")
	s.expect("/as parent:Pat", "parent:Pat")
	s.expect("/status", "ended on", "the school will confirm the first day back")
}

// A parent of two, in the shell: asked which child once (a number picks
// it), the next messages that day go about the same child, and the button
// in the acknowledgement switches.
func TestParentOfTwoAskedOnceInTheShell(t *testing.T) {
	s := newSession(t)
	s.expect("/as admin", "shell:admin:Admin")
	s.expect("school add 100001 Oakfield Primary", "Oakfield Primary")
	s.expect("school add 100002 Riverside Academy", "Riverside Academy")
	s.expect("/as home:Alex", "shell:home:Alex")
	var refs []string
	for _, pupil := range []string{"Sam Taylor", "Mia Taylor"} {
		ref := refRE.FindString(s.expect(`new pupil="`+pupil+`" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-07 end=2027-01-18`, "Opened OSD-"))
		code := codeRE.FindStringSubmatch(s.expect("link "+ref+" parent", "start="))[1]
		s.expect("/as parent:Pat", "parent:Pat")
		s.expect("/start "+code, "Hello Pat")
		s.expect("/as home:Alex", "home:Alex")
		refs = append(refs, ref)
	}
	s.expect("/as parent:Pat", "parent:Pat")
	asked := s.expect("Mia has a dentist appointment on Monday", "Which child", ") Sam ("+refs[0]+")", ") Mia ("+refs[1]+")")
	mia := regexp.MustCompile(`(\d)\) Mia`).FindStringSubmatch(asked)[1]
	s.expect(mia, "passed your message to Oakfield Primary", "That was about Mia ("+refs[1]+")", "1) Write about Sam",
		"✉ to shell:home:Alex: Message from Pat (parent) about M.T. ("+refs[1]+")")
	got := s.expect("She'll be back by lunch", "That was about Mia", "about M.T. ("+refs[1]+")")
	if strings.Contains(got, "Which child") {
		t.Errorf("asked again:\n%s", got)
	}
	s.expect("1", "your messages go about Sam ("+refs[0]+") until the end of today")
	s.expect("Sam is fine", "That was about Sam", "about S.T. ("+refs[0]+")")
}
