package main

import (
	"context"
	"fmt"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage"
)

// The demo's schools and case: clearly marked, so nobody mistakes them for a real pupil.
const (
	demoHome      = "100001"
	demoReceiving = "100002"
	demoRef       = "OSD-DEM0"
)

// seedDemo adds the demo schools and case once; it never touches anything else.
func seedDemo(ctx context.Context, db *storage.DB, now time.Time) error {
	for _, s := range []offsitebot.School{{URN: demoHome, Name: "Oakfield Primary (demo)"}, {URN: demoReceiving, Name: "Riverside Academy (demo)"}} {
		if _, err := db.School(ctx, s.URN); err == nil {
			continue
		}
		if err := db.PutSchool(ctx, s); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if _, err := db.Case(ctx, demoRef); err == nil {
		return nil
	}
	today := offsitebot.DateOf(now)
	start := today.AddDays(-9)
	for start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
		start = start.AddDays(-1) // a direction starts on a school day
	}
	opened := now.Add(-14 * 24 * time.Hour)
	c, err := offsitebot.Open(offsitebot.BotActor(opened), offsitebot.Case{
		Ref: demoRef, Demo: true,
		Pupil: "Sam Demo", DOB: today.AddDays(-365*13 - 3), HomeURN: demoHome, ReceivingURN: demoReceiving,
		Start: start, End: start.AddDays(42),
		Reasons: "DEMO: persistent disruption in lessons", Objectives: "DEMO: settle into lessons; no removals from class",
		Arrival: "Ms Khan at reception (demo)", Sessions: "08:40–15:10",
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := db.CreateCase(ctx, c); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// Its history is recorded as any other case's, so the records agree.
	_, err = db.UpdateCase(ctx, demoRef, func(c *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		var audit []offsitebot.AuditEvent
		record := func(ch offsitebot.Change, err error) error {
			audit = append(audit, ch.Audit...)
			return err
		}
		if err := record(c.RecordNotice(offsitebot.BotActor(now.Add(-13*24*time.Hour)), "", "letter")); err != nil {
			return nil, err
		}
		if err := record(c.AddContact(offsitebot.BotActor(start.At(16, 0)), offsitebot.Contact{With: "receiving", How: "phone", Summary: "DEMO: first day went well"})); err != nil {
			return nil, err
		}
		// Attendance up to the day before yesterday, so the demo has figures and one gap to chase.
		cal := offsitebot.NewCalendar(nil, nil)
		for d := start; d < today.AddDays(-1); d = d.AddDays(1) {
			if !cal.IsSchoolDay(d) {
				continue
			}
			pm := "/"
			if len(c.Attendance) == 2 {
				pm = "L"
			}
			_, ch, err := c.RecordAttendance(offsitebot.BotActor(d.At(9, 40)), offsitebot.AttendanceDay{Date: d, AM: "/", PM: pm})
			if err := record(ch, err); err != nil {
				return nil, err
			}
		}
		return audit, nil
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
