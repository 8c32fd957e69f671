package conversations

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// The staff pack names the staff who recorded things (from their
// identities) and lists the duties as `due` words them for its reader; the
// family's version lists none of the schools' duties.
func TestDocumentInput(t *testing.T) {
	ctx := context.Background()
	db := storagetest.New(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London)
	const staffID, laID, parentID = "slack:T1:UHOME", "slack:T1:ULA", "telegram:11"
	for _, id := range []offsitebot.Identity{
		{ID: staffID, Role: offsitebot.RoleHome, URN: "100001", Name: "Sam Jones"},
		{ID: laID, Role: offsitebot.RoleLA, Name: "Lee Officer"},
		{ID: parentID, Role: offsitebot.RoleParent, Name: "Pat (as in Telegram)", Cases: []string{"OSD-7K2Q"}},
		{ID: "slack:T1:UOTHER", Role: offsitebot.RoleHome, URN: "100001", Name: "Not involved"},
	} {
		if err := db.PutIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutSchool(ctx, offsitebot.School{URN: "100001", Name: "Oakfield Primary"}); err != nil {
		t.Fatal(err)
	}
	k := &offsitebot.Case{
		Ref: "OSD-7K2Q", Status: offsitebot.Active, Pupil: "Sam Taylor", DOB: "2012-03-04", HomeURN: "100001", ReceivingURN: "100002",
		Start: "2026-11-30", Opened: now.AddDate(0, 0, -10), OpenedBy: staffID,
		People:   []offsitebot.Person{{ID: parentID, Role: offsitebot.RoleParent, Name: "Pat Taylor"}},
		Contacts: []offsitebot.Contact{{ID: "C1", At: now.Add(-time.Hour), With: "la", How: "email", Summary: "Funding", By: laID}},
		Feedback: []offsitebot.Feedback{{ID: "F1", At: now.Add(-time.Hour), By: parentID, Family: "Fine"}},
	}
	e := New(Deps{Store: db, Now: func() time.Time { return now }, Calendar: offsitebot.NewCalendar(nil, nil)})
	tests := []struct {
		name   string
		d      Document
		reader offsitebot.Identity
		names  []string
		duties []string
	}{
		{"staff pack, read at the home school", Document{Kind: DocPack}, offsitebot.Identity{Role: offsitebot.RoleHome, URN: "100001"},
			[]string{staffID, laID}, []string{
				"written notice to the parents was due by Thu 26 Nov (2 school days before the start on Mon 30 Nov) and is not recorded as given — give it now",
				"attendance not confirmed for 2 school days, the earliest Mon 30 Nov",
			}},
		{"staff pack, read by the LA: whose duty", Document{Kind: DocPack}, offsitebot.Identity{Role: offsitebot.RoleLA},
			[]string{staffID, laID}, []string{
				"written notice to the parents was due by Thu 26 Nov (2 school days before the start on Mon 30 Nov) and is not recorded as given (for the home school)",
				"attendance not confirmed for 2 school days, the earliest Mon 30 Nov (for the receiving school)",
			}},
		{"family pack: no staff duties", Document{Kind: DocPack, Family: true}, offsitebot.Identity{Role: offsitebot.RoleParent},
			[]string{staffID, laID}, nil},
		{"a letter needs neither", Document{Kind: offsitebot.LetterNotice}, offsitebot.Identity{Role: offsitebot.RoleHome, URN: "100001"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := e.input(ctx, k, tt.d, tt.reader, now)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(in.Names)); !slices.Equal(got, tt.names) {
				t.Errorf("names of %v, want %v (linked people are named from the case)", got, tt.names)
			}
			if tt.names != nil && (in.Names[staffID] != "Sam Jones" || in.Names[laID] != "Lee Officer") {
				t.Errorf("staff named %v", in.Names)
			}
			if !slices.Equal(in.Duties, tt.duties) {
				t.Errorf("duties %q, want %q", in.Duties, tt.duties)
			}
			if in.Home.Name != "Oakfield Primary" || in.Receiving.Name != "school 100002" || in.Family != tt.d.Family {
				t.Errorf("input %+v", in)
			}
		})
	}
}

// TestStaffPackNamesWhomTheLawNames: the staff pack's duties and breaches
// say the pupil once 18, the parents before.
func TestStaffPackNamesWhomTheLawNames(t *testing.T) {
	ctx := context.Background()
	db := storagetest.New(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London)
	e := New(Deps{Store: db, Now: func() time.Time { return now }, Calendar: offsitebot.NewCalendar(nil, nil)})
	for _, tc := range []struct {
		name, dob, named, other string
	}{
		{"under 18", "2012-03-04", "the parents", "the pupil"},
		{"18", "2008-05-20", "the pupil", "the parents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// M1 decided to continue; nobody was invited and nobody told.
			k := &offsitebot.Case{
				Ref: "OSD-7K2Q", Status: offsitebot.Active, Pupil: "Sam Taylor", DOB: offsitebot.Date(tc.dob), HomeURN: "100001", ReceivingURN: "100002",
				Start: "2026-11-16", End: "2027-01-29", Opened: now.AddDate(0, 0, -20),
				Meetings: []offsitebot.Meeting{{ID: "M1", At: time.Date(2026, 11, 24, 10, 0, 0, 0, offsitebot.London), Mode: offsitebot.InPerson,
					Outcome: &offsitebot.ReviewOutcome{Decision: offsitebot.DecisionContinue, Next: "2026-12-08"}}},
			}
			in, err := e.input(ctx, k, Document{Kind: DocPack}, offsitebot.Identity{Role: offsitebot.RoleHome, URN: "100001"}, now)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Join(append(in.Duties, in.Breaches...), "\n")
			for _, want := range []string{
				"written notice to " + tc.named + " was due by Thu 12 Nov",
				"decision to continue from the Tue 24 Nov meeting was due to " + tc.named + " by Mon 30 Nov (6 days after) — tell them now",
				"Invitation to M1 (Tue 24 Nov): due by Wed 18 Nov (6 days before); " + tc.named,
				"Decision of M1 (Tue 24 Nov) told to " + tc.named + ": due by Mon 30 Nov (6 days after); not told yet.",
			} {
				if !strings.Contains(lines, want) {
					t.Errorf("the pack's duties and breaches lack %q:\n%s", want, lines)
				}
			}
			if strings.Contains(lines, tc.other) {
				t.Errorf("the pack speaks of %s:\n%s", tc.other, lines)
			}
		})
	}
}
