package reminders

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/robfig/cron/v3"

	offsitebot "github.com/offsitebot/offsitebot"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for valid
	}{
		{"defaults", Config{}, ""},
		{"explicit defaults", DefaultConfig(), ""},
		{"off", Config{Feedback: "off", Retry: "OFF"}, ""},
		{"just before one", Config{Contact: "59 0 * * *"}, ""},
		{"from three", Config{Contact: "0 3 * * *"}, ""},
		{"bad minute", Config{AttendanceChase: "61 9 * * *"}, `reminders.attendance_chase: "61 9 * * *": `},
		{"too few fields", Config{Reviews: "9 * *"}, `reminders.reviews: "9 * *"`},
		{"01:30", Config{AttendancePrompt: "30 1 * * *"}, `reminders.attendance_prompt: "30 1 * * *": fires between 01:00 and 02:59`},
		{"02:00", Config{AttendanceSummary: "0 2 * * 1-5"}, `reminders.attendance_summary: "0 2 * * 1-5": fires between 01:00 and 02:59`},
		{"range over two", Config{Feedback: "0 0-3 * * *"}, `reminders.feedback: "0 0-3 * * *": fires between`},
		{"every hour", Config{Retry: "*/15 * * * *"}, `reminders.retry: "*/15 * * * *": fires between`},
		{"hourly descriptor", Config{Contact: "@hourly"}, `reminders.contact: "@hourly": fires between`},
		{"every", Config{Contact: "@every 1h"}, `reminders.contact: "@every 1h": use a fixed time`},
		{"time zone", Config{Contact: "CRON_TZ=UTC 0 9 * * *"}, `reminders.contact: "CRON_TZ=UTC 0 9 * * *": no time zone`},
		{"timeout", Config{ClaimTimeout: "soon"}, `reminders.claim_timeout: "soon"`},
		{"timeout too short", Config{ClaimTimeout: "5s"}, `reminders.claim_timeout: "5s"`},
		{"feedback days", Config{FeedbackDays: 30}, `reminders.feedback_days: 30`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate() = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// firings lists the times sched fires in [from, to).
func firings(t *testing.T, spec string, from, to time.Time) []time.Time {
	t.Helper()
	sched, err := parseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for n := sched.Next(from.In(offsitebot.London).Add(-time.Second)); !n.IsZero() && n.Before(to); n = sched.Next(n) {
		out = append(out, n)
	}
	return out
}

// TestClockChangeSchedules checks with Schedule.Next that, across both
// clock changes of 2026, every default schedule (and a daily variant) fires
// exactly once on each day it should, at the London wall time, and never in
// the hours the change skips or repeats.
func TestClockChangeSchedules(t *testing.T) {
	weeks := []struct{ from, to time.Time }{
		{london("2026-03-27 00:00"), london("2026-04-01 00:00")}, // Sun 29 Mar: 01:00 -> 02:00
		{london("2026-10-23 00:00"), london("2026-10-28 00:00")}, // Sun 25 Oct: 02:00 -> 01:00
	}
	daily := func(spec string) string { return strings.Replace(spec, "1-5", "*", 1) }
	for _, sp := range DefaultConfig().specs() {
		for _, spec := range []string{sp.spec, daily(sp.spec)} {
			for _, w := range weeks {
				perDay := map[offsitebot.Date]int{}
				for _, f := range firings(t, spec, w.from, w.to) {
					if h := f.In(offsitebot.London).Hour(); h == 1 || h == 2 {
						t.Errorf("%s %q fired at %s", sp.name, spec, f)
					}
					perDay[offsitebot.DateOf(f)]++
				}
				for d := offsitebot.DateOf(w.from); d < offsitebot.DateOf(w.to); d = d.AddDays(1) {
					// How often the spec fires on an ordinary day like d.
					want := len(firings(t, spec, d.AddDays(-7).Time(), d.AddDays(-6).Time()))
					if perDay[d] != want {
						t.Errorf("%s %q: %d firings on %s, want %d", sp.name, spec, perDay[d], d, want)
					}
				}
			}
		}
	}
	// The hazard Validate keeps out: cron skips 01:30 when the clocks go
	// forward and runs it twice when they go back.
	sched, _ := cron.ParseStandard("30 1 * * *")
	if n := sched.Next(london("2026-03-29 00:00")); offsitebot.DateOf(n) != "2026-03-30" {
		t.Errorf("cron's next 01:30 after midnight on 29 Mar = %s; expected it to skip that day", n)
	}
}

// TestCronClockChange runs the real cron, as Start wires it, on the fake
// clock of a synctest bubble through both clock-change weekends and checks
// each job ran exactly once on each school-week day, at its London time,
// even the one that panics every time.
func TestCronClockChange(t *testing.T) {
	for _, week := range []struct{ from, to string }{
		{"2026-03-27 00:00", "2026-04-01 00:00"},
		{"2026-10-23 00:00", "2026-10-28 00:00"},
	} {
		t.Run(week.from[:10], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				time.Sleep(time.Until(london(week.from)))
				scheds, _, err := Config{Retry: "off"}.parse()
				if err != nil {
					t.Fatal(err)
				}
				s := &Scheduler{log: discard(), jobs: jobsOf(DefaultConfig(), scheds)}
				var mu sync.Mutex
				ran := map[string][]time.Time{}
				c := s.newCron(func(name string) {
					mu.Lock()
					ran[name] = append(ran[name], time.Now().In(offsitebot.London))
					mu.Unlock()
					if name == JobContact {
						panic("a broken job") // cron.Recover keeps the others, and this one's next run, going
					}
				})
				c.Start()
				time.Sleep(time.Until(london(week.to)))
				<-c.Stop().Done()

				want := map[string]string{JobContact: "08:00", JobReviews: "08:05", JobAttendancePrompt: "09:40",
					JobAttendanceChase: "13:30", JobAttendanceSummary: "16:00", JobFeedback: "17:00"}
				for name, hhmm := range want {
					var days []offsitebot.Date
					for _, at := range ran[name] {
						if got := at.Format("15:04"); got != hhmm {
							t.Errorf("%s ran at %s, want %s", name, at, hhmm)
						}
						days = append(days, offsitebot.DateOf(at))
					}
					var wantDays []offsitebot.Date
					for d := offsitebot.DateOf(london(week.from)); d < offsitebot.DateOf(london(week.to)); d = d.AddDays(1) {
						if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
							wantDays = append(wantDays, d)
						}
					}
					if !slices.Equal(days, wantDays) {
						t.Errorf("%s ran on %v, want once on each of %v", name, days, wantDays)
					}
				}
			})
		})
	}
}

// TestNextAndDueAt checks what `reminders list` and `reminders run --at` use.
func TestNextAndDueAt(t *testing.T) {
	scheds, _, err := Config{}.parse()
	if err != nil {
		t.Fatal(err)
	}
	s := &Scheduler{log: discard(), jobs: jobsOf(DefaultConfig(), scheds)}
	next := s.Next(london("2026-12-02 09:00"))
	var names []string
	for _, e := range next {
		names = append(names, e.Name+" "+e.Next.In(offsitebot.London).Format("Mon 15:04"))
	}
	wantNext := []string{"retry Wed 09:15", "attendance_prompt Wed 09:40", "attendance_chase Wed 13:30",
		"meetings Wed 15:00", "attendance_summary Wed 16:00", "feedback Wed 17:00", "contact Thu 08:00", "reviews Thu 08:05"}
	if !slices.Equal(names, wantNext) {
		t.Errorf("Next() = %q, want %q", names, wantNext)
	}
	tests := []struct {
		at   string
		want []string
	}{
		{"2026-12-02 06:59", nil},
		{"2026-12-02 07:59", []string{JobRetry}},
		{"2026-12-02 14:00", []string{JobContact, JobReviews, JobAttendancePrompt, JobAttendanceChase, JobRetry}},
		{"2026-12-02 23:00", []string{JobContact, JobReviews, JobAttendancePrompt, JobAttendanceChase, JobMeetings, JobAttendanceSummary, JobFeedback, JobRetry}},
		{"2026-12-05 12:00", []string{JobRetry}}, // Saturday
	}
	for _, tt := range tests {
		if got := s.DueAt(london(tt.at)); !slices.Equal(got, tt.want) {
			t.Errorf("DueAt(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}
