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
	c := &offsitebot.Case{
		Ref: demoRef, Status: offsitebot.Active, Demo: true,
		Pupil: "Sam Demo", DOB: today.AddDays(-365*13 - 3), HomeURN: demoHome, ReceivingURN: demoReceiving,
		Start: start, End: start.AddDays(42),
		Reasons: "DEMO: persistent disruption in lessons", Objectives: "DEMO: settle into lessons; no removals from class",
		Arrival: "Ms Khan at reception (demo)", Sessions: "08:40–15:10",
		Opened: now.Add(-14 * 24 * time.Hour), OpenedBy: "offsitebot", NoticeGiven: now.Add(-13 * 24 * time.Hour),
		Audit: []offsitebot.AuditEvent{{At: now, By: "offsitebot", Via: offsitebot.System, Action: "demo case created", Case: demoRef}},
	}
	c.Contacts = []offsitebot.Contact{{ID: "C1", At: start.At(16, 0), With: "receiving", How: "phone", Summary: "DEMO: first day went well", By: "offsitebot", Via: offsitebot.System}}
	c.LastSchoolContact = c.Contacts[0].At
	// Attendance up to the day before yesterday, so the demo has figures and one gap to chase.
	cal := offsitebot.NewCalendar(nil, nil)
	for d := start; d < today.AddDays(-1); d = d.AddDays(1) {
		if cal.IsSchoolDay(d) {
			pm := "/"
			if len(c.Attendance) == 2 {
				pm = "L"
			}
			c.Attendance = append(c.Attendance, offsitebot.AttendanceDay{Date: d, AM: "/", PM: pm, By: "offsitebot", At: d.At(9, 40), Via: offsitebot.System})
		}
	}
	if err := db.CreateCase(ctx, c); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
