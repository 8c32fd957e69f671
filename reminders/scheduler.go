// Package reminders sends offsitebot's scheduled messages: the daily
// attendance prompt, chase and summary, the weekly-contact nudge and its
// escalation, the review, invitation, continuation, request and notice
// nudges, and the pupil-voice invitation to parents before each meeting.
//
// Schedules are cron specs read in Europe/London. Each run reads the active
// cases once, works out in Go with the case core's rules what is due, and
// sends through an outbox: every reminder has a natural key (kind, case,
// recipient, London date or obligation) inserted as a claim before it is sent
// and marked sent after, so across restarts, overlapping runs, clock changes
// and replicas nothing is sent twice; a claim a crash left unsent is taken
// over once by a later run, so nothing due is lost.
package reminders

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Store is what reminders read and record; *storage.DB has it all.
type Store interface {
	Cases(ctx context.Context, f offsitebot.CaseFilter) ([]offsitebot.Case, error)
	Identities(ctx context.Context, f offsitebot.IdentityFilter) ([]offsitebot.Identity, error)
	// AppendAuditMany records the reminders sent about each case, for its chronology (rule 1).
	AppendAuditMany(ctx context.Context, events []offsitebot.AuditEvent) error

	// The outbox, where each reminder is claimed once before it is sent.

	// ClaimDigests claims each digest (one a recipient) as the recipient's
	// next, without the reminders an earlier digest to them holds, and
	// returns those claimed, with their keys set.
	ClaimDigests(ctx context.Context, ds []offsitebot.Reminder) ([]offsitebot.Reminder, error)
	// ClaimReminders claims the reminders (a stale digest's retry) not
	// claimed yet, in one round trip, and returns those.
	ClaimReminders(ctx context.Context, rs []offsitebot.Reminder) ([]offsitebot.Reminder, error)
	// RecordReminders records how claimed reminders went.
	RecordReminders(ctx context.Context, outcomes []offsitebot.ReminderOutcome) error
	// StaleReminders returns the claims made before claimedBefore with no
	// outcome, not expired at now, sorted by key.
	StaleReminders(ctx context.Context, claimedBefore, now time.Time) ([]offsitebot.Reminder, error)
	// PurgeReminders forgets claims and outcomes past their purge time.
	PurgeReminders(ctx context.Context, before time.Time) error
}

// Notifier is told of each recipient found unreachable, with the case the
// message was about; *conversations.Notifier marks them and tells the school.
type Notifier interface {
	Unreachable(ctx context.Context, ref, to string)
}

// Options are the scheduler's collaborators.
type Options struct {
	Config   Config
	Store    Store
	Send     bot.Sender       // a *bot.Dispatcher
	Notify   Notifier         // the one that tells people (the engine's)
	Now      func() time.Time // default time.Now
	Calendar offsitebot.Calendar
	Settings offsitebot.Settings // [rules]; zero: the defaults
	Log      *slog.Logger
}

// Scheduler runs the reminder jobs on their schedules.
type Scheduler struct {
	cfg     Config
	store   Store
	send    bot.Sender
	notify  Notifier
	now     func() time.Time
	cal     offsitebot.Calendar
	set     offsitebot.Settings
	log     *slog.Logger
	timeout time.Duration
	jobs    []job // in run order, enabled only

	mu        sync.Mutex
	cron      *cron.Cron
	cancel    context.CancelFunc
	caughtUp  chan struct{}   // closed when the run Start begins has returned
	lastPurge offsitebot.Date // guarded by mu: the outbox is purged once a day
}

// job is one enabled schedule.
type job struct {
	name  string
	spec  string
	sched cron.Schedule
}

// jobsOf lists the enabled jobs in run order.
func jobsOf(cfg Config, scheds map[string]cron.Schedule) []job {
	var jobs []job
	for _, sp := range cfg.specs() {
		if sched, ok := scheds[sp.name]; ok {
			jobs = append(jobs, job{name: sp.name, spec: strings.TrimSpace(sp.spec), sched: sched})
		}
	}
	return jobs
}

// builder returns what computes a job's messages (or says why there are none
// today); nil for the retry job, since every run retries stale claims.
func (s *Scheduler) builder(name string) func(context.Context, *sweep) ([]message, string, error) {
	switch name {
	case JobAttendancePrompt:
		return s.attendancePrompt
	case JobAttendanceChase:
		return s.attendanceChase
	case JobAttendanceSummary:
		return s.attendanceSummary
	case JobContact:
		return s.contact
	case JobReviews:
		return s.reviews
	case JobFeedback:
		return s.feedback
	case JobMeetings:
		return s.meetings
	}
	return nil
}

// New checks the configuration and returns a scheduler, not yet started.
func New(opts Options) (*Scheduler, error) {
	if opts.Store == nil || opts.Send == nil || opts.Notify == nil {
		return nil, errors.New("reminders: Store, Send and Notify are required")
	}
	cfg := opts.Config.withDefaults()
	scheds, timeout, err := cfg.parse()
	if err != nil {
		return nil, err
	}
	s := &Scheduler{
		cfg: cfg, store: opts.Store, send: opts.Send, notify: opts.Notify, now: opts.Now, cal: opts.Calendar, set: opts.Settings.OrDefault(),
		log: opts.Log, timeout: timeout,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cal.Holidays == nil {
		s.cal = offsitebot.NewCalendar(nil, s.cal.Closures)
	}
	s.jobs = jobsOf(cfg, scheds)
	return s, nil
}

// Start runs the jobs on their schedules, London time, until Stop. A panic in
// a job is logged and does not stop the others; a job still running when its
// next time comes skips that turn (the outbox makes up for it).
//
// It first runs what fired earlier today (as RunAt): a restart across 09:40
// would otherwise skip the day's prompt. The outbox keeps that to once.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	caughtUp := make(chan struct{})
	s.caughtUp = caughtUp
	go func() {
		defer close(caughtUp)
		defer func() { // as cron.Recover does for the scheduled runs
			if r := recover(); r != nil {
				s.log.ErrorContext(ctx, "reminders: catch-up run panicked", "panic", r)
			}
		}()
		if _, err := s.RunAt(ctx, s.now()); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "reminders: catch-up run failed", "err", err)
		}
	}()
	s.cron = s.newCron(func(name string) {
		if _, err := s.Run(ctx, name, s.now()); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "reminders: job failed", "job", name, "err", err)
		}
	})
	s.cron.Start()
}

// newCron builds the cron with one entry per enabled job calling run(name).
func (s *Scheduler) newCron(run func(name string)) *cron.Cron {
	logger := cronLogger{s.log}
	// Recover inside SkipIfStillRunning: the skip wrapper takes its token
	// back without a defer, so a panic escaping it would stop that job for good.
	c := cron.New(cron.WithLocation(offsitebot.London), cron.WithLogger(logger),
		cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)))
	for _, j := range s.jobs {
		c.Schedule(j.sched, cron.FuncJob(func() { run(j.name) }))
	}
	return c
}

// Stop stops the schedules and cancels running jobs; what they claimed but
// did not send is retried by a later run. The context is done when they have
// returned.
func (s *Scheduler) Stop() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron == nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	cronDone, caughtUp := s.cron.Stop(), s.caughtUp
	s.cancel()
	s.cron, s.cancel, s.caughtUp = nil, nil, nil
	ctx, done := context.WithCancel(context.Background())
	go func() {
		<-cronDone.Done()
		<-caughtUp
		done()
	}()
	return ctx
}

// Entry is one schedule and when it runs next.
type Entry struct {
	Name string
	Spec string
	Next time.Time // London time
}

// Next lists the schedules with their next run after now, soonest first
// (for `offsitebot reminders list`).
func (s *Scheduler) Next(now time.Time) []Entry {
	out := make([]Entry, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, Entry{Name: j.name, Spec: j.spec, Next: j.sched.Next(now.In(offsitebot.London))})
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.Next.Compare(b.Next) })
	return out
}

// DueAt lists the jobs that have fired on t's London day at or before t: what
// should have run by then.
func (s *Scheduler) DueAt(t time.Time) []string {
	t = t.In(offsitebot.London)
	dayStart := offsitebot.DateOf(t).Time()
	var names []string
	for _, j := range s.jobs {
		if n := j.sched.Next(dayStart.Add(-time.Second)); !n.IsZero() && !n.After(t) {
			names = append(names, j.name)
		}
	}
	return names
}

// RunAt runs, as of t, every job that should have run on t's London day by t
// (so "--at 14:00" runs the 09:40 prompt and the 13:30 chase, not the 16:00
// summary), and retries stale claims. It is safe to repeat: whatever an
// earlier run, or another replica, sent is not sent again. Use it after
// downtime: `offsitebot reminders run --at TIME`.
func (s *Scheduler) RunAt(ctx context.Context, t time.Time) (Report, error) {
	return s.run(ctx, t, s.DueAt(t))
}

// Run runs the named jobs as of t, whatever their schedules say.
func (s *Scheduler) Run(ctx context.Context, name string, t time.Time) (Report, error) {
	if !slices.ContainsFunc(s.jobs, func(j job) bool { return j.name == name }) {
		return Report{At: t}, fmt.Errorf("reminders: no job %q (or it is off)", name)
	}
	return s.run(ctx, t, []string{name})
}

// Report says what one run did.
type Report struct {
	At    time.Time
	Cases int // active cases read (0 if the run needed none)
	Jobs  []JobReport
}

// JobReport counts one job's reminders.
type JobReport struct {
	Job         string
	Skipped     string // why the job sent nothing today, such as "Saturday"
	Due         int    // reminders due now
	Duplicate   int    // already claimed by an earlier run or another replica
	Sent        int
	Unreachable int // recipient blocked the bot (staff told)
	NoSender    int // no adapter runs for the recipient's platform
	Failed      int // send failed, or left when the burst ran long: retried by a later run
}

// String is a one-line summary per job, for the command line.
func (r Report) String() string {
	var b strings.Builder
	cases := "active cases"
	if r.Cases == 1 {
		cases = "active case"
	}
	fmt.Fprintf(&b, "reminders run at %s (%d %s)\n", r.At.In(offsitebot.London).Format("Mon 2 Jan 2006 15:04 MST"), r.Cases, cases)
	for _, j := range r.Jobs {
		if j.Skipped != "" {
			fmt.Fprintf(&b, "  %-19s skipped: %s\n", j.Job, j.Skipped)
			continue
		}
		fmt.Fprintf(&b, "  %-19s due %d, sent %d, already sent %d, unreachable %d, no adapter %d, failed %d\n",
			j.Job, j.Due, j.Sent, j.Duplicate, j.Unreachable, j.NoSender, j.Failed)
	}
	return b.String()
}

// run runs the named jobs as of t on one read of the cases, and sends each
// person one digest of all they have from them.
func (s *Scheduler) run(ctx context.Context, t time.Time, names []string) (Report, error) {
	rep := Report{At: t}
	sw := &sweep{s: s, now: t, today: offsitebot.DateOf(t)}
	ob := &outbox{s: s, run: runID(), now: t, lastSave: time.Now(), gone: map[string]bool{}}
	var all []message
	var errs []error
	for _, j := range s.jobs {
		build := s.builder(j.name)
		if !slices.Contains(names, j.name) || build == nil {
			continue
		}
		msgs, skipped, err := build(ctx, sw)
		if err != nil {
			errs = append(errs, fmt.Errorf("reminders %s: %w", j.name, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		rep.Jobs = append(rep.Jobs, JobReport{Job: j.name, Skipped: skipped, Due: len(msgs)})
		all = append(all, msgs...)
	}
	byJob := func(job string) *JobReport {
		i := slices.IndexFunc(rep.Jobs, func(r JobReport) bool { return r.Job == job })
		return &rep.Jobs[i]
	}
	var unreach []unreachable
	if ctx.Err() == nil {
		u, err := s.dispatch(ctx, ob, all, byJob)
		unreach = u
		if err != nil {
			errs = append(errs, fmt.Errorf("reminders: %w", err))
		}
	}
	if ctx.Err() == nil && s.purgeDue(sw.today) {
		errs = append(errs, ob.purge(ctx))
	}
	if ctx.Err() == nil {
		jr := JobReport{Job: JobRetry}
		u, err := s.retry(ctx, ob, func(string) *JobReport { return &jr })
		unreach = append(unreach, u...)
		rep.Jobs = append(rep.Jobs, jr)
		if err != nil {
			errs = append(errs, fmt.Errorf("reminders retry: %w", err))
		}
	}
	if ctx.Err() == nil {
		s.reportUnreachable(ctx, unreach)
	}
	errs = append(errs, ob.flush(ctx))
	rep.Cases = len(sw.cases)
	return rep, errors.Join(errs...)
}

// tally is the report a job's reminders are counted into.
type tally func(job string) *JobReport

// dispatch claims msgs, one digest a person, and sends those this run won,
// counting each reminder into its job's report. It returns the recipients
// found unreachable, with the case each was about.
func (s *Scheduler) dispatch(ctx context.Context, ob *outbox, msgs []message, count tally) ([]unreachable, error) {
	won, err := ob.claim(ctx, ob.digests(msgs))
	if err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	for _, d := range won {
		for _, k := range d.Keys {
			mine[k] = true
		}
	}
	for _, m := range msgs {
		if !mine[m.Key] {
			count(m.Job).Duplicate++
		}
	}
	return s.deliverAll(ctx, ob, won, count)
}

// deliverAll sends the claimed digests, counting each reminder into its report.
func (s *Scheduler) deliverAll(ctx context.Context, ob *outbox, won []message, count tally) ([]unreachable, error) {
	ob.lastSave = time.Now() // the flush clock runs while sending, not while reading
	var unreach []unreachable
	var errs []error
	for i, d := range won {
		// A burst still sending when its claims look stale to other runs
		// would be sent twice: leave the rest to one retry instead. A retry
		// goes on: nothing takes a retry over.
		if !d.Retry && s.stamp(ob.now).Sub(d.ClaimedAt) > s.timeout/2 {
			for _, d := range won[i:] {
				for _, l := range lines(d, ob.now) {
					count(l.Job).Failed++
				}
			}
			s.log.WarnContext(ctx, "reminders: sending outlasted half the claim timeout; the rest are left to the retry",
				"left", len(won)-i)
			break
		}
		st, err := ob.deliver(ctx, d)
		for _, l := range lines(d, ob.now) {
			jr := count(l.Job)
			switch st {
			case stSent:
				jr.Sent++
			case stUnreachable:
				jr.Unreachable++
				unreach = append(unreach, unreachable{to: d.To, ref: l.Case})
			case stNoSender:
				jr.NoSender++
			case stError:
				jr.Failed++
			}
		}
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	// The outcomes are written before the run goes on.
	errs = append(errs, ob.flush(ctx))
	return unreach, errors.Join(errs...)
}

// retry takes over the claims earlier runs left unsent and sends them once.
func (s *Scheduler) retry(ctx context.Context, ob *outbox, count tally) ([]unreachable, error) {
	stale, err := ob.stale(ctx)
	if err != nil || len(stale) == 0 {
		return nil, err
	}
	jr := count(JobRetry)
	jr.Due = reminders(stale, ob.now)
	won, err := ob.takeOver(ctx, stale)
	jr.Duplicate = jr.Due - reminders(won, ob.now)
	if err != nil {
		return nil, err
	}
	for _, m := range won {
		s.log.InfoContext(ctx, "reminders: retrying unsent claim", "key", m.Key, "to", m.To)
	}
	return s.deliverAll(ctx, ob, won, count)
}

// reminders counts the reminders of digests still worth sending at now.
func reminders(ds []message, now time.Time) int {
	n := 0
	for _, d := range ds {
		n += len(lines(d, now))
	}
	return n
}

// purgeDue reports whether the outbox has not been purged today yet, and
// notes that it is about to be.
func (s *Scheduler) purgeDue(today offsitebot.Date) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastPurge == today {
		return false
	}
	s.lastPurge = today
	return true
}

// stamp is the time claims are stamped with, and their staleness judged
// against, in a run as of t: the clock's time when t is earlier. A catch-up
// run (reminders run --at 09:40, at 15:00) stamped with t would see its own
// claims as stale at once, and another replica's retry would send them again.
func (s *Scheduler) stamp(t time.Time) time.Time {
	if now := s.now(); now.After(t) {
		return now
	}
	return t
}

// runID names a run in its claims, for tracing a claim to the run that made it.
func runID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cronLogger passes cron's logging to slog: its chatter at debug level, its
// errors (recovered panics) at error level.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}

// sortMessages orders by key so runs are reproducible.
func sortMessages(msgs []message) {
	slices.SortFunc(msgs, func(a, b message) int { return cmp.Compare(a.Key, b.Key) })
}
