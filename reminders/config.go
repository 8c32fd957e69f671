package reminders

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Config is the [reminders] section of the configuration. Every schedule is a
// standard five-field cron spec read in Europe/London; an empty one takes its
// default and "off" disables that job.
type Config struct {
	AttendancePrompt  string `toml:"attendance_prompt"`
	AttendanceChase   string `toml:"attendance_chase"`
	AttendanceSummary string `toml:"attendance_summary"`
	Contact           string `toml:"contact"`
	Reviews           string `toml:"reviews"`
	Feedback          string `toml:"feedback"`
	// Meetings reminds everyone invited of a review meeting the school day before.
	Meetings string `toml:"meetings"`
	// Retry sweeps for claims a crashed run left unsent.
	Retry string `toml:"retry"`
	// ClaimTimeout is how long a claimed, unsent reminder waits before a later
	// run takes it over (a Go duration). A run still sending after half of it
	// leaves the rest to that retry, so set it above twice the longest burst
	// (Telegram sends 30 a second: 9,000 messages in 5 minutes).
	ClaimTimeout string `toml:"claim_timeout"`
	// FeedbackDays is how many calendar days before a review meeting parents
	// are invited to give their and their child's view.
	FeedbackDays int `toml:"feedback_days"`
}

// Off disables a schedule.
const Off = "off"

// Job names, which are also the config keys of their schedules.
const (
	JobAttendancePrompt  = "attendance_prompt"
	JobAttendanceChase   = "attendance_chase"
	JobAttendanceSummary = "attendance_summary"
	JobContact           = "contact"
	JobReviews           = "reviews"
	JobFeedback          = "feedback"
	JobMeetings          = "meetings"
	JobRetry             = "retry"
)

// DefaultConfig is the configuration used for every key left empty.
func DefaultConfig() Config {
	return Config{
		AttendancePrompt:  "40 9 * * 1-5",
		AttendanceChase:   "30 13 * * 1-5",
		AttendanceSummary: "0 16 * * 1-5",
		Contact:           "0 8 * * 1-5",
		Reviews:           "5 8 * * 1-5",
		Feedback:          "0 17 * * 1-5",
		Meetings:          "0 15 * * 1-5",
		Retry:             "*/15 7-21 * * *",
		ClaimTimeout:      "10m",
		FeedbackDays:      4,
	}
}

// withDefaults fills the empty keys from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, f := range []struct{ v, def *string }{
		{&c.AttendancePrompt, &d.AttendancePrompt}, {&c.AttendanceChase, &d.AttendanceChase},
		{&c.AttendanceSummary, &d.AttendanceSummary}, {&c.Contact, &d.Contact},
		{&c.Reviews, &d.Reviews}, {&c.Feedback, &d.Feedback}, {&c.Meetings, &d.Meetings}, {&c.Retry, &d.Retry},
		{&c.ClaimTimeout, &d.ClaimTimeout},
	} {
		if strings.TrimSpace(*f.v) == "" {
			*f.v = *f.def
		}
	}
	if c.FeedbackDays == 0 {
		c.FeedbackDays = d.FeedbackDays
	}
	return c
}

// specs lists the schedules in the order their jobs run at one instant:
// the morning staff nudges first, then attendance, then the evening ones.
func (c Config) specs() []struct{ name, spec string } {
	return []struct{ name, spec string }{
		{JobContact, c.Contact},
		{JobReviews, c.Reviews},
		{JobAttendancePrompt, c.AttendancePrompt},
		{JobAttendanceChase, c.AttendanceChase},
		{JobMeetings, c.Meetings},
		{JobAttendanceSummary, c.AttendanceSummary},
		{JobFeedback, c.Feedback},
		{JobRetry, c.Retry},
	}
}

// Validate checks every key, naming the first bad one, so a mistake stops the
// bot at start-up rather than silently at 09:40 on a school day.
func (c Config) Validate() error {
	_, _, err := c.parse()
	return err
}

// parse validates c (with defaults filled in) and returns its schedules by
// job name (disabled jobs absent) and the claim timeout.
func (c Config) parse() (map[string]cron.Schedule, time.Duration, error) {
	c = c.withDefaults()
	out := map[string]cron.Schedule{}
	var errs []error
	for _, s := range c.specs() {
		sched, err := parseSpec(s.spec)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("reminders.%s: %q: %w", s.name, s.spec, err))
		case sched != nil:
			out[s.name] = sched
		}
	}
	timeout, err := time.ParseDuration(strings.TrimSpace(c.ClaimTimeout))
	if err != nil || timeout < time.Minute {
		errs = append(errs, fmt.Errorf("reminders.claim_timeout: %q: want a duration of at least 1m, such as 10m", c.ClaimTimeout))
	}
	if c.FeedbackDays < 1 || c.FeedbackDays > 14 {
		errs = append(errs, fmt.Errorf("reminders.feedback_days: %d: want 1 to 14", c.FeedbackDays))
	}
	if len(errs) > 0 {
		return nil, 0, errors.Join(errs...)
	}
	return out, timeout, nil
}

// clockChangeHours are the London hours that are skipped (01:00–01:59 in
// March) or happen twice (01:00–01:59 in October) on clock-change days, with
// 02:00–02:59 kept out too for safety: a job there would be lost or doubled.
const clockChangeHours = 1<<1 | 1<<2

// parseSpec reads a five-field cron spec (or a descriptor such as @daily) and
// refuses what could fire in the clock-change hours or in another time zone.
// It returns nil, nil for Off.
func parseSpec(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if strings.EqualFold(spec, Off) {
		return nil, nil
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, errors.New("no time zone prefix: schedules are read in Europe/London")
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	ss, ok := sched.(*cron.SpecSchedule)
	if !ok { // @every: runs at any hour of the day
		return nil, errors.New("use a fixed time of day (minute hour day month weekday), not @every")
	}
	if ss.Hour&clockChangeHours != 0 {
		return nil, errors.New("fires between 01:00 and 02:59, when the clocks change: pick another hour")
	}
	return sched, nil
}
