package reminders

import (
	"context"
	"slices"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/conversations"
)

// Kinds of reminder, the first part of every claim key.
const (
	KindAttendancePrompt = "attendance_prompt"
	KindAttendanceChase  = "attendance_chase"
	KindAttendanceAlert  = "attendance_alert" // no answer by the chase: told to the home school
	KindAttendanceSum    = "attendance_summary"
	KindContactNudge     = "contact_nudge"
	KindContactEscalate  = "contact_escalation"
	KindFeedback         = "feedback"
	KindMeeting          = "meeting_reminder"
	KindMeetingLink      = "meeting_link" // an online meeting still without its link: to home staff
	// Review, invitation, continuation, request, notice, outcome and
	// face-to-face nudges use the case core's Due kinds.
)

// reviewKinds are the Due kinds the reviews job sends to home-school staff.
var reviewKinds = []string{
	offsitebot.DueNotice, offsitebot.DueReview, offsitebot.DueInvitation, offsitebot.DueContinuation,
	offsitebot.DueRequest, offsitebot.DueOutcome, offsitebot.DueFaceToFace, offsitebot.DueFamily, offsitebot.DueEndPlan,
}

// sweep is one run's view of the data: the active cases read once, and the
// identities read once, when a job first needs them.
type sweep struct {
	s      *Scheduler
	now    time.Time
	today  offsitebot.Date
	loaded bool
	cases  []offsitebot.Case
	roles  map[offsitebot.Role]map[string][]offsitebot.Identity // role -> URN -> reachable staff; nil until read
	byID   map[string]offsitebot.Identity
	dues   map[string][]offsitebot.DueItem // by case reference
}

// due is what the case core reports due for c, worked out once per run: the
// contact and reviews jobs both need it.
func (sw *sweep) due(c *offsitebot.Case) []offsitebot.DueItem {
	if sw.dues == nil {
		sw.dues = map[string][]offsitebot.DueItem{}
	}
	items, ok := sw.dues[c.Ref]
	if !ok {
		items = offsitebot.Due(c, sw.now, sw.s.cal, sw.s.set)
		sw.dues[c.Ref] = items
	}
	return items
}

func (sw *sweep) load(ctx context.Context) error {
	if sw.loaded {
		return nil
	}
	cs, err := sw.s.store.Cases(ctx, offsitebot.CaseFilter{Status: offsitebot.Active})
	if err != nil {
		return err
	}
	sw.cases, sw.loaded = cs, true
	return nil
}

// staff returns the reachable identities of role at the school urn. Every
// identity is read at once, in one query: the embedded server decodes them
// all for any filter, so one read of all costs what one of a role does.
func (sw *sweep) staff(ctx context.Context, role offsitebot.Role, urn string) ([]offsitebot.Identity, error) {
	if sw.roles == nil {
		ids, err := sw.s.store.Identities(ctx, offsitebot.IdentityFilter{})
		if err != nil {
			return nil, err
		}
		sw.roles = map[offsitebot.Role]map[string][]offsitebot.Identity{}
		sw.byID = make(map[string]offsitebot.Identity, len(ids))
		for _, id := range ids {
			sw.byID[id.ID] = id
			if id.Unreachable {
				continue
			}
			if sw.roles[id.Role] == nil {
				sw.roles[id.Role] = map[string][]offsitebot.Identity{}
			}
			sw.roles[id.Role][id.URN] = append(sw.roles[id.Role][id.URN], id)
		}
	}
	return sw.roles[role][urn], nil
}

// reachable reports whether a person linked to a case can be messaged.
func (sw *sweep) reachable(p offsitebot.Person) bool {
	if p.Unreachable {
		return false
	}
	id, known := sw.byID[p.ID]
	return !known || !id.Unreachable
}

// receiving returns the case's receiving contacts: receiving-school staff
// (Slack) of its receiving school and the receiving contacts linked to it
// (Telegram), each once.
func (sw *sweep) receiving(ctx context.Context, c *offsitebot.Case) ([]string, error) {
	staff, err := sw.staff(ctx, offsitebot.RoleReceiving, c.ReceivingURN)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, id := range staff {
		to = append(to, id.ID)
	}
	for _, p := range c.People {
		if p.Role == offsitebot.RoleReceiving && sw.reachable(p) && !slices.Contains(to, p.ID) {
			to = append(to, p.ID)
		}
	}
	return to, nil
}

// home returns the IDs of the case's home-school staff.
func (sw *sweep) home(ctx context.Context, urn string) ([]string, error) {
	staff, err := sw.staff(ctx, offsitebot.RoleHome, urn)
	if err != nil {
		return nil, err
	}
	to := make([]string, len(staff))
	for i, id := range staff {
		to[i] = id.ID
	}
	return to, nil
}

// notSchoolDay says why today is not a school day, or "".
func (sw *sweep) notSchoolDay() string { return sw.s.cal.NotSchoolDay(sw.today) }

// running reports whether the direction runs on d: started and not past its end.
// owed says whether the case's attendance is owed today: it is running and
// today is a school day at the receiving school, whose own closures (an
// INSET day) count besides the shared ones.
func (sw *sweep) owed(c *offsitebot.Case) bool {
	return running(c, sw.today) && sw.s.cal.For(c.ReceivingURN).NotSchoolDay(sw.today) == ""
}

func running(c *offsitebot.Case, d offsitebot.Date) bool {
	return c.Start.Valid() && c.Start <= d && (!c.End.Valid() || d <= c.End)
}

func attendanceOn(c *offsitebot.Case, d offsitebot.Date) (offsitebot.AttendanceDay, bool) {
	for _, a := range c.Attendance {
		if a.Date == d {
			return a, true
		}
	}
	return offsitebot.AttendanceDay{}, false
}

// key is a claim key: kind, case, recipient, then the period or obligation.
func key(kind, ref, to string, period ...string) string {
	return strings.Join(append([]string{kind, ref, to}, period...), ":")
}

// endOfDay is midnight after d in London.
func endOfDay(d offsitebot.Date) time.Time { return d.AddDays(1).Time() }

// dayKeep is how long a claim whose key names day d is kept: a few days, so
// a catch-up run for a recent day (reminders run --at) still finds it.
func dayKeep(d offsitebot.Date) time.Time { return endOfDay(d.AddDays(3)) }

// attendancePrompt asks each receiving contact of each running case for the
// day's codes, on school days, unless they are already recorded.
func (s *Scheduler) attendancePrompt(ctx context.Context, sw *sweep) ([]message, string, error) {
	return s.askAttendance(ctx, sw, KindAttendancePrompt, JobAttendancePrompt, conversations.MsgAttendancePrompt, nil)
}

// attendanceChase asks again where the day is still unconfirmed, and tells
// the home school at once: no answer by now is a safeguarding matter.
func (s *Scheduler) attendanceChase(ctx context.Context, sw *sweep) ([]message, string, error) {
	alert := func(ctx context.Context, c *offsitebot.Case, asked int) ([]message, error) {
		home, err := sw.home(ctx, c.HomeURN)
		if err != nil {
			return nil, err
		}
		text := conversations.MsgAttendanceAlert(c, sw.today, sw.now, asked)
		var out []message
		for _, h := range home {
			out = append(out, message{Key: key(KindAttendanceAlert, c.Ref, h, string(sw.today)), Job: JobAttendanceChase,
				Kind: KindAttendanceAlert, Case: c.Ref, To: h, Expires: endOfDay(sw.today.AddDays(1)), Purge: dayKeep(sw.today),
				Reply: storedReply{Text: text, Case: c.Ref}})
		}
		return out, nil
	}
	return s.askAttendance(ctx, sw, KindAttendanceChase, JobAttendanceChase, conversations.MsgAttendanceChase, alert)
}

// askAttendance sends what(case, day, their platform) with the answer buttons to each
// receiving contact of each running case whose day is not yet recorded; then,
// if set, adds what also(case, contacts asked) returns.
func (s *Scheduler) askAttendance(ctx context.Context, sw *sweep, kind, job string, what func(*offsitebot.Case, offsitebot.Date, offsitebot.Platform) string,
	also func(ctx context.Context, c *offsitebot.Case, asked int) ([]message, error)) ([]message, string, error) {
	if why := sw.notSchoolDay(); why != "" {
		return nil, why, nil
	}
	if err := sw.load(ctx); err != nil {
		return nil, "", err
	}
	var out []message
	for i := range sw.cases {
		c := &sw.cases[i]
		if _, done := attendanceOn(c, sw.today); done || !sw.owed(c) {
			continue
		}
		to, err := sw.receiving(ctx, c)
		if err != nil {
			return nil, "", err
		}
		for _, r := range to {
			text := what(c, sw.today, offsitebot.Identity{ID: r}.Platform())
			out = append(out, message{Key: key(kind, c.Ref, r, string(sw.today)), Job: job,
				Kind: kind, Case: c.Ref, To: r, Expires: endOfDay(sw.today), Purge: dayKeep(sw.today),
				Reply: storedReply{Text: text, Buttons: storeButtons(conversations.AttendanceButtons(c.Ref, sw.today)), Case: c.Ref}})
		}
		if also != nil {
			more, err := also(ctx, c, len(to))
			if err != nil {
				return nil, "", err
			}
			out = append(out, more...)
		}
	}
	return out, "", nil
}

// attendanceSummary tells each home-school staff member the day's codes for
// their school's running cases, in one message.
func (s *Scheduler) attendanceSummary(ctx context.Context, sw *sweep) ([]message, string, error) {
	if why := sw.notSchoolDay(); why != "" {
		return nil, why, nil
	}
	if err := sw.load(ctx); err != nil {
		return nil, "", err
	}
	byHome := map[string][]*offsitebot.Case{} // home URN -> its running cases, by reference
	var urns []string
	for i := range sw.cases {
		c := &sw.cases[i]
		if !sw.owed(c) {
			continue
		}
		if _, ok := byHome[c.HomeURN]; !ok {
			urns = append(urns, c.HomeURN)
		}
		byHome[c.HomeURN] = append(byHome[c.HomeURN], c)
	}
	var out []message
	for _, urn := range urns {
		home, err := sw.home(ctx, urn)
		if err != nil {
			return nil, "", err
		}
		summary := storeReply(conversations.AttendanceSummary(sw.today, byHome[urn]))
		for _, h := range home {
			out = append(out, message{Key: key(KindAttendanceSum, "school-"+urn, h, string(sw.today)), Job: JobAttendanceSummary,
				Kind: KindAttendanceSum, Case: "school:" + urn, To: h, Expires: endOfDay(sw.today.AddDays(1)), Purge: dayKeep(sw.today),
				Reply: summary})
		}
	}
	return out, "", nil
}

// contact nudges home-school staff when 6 school days have passed without
// contact between the schools, and escalates (to admins too) once overdue;
// each once per stretch without contact.
func (s *Scheduler) contact(ctx context.Context, sw *sweep) ([]message, string, error) {
	return s.nudges(ctx, sw, []string{offsitebot.DueContact}, func(ctx context.Context, c *offsitebot.Case, it offsitebot.DueItem, obligation string, to []string) ([]message, error) {
		kind, text, buttons := KindContactNudge, conversations.DueNudge(c, it), storeButtons(conversations.DueButtons(it))
		if it.Overdue {
			kind = KindContactEscalate
			admins, err := sw.staff(ctx, offsitebot.RoleAdmin, "")
			if err != nil {
				return nil, err
			}
			for _, a := range admins {
				to = append(to, a.ID)
			}
		}
		var out []message
		for _, r := range to {
			out = append(out, message{Key: key(kind, c.Ref, r, obligation), Job: JobContact, Kind: kind,
				Case: c.Ref, To: r, Expires: endOfDay(sw.today), Reply: storedReply{Text: text, Case: c.Ref, Buttons: buttons}})
		}
		return out, nil
	})
}

// reviews nudges home-school staff about the review, invitation,
// continuation, request and notice deadlines the case core reports: once
// when something becomes due, and daily while it is overdue.
func (s *Scheduler) reviews(ctx context.Context, sw *sweep) ([]message, string, error) {
	return s.nudges(ctx, sw, reviewKinds, func(_ context.Context, c *offsitebot.Case, it offsitebot.DueItem, obligation string, to []string) ([]message, error) {
		period := []string{obligation}
		text := conversations.DueNudge(c, it)
		var purge time.Time // an obligation's key is kept long
		if it.Overdue {
			period = append(period, "overdue", string(sw.today))
			purge = dayKeep(sw.today)
		}
		var out []message
		for _, r := range to {
			out = append(out, message{Key: key(it.Kind, c.Ref, r, period...), Job: JobReviews, Kind: it.Kind,
				Case: c.Ref, To: r, Expires: endOfDay(sw.today), Purge: purge, Reply: storedReply{Text: text, Case: c.Ref,
					Buttons: storeButtons(conversations.DueButtons(it))}})
		}
		return out, nil
	})
}

// nudges builds, on a school day, the messages about each item of kinds the
// case core reports due for a case: build gets the item, its obligation (its
// key without the kind) and the case's home-school staff.
func (s *Scheduler) nudges(ctx context.Context, sw *sweep, kinds []string,
	build func(ctx context.Context, c *offsitebot.Case, it offsitebot.DueItem, obligation string, home []string) ([]message, error)) ([]message, string, error) {
	if why := sw.notSchoolDay(); why != "" {
		return nil, why, nil
	}
	if err := sw.load(ctx); err != nil {
		return nil, "", err
	}
	var out []message
	for i := range sw.cases {
		c := &sw.cases[i]
		for _, it := range sw.due(c) {
			if !slices.Contains(kinds, it.Kind) {
				continue
			}
			home, err := sw.home(ctx, c.HomeURN)
			if err != nil {
				return nil, "", err
			}
			obligation, _ := strings.CutPrefix(it.Key, it.Kind+":")
			msgs, err := build(ctx, c, it, obligation, home)
			if err != nil {
				return nil, "", err
			}
			out = append(out, msgs...)
		}
	}
	return out, "", nil
}

// feedback invites linked parents (and a linked pupil) to give their and
// their child's view a few days before each review meeting, once per meeting.
func (s *Scheduler) feedback(ctx context.Context, sw *sweep) ([]message, string, error) {
	if err := sw.load(ctx); err != nil {
		return nil, "", err
	}
	var out []message
	for i := range sw.cases {
		c := &sw.cases[i]
		m, ok := offsitebot.NextMeeting(c, sw.now)
		if !ok || !m.At.After(sw.now) {
			continue
		}
		if days := sw.today.DaysUntil(m.Date()); days < 1 || days > s.cfg.FeedbackDays {
			continue
		}
		var since time.Time // views given since the last review are for this one
		if last, ok := offsitebot.LastHeldMeeting(c, sw.now); ok {
			since = last.At
		}
		for _, p := range c.Parents() {
			if !sw.reachable(p) || p.LastFeedback.After(since) {
				continue
			}
			text := conversations.MsgFeedbackInvitation(c, m, p.Role)
			out = append(out, message{Key: key(KindFeedback, c.Ref, p.ID, m.ID), Job: JobFeedback, Kind: KindFeedback,
				Case: c.Ref, To: p.ID, Expires: m.At,
				Reply: storedReply{Text: text, Sensitive: true, Case: c.Ref,
					Buttons: storeButtons(conversations.FeedbackButtons())}})
		}
	}
	return out, "", nil
}

// meetings reminds everyone invited to a review meeting on the next school
// day (or before it: a meeting on a Saturday is reminded on the Friday), on
// school days. The key names the meeting's time, so a meeting moved is
// reminded again at its new time, and only then.
func (s *Scheduler) meetings(ctx context.Context, sw *sweep) ([]message, string, error) {
	if why := sw.notSchoolDay(); why != "" {
		return nil, "not a school day: " + why, nil
	}
	if err := sw.load(ctx); err != nil {
		return nil, "", err
	}
	next := s.cal.AddSchoolDays(sw.today, 1)
	var out []message
	for i := range sw.cases {
		c := &sw.cases[i]
		for _, m := range c.Meetings {
			if m.Held() || m.Cancelled || !m.At.After(sw.now) || m.Date() <= sw.today || m.Date() > next {
				continue
			}
			for _, inv := range m.Invitations {
				role := inv.Role
				p, ok := c.Person(inv.To)
				switch {
				case ok && !sw.reachable(p):
					continue // blocked the bot
				case ok:
					role = p.Role
				case !role.Staff():
					continue // invited another way, or left
				}
				r := conversations.MeetingReminder(c, m, role, sw.today)
				out = append(out, message{Key: key(KindMeeting, c.Ref, inv.To, m.ID, m.At.UTC().Format("200601021504")), Job: JobMeetings, Kind: KindMeeting,
					Case: c.Ref, To: inv.To, Expires: m.At, Purge: endOfDay(m.Date().AddDays(3)),
					Reply: storedReply{Text: r.Text, Sensitive: true, Case: c.Ref, Buttons: storeButtons(r.Buttons)}})
			}
			if m.Mode != offsitebot.Online || m.Place != "" {
				continue
			}
			// Those invited were told the link would follow: staff are nudged to send it.
			home, err := sw.home(ctx, c.HomeURN)
			if err != nil {
				return nil, "", err
			}
			for _, to := range home {
				out = append(out, message{Key: key(KindMeetingLink, c.Ref, to, m.ID, m.At.UTC().Format("200601021504")), Job: JobMeetings, Kind: KindMeetingLink,
					Case: c.Ref, To: to, Expires: m.At, Purge: endOfDay(m.Date().AddDays(3)),
					Reply: storedReply{Text: conversations.MsgMeetingLinkMissing(c, m), Case: c.Ref}})
			}
		}
	}
	return out, "", nil
}

// reportUnreachable hands each recipient found unreachable, once per case,
// to the notifier, which marks them and tells the case's home school.
func (s *Scheduler) reportUnreachable(ctx context.Context, found []unreachable) {
	done := map[unreachable]bool{}
	for _, u := range found {
		if !done[u] {
			done[u] = true
			s.notify.Unreachable(ctx, u.ref, u.to)
		}
	}
}
