package conversations

import (
	"context"
	"regexp"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

var urnPattern = regexp.MustCompile(`^\d{6}$`)

// maxSchoolChoices is how many matching schools are offered as buttons.
const maxSchoolChoices = 8

// matchSchools finds the schools q means: the one with that URN, else the
// one of exactly that name, else those whose name holds every word of q
// ("riverside", "oak prim"), in the order given.
func matchSchools(all []offsitebot.School, q string) []offsitebot.School {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	var out []offsitebot.School
	for _, s := range all {
		switch name := strings.ToLower(s.Name); {
		case s.URN == q || name == q:
			return []offsitebot.School{s}
		case containsAll(name, strings.Fields(q)):
			out = append(out, s)
		}
	}
	return out
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return len(words) > 0
}

// schoolLabel names a school for people: "Oakfield Primary (100001)".
func schoolLabel(s offsitebot.School) string { return s.Name + " (" + s.URN + ")" }

// findSchool returns the one school q names (its URN, or part of its name).
// When several match, they come back with an error saying so, so the person
// can pick one; none is an error saying what to give instead.
func (e *Engine) findSchool(ctx context.Context, q string) (offsitebot.School, []offsitebot.School, error) {
	q = strings.TrimSpace(q)
	all, err := e.Store.Schools(ctx)
	if err != nil {
		return offsitebot.School{}, nil, err
	}
	found := matchSchools(all, q)
	switch {
	case len(found) == 1:
		return found[0], nil, nil
	case len(found) > maxSchoolChoices:
		return offsitebot.School{}, nil, offsitebot.Errorf(offsitebot.EInvalid, "%d schools match %q: please type more of the name, or the school's 6-digit URN.", len(found), q)
	case len(found) > 1:
		var names []string
		for _, s := range found {
			names = append(names, schoolLabel(s))
		}
		return offsitebot.School{}, found, offsitebot.Errorf(offsitebot.EInvalid, "%d schools match %q: %s.", len(found), q, strings.Join(names, ", "))
	case urnPattern.MatchString(q):
		return offsitebot.School{}, nil, offsitebot.Errorf(offsitebot.ENotFound, "I don't know a school with URN %s. Please check the number; a new school is added by an offsitebot admin.", q)
	}
	return offsitebot.School{}, nil, offsitebot.Errorf(offsitebot.ENotFound, "No school I know has %q in its name. Please type part of the school's name or its 6-digit URN; a new school is added by an offsitebot admin.", q)
}

// schoolStep asks for a school by its name, or part of it, or its URN; the
// answer kept is the URN. When several schools match, the question comes
// again with one button for each.
func schoolStep(key, label, q string) step {
	return step{
		key: key, label: label, kind: bot.FieldText,
		ask: func(_ context.Context, s *session) (string, []bot.Button) { return q, s.choices[key] },
		check: func(ctx context.Context, s *session, v string) (string, error) {
			sc, several, err := s.e.findSchool(ctx, v)
			if len(several) > 0 {
				var bs []bot.Button
				for _, o := range several {
					bs = append(bs, bot.Button{Label: o.Name, Data: o.URN})
				}
				if s.choices == nil {
					s.choices = map[string][]bot.Button{}
				}
				s.choices[key] = bs
			}
			return sc.URN, err
		},
	}
}

// schoolName returns a school's name, or "school URN" if it is not known.
func (e *Engine) schoolName(ctx context.Context, urn string) string {
	return e.notify.schoolName(ctx, urn)
}

// schoolNamed is a school's name and URN ("Oakfield Primary (100001)"),
// or "school URN" if it is not known.
func (e *Engine) schoolNamed(ctx context.Context, urn string) string {
	s, err := e.Store.School(ctx, urn)
	if err != nil || s == nil {
		return "school " + urn
	}
	return schoolLabel(*s)
}
