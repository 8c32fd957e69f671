package conversations

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

func fixed(q string, buttons ...bot.Button) func(context.Context, *session) (string, []bot.Button) {
	return func(context.Context, *session) (string, []bot.Button) { return q, buttons }
}

// refStep asks which case; people linked to exactly one case are not asked.
// The answer is checked against the flow's own action (session.load).
func refStep() step {
	return step{
		key: "ref", label: "Case reference", kind: bot.FieldText,
		ask: func(ctx context.Context, s *session) (string, []bot.Button) {
			var bs []bot.Button
			// One button per active case, named so a parent of two knows which is which.
			if cs, err := s.linkedCases(ctx); err == nil {
				for _, k := range cs {
					bs = append(bs, bot.Button{Label: childName(&k, s.call.Who.Role) + " (" + k.Ref + ")", Data: k.Ref})
				}
			}
			if !s.call.Who.Role.Staff() {
				return msgWhichChild, bs
			}
			return "Which case? Type its reference, like OSD-7K2Q (type cases to list yours).", bs
		},
		prefill: func(ctx context.Context, s *session) (string, bool) {
			if s.c != nil {
				return s.c.Ref, true
			}
			who := s.call.Who
			if len(who.Cases) == 1 && (who.URN == "" || !who.Role.Staff()) {
				if err := s.load(ctx, who.Cases[0]); err == nil {
					return who.Cases[0], true
				}
			}
			return "", false
		},
		check: func(ctx context.Context, s *session, v string) (string, error) {
			ref, ok := offsitebot.ParseRef(v)
			if !ok && !s.call.Who.Role.Staff() && len(s.call.Who.Cases) > 0 {
				// A parent of two may answer with the child's first name.
				cs, err := s.linkedCases(ctx)
				if err != nil {
					return "", err
				}
				for _, k := range cs {
					if strings.EqualFold(firstName(k.Pupil), strings.TrimSpace(v)) || strings.EqualFold(k.Pupil, strings.TrimSpace(v)) {
						ref, ok = k.Ref, true
					}
				}
				if !ok {
					return "", offsitebot.Errorf(offsitebot.EInvalid, "%s", msgWhichChildAgain)
				}
			}
			if !ok {
				return "", offsitebot.BadRef(v)
			}
			if s.c != nil && s.c.Ref == ref {
				return ref, nil // read and checked for this flow's action already this turn
			}
			if err := s.load(ctx, ref); err != nil {
				return "", err
			}
			return ref, nil
		},
	}
}

// load reads the case and checks the person may do this flow's action to it.
func (s *session) load(ctx context.Context, ref string) error {
	c, err := s.e.Store.Case(ctx, ref)
	if err != nil {
		return err
	}
	if err := offsitebot.Can(s.call.Who, s.f.action, c); err != nil {
		return err
	}
	s.c = c
	return nil
}

// choice is one allowed answer: the value stored, what a button says, and other words accepted.
type choice struct {
	value, label string
	also         []string
}

// matches reports whether v, already lower case, names the choice (by value, label or another word).
func (o choice) matches(v string) bool {
	return v == o.value || v == strings.ToLower(o.label) || slices.Contains(o.also, v)
}

func choiceStep(key, label, q string, opts ...choice) step {
	var bs []bot.Button
	for _, o := range opts {
		bs = append(bs, bot.Button{Label: o.label, Data: o.value})
	}
	return step{
		key: key, label: label, kind: bot.FieldSelect, ask: fixed(q, bs...),
		check: func(_ context.Context, _ *session, v string) (string, error) {
			v = strings.ToLower(strings.TrimSpace(v))
			for i, o := range opts {
				if o.matches(v) || v == strconv.Itoa(i+1) {
					return o.value, nil
				}
			}
			var names []string
			for _, o := range opts {
				names = append(names, o.value)
			}
			return "", offsitebot.Errorf(offsitebot.EInvalid, "%q isn't one of the choices. Please answer one of: %s.", v, strings.Join(names, ", "))
		},
	}
}

func plain(values ...string) []choice {
	out := make([]choice, len(values))
	for i, v := range values {
		out[i] = choice{value: v, label: v}
	}
	return out
}

var yesNo = []choice{{value: "yes", label: "Yes", also: []string{"y", "true"}}, {value: "no", label: "No", also: []string{"n", "false"}}}

// textStep takes free text up to offsitebot.MaxSummary characters.
func textStep(key, label, q string, optional bool) step {
	return step{
		key: key, label: label, kind: bot.FieldLong, free: true, optional: optional, ask: fixed(q),
		check: func(_ context.Context, _ *session, v string) (string, error) {
			return checkLength(v)
		},
	}
}

// confirmStep asks, when it applies, whether to keep an answer that is
// unusual (q says what and why), with buttons saying yes and no; "no" clears
// redoKeys and asks for them again, after saying again.
func confirmStep(key, label string, when func(*session) bool, q func(*session) string, yes, no, again string, redoKeys ...string) step {
	st := choiceStep(key, label, "", yesNo...)
	st.when, st.confirm = when, true
	st.ask = func(_ context.Context, s *session) (string, []bot.Button) {
		return q(s), []bot.Button{{Label: yes, Data: "yes"}, {Label: no, Data: "no"}}
	}
	check := st.check
	st.check = func(ctx context.Context, s *session, v string) (string, error) {
		v, err := check(ctx, s, v)
		if err == nil && v == "no" {
			return "", &redo{msg: again, keys: redoKeys}
		}
		return v, err
	}
	return st
}

// summaryStep ends a guided flow: text says what is about to happen, then
// the person goes ahead (yes, or the words of the yes button) or changes one of
// the answers keys. That question comes again, then those that depend on it
// (after), then this summary. A flow given in one line has no summary.
func summaryStep(key string, yes func(*session) string, text func(context.Context, *session) string, keys []string, after map[string][]string) step {
	// changeable are the questions of keys that apply and were not answered for the person.
	changeable := func(ctx context.Context, s *session) []step {
		var out []step
		for _, k := range keys {
			st, ok := s.f.step(k)
			if !ok || !s.applies(st) {
				continue
			}
			if st.prefill != nil {
				if _, given := st.prefill(ctx, s); given {
					continue
				}
			}
			out = append(out, st)
		}
		return out
	}
	return step{
		key: key, label: "Go ahead?", kind: bot.FieldSelect, summary: true, keywords: append([]string{"change"}, keys...),
		when: (*session).guided,
		ask: func(ctx context.Context, s *session) (string, []bot.Button) {
			bs := []bot.Button{{Label: yes(s), Data: "yes"}}
			for _, st := range changeable(ctx, s) {
				bs = append(bs, bot.Button{Label: "Change " + phrase(st.label), Data: "change " + st.key})
			}
			return text(ctx, s), bs
		},
		check: func(ctx context.Context, s *session, v string) (string, error) {
			w := strings.ToLower(strings.TrimSpace(v))
			if yesNo[0].matches(w) || w == strings.ToLower(yes(s)) {
				return "yes", nil
			}
			w = strings.TrimSpace(strings.TrimPrefix(w, "change"))
			var names []string
			for _, st := range changeable(ctx, s) {
				if w == st.key || w == strings.ToLower(phrase(st.label)) {
					return "", &redo{msg: "OK, let's change the " + phrase(st.label) + ".", keys: append(append([]string{st.key}, after[st.key]...), key)}
				}
				names = append(names, st.key)
			}
			return "", offsitebot.Errorf(offsitebot.EInvalid, "Which answer should I change? Choose its button, or type change and one of: %s. Or type yes to go ahead.", strings.Join(names, ", "))
		},
	}
}

// phrase turns a question's label into words for a sentence: "End date
// (optional)" into "end date", "EHC plan?" into "EHC plan".
func phrase(label string) string {
	label = strings.TrimSuffix(strings.TrimSuffix(label, " (optional)"), "?")
	r := []rune(label)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// MaxRequest is the longest written request kept: a parent's letter, word for word.
const MaxRequest = 20000

// requestStep takes a written request word for word.
func requestStep(key, label, q string) step {
	st := textStep(key, label, q, false)
	st.check = func(_ context.Context, _ *session, v string) (string, error) {
		if n := utf8.RuneCountInString(v); n > MaxRequest {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "That is %d characters; the most I can keep is %d. Please send the rest as a second request.", n, MaxRequest)
		}
		return v, nil
	}
	return st
}

func checkLength(v string) (string, error) {
	if n := utf8.RuneCountInString(v); n > offsitebot.MaxSummary {
		return "", offsitebot.Errorf(offsitebot.EInvalid, "That is %d characters; the most I can keep is %d. Please shorten it (the full text can go in an email, and you can log that email as a contact).", n, offsitebot.MaxSummary)
	}
	return v, nil
}

// dateRule says how a date answer is read (a year-less date or a weekday,
// by lean) and how far from today it may lie.
type dateRule struct {
	lean offsitebot.Lean
	span offsitebot.Span
}

var (
	anyDate   = dateRule{offsitebot.Near, offsitebot.StartSpan}  // a first or last day
	notFuture = dateRule{offsitebot.Back, offsitebot.BackSpan}   // what happened
	notPast   = dateRule{offsitebot.Ahead, offsitebot.AheadSpan} // what is to come
)

// dateStep asks q, adding how a date may be written.
func dateStep(key, label, q string, rule dateRule, optional bool) step {
	return step{
		key: key, label: label, kind: bot.FieldDate, optional: optional,
		ask: func(_ context.Context, s *session) (string, []bot.Button) {
			skip := ""
			if optional {
				skip = "; or skip"
			}
			return fmt.Sprintf("%s (for example %s%s)", q, offsitebot.DateExample(s.now(), rule.lean), skip), nil
		},
		check: func(_ context.Context, s *session, v string) (string, error) {
			if !optional && strings.EqualFold(strings.TrimSpace(v), "skip") {
				return "", offsitebot.Errorf(offsitebot.EInvalid, "This one can't be skipped: please give a date.")
			}
			d, err := offsitebot.ParseDate(v, s.now(), rule.lean)
			if err != nil {
				return "", err
			}
			if err := rule.span.Check(d, offsitebot.DateOf(s.now())); err != nil {
				return "", err
			}
			return string(d), nil
		},
	}
}

// birthStep asks for a date of birth: a whole date, no "today", a pupil's age.
func birthStep(key, label, q string) step {
	return step{
		key: key, label: label, kind: bot.FieldDate, ask: fixed(q),
		check: func(_ context.Context, s *session, v string) (string, error) {
			d, err := offsitebot.ParseBirthDate(v, s.now())
			return string(d), err
		},
	}
}

func timeStep(key, label, q string) step {
	return step{
		key: key, label: label, kind: bot.FieldTime, ask: fixed(q),
		check: func(_ context.Context, _ *session, v string) (string, error) {
			h, m, err := offsitebot.ParseClock(v)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%02d:%02d", h, m), nil
		},
	}
}

// dayTime echoes an instant someone gave: "Thu 3 Dec 15:30", with the year
// when it is not this year's.
func dayTime(t, now time.Time) string {
	t, now = t.In(offsitebot.London), now.In(offsitebot.London)
	if t.Year() != now.Year() {
		return t.Format("Mon 2 Jan 2006 15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// splitWhen takes a date and a time as people write them ("3 Dec 3:30 pm",
// "tomorrow 15:30") off the front of w: up to the first word that stop
// accepts or, if none does, up to the time. It returns the words after them.
func splitWhen(w words, stop func(string) bool) (date, clock string, rest words) {
	end := slices.IndexFunc(w, func(x word) bool { return stop(x.s) })
	for i := len(w); end < 0 && i > 0; i-- {
		if _, c := offsitebot.CutClock(w[:i].join()); c != "" {
			end = i
		}
	}
	if end < 0 {
		end = len(w)
	}
	date, clock = offsitebot.CutClock(w[:end].join())
	return date, clock, w[end:]
}

// join is the words, each as typed, with one space between.
func (w words) join() string {
	f := make([]string, len(w))
	for i, x := range w {
		f[i] = x.s
	}
	return strings.Join(f, " ")
}

// isRef reports whether w reads as a case reference.
func isRef(w string) bool { _, ok := offsitebot.ParseRef(w); return ok }

// refChoiceText reads "OSD-… CHOICE text…": the reference, then one of cs
// as answer key, then the rest, as typed, as answer "text".
func refChoiceText(key string, cs []choice) func(words, answers) {
	return func(w words, a answers) {
		w = shiftRef(w, a)
		if len(w) > 0 && matchChoice(cs, w[0].s) {
			a[key], w = w[0].s, w[1:]
		}
		if len(w) > 0 {
			a["text"] = w.text()
		}
	}
}

// shiftRef takes a leading case reference off words into a["ref"].
func shiftRef(w words, a answers) words {
	if len(w) > 0 && isRef(w[0].s) {
		a["ref"] = w[0].s
		return w[1:]
	}
	return w
}
