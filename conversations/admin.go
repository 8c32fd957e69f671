package conversations

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// What admins type; replies name people and schools, never internal IDs.
const (
	schoolUsage = "Schools: school add URN NAME [phone=…] adds one (e.g. school add 100001 Oakfield Primary phone=\"01632 960000\"); school set SCHOOL name=… phone=… changes one (SCHOOL is its URN or part of its name); school list shows them."
	staffUsage  = "Staff: staff add USER home|receiving|la|admin SCHOOL [name=\"Full Name\"] (e.g. staff add @sam home oakfield name=\"Sam Khan\"); staff remove USER; staff list."
)

func (e *Engine) school(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	return subcommand(ctx, c, schoolUsage, map[string]bot.HandlerFunc{"list": e.schoolList, "add": e.schoolAdd, "set": e.schoolSet})
}

func (e *Engine) staff(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	return subcommand(ctx, c, staffUsage, map[string]bot.HandlerFunc{"list": e.staffList, "add": e.staffAdd, "remove": e.staffRemove})
}

// subcommand runs the one of subs its first word names ("school list"),
// or says how to use the command.
func subcommand(ctx context.Context, c bot.Call, usage string, subs map[string]bot.HandlerFunc) ([]bot.Reply, error) {
	if len(c.Args) > 0 {
		if run := subs[strings.ToLower(c.Args[0])]; run != nil {
			return run(ctx, c)
		}
	}
	return text(usage), nil
}

// keyArgs splits words into the key=value answers of keys and the other
// words; a key=value of another key is an error, so nothing is silently
// taken as part of a name. Words after a key=value continue its value, as
// people type them unquoted (phone=01632 960000, name=Sam Khan), so the
// key=value answers come last.
func keyArgs(words []string, keys ...string) (map[string]string, []string, error) {
	vals := map[string]string{}
	var rest []string
	last := ""
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		switch k = strings.ToLower(k); {
		case ok && slices.Contains(keys, k):
			vals[k], last = strings.TrimSpace(v), k
		case ok && keyLike(k):
			return nil, nil, offsitebot.Errorf(offsitebot.EInvalid, "I don't know %s=: I take %s=.", k, strings.Join(keys, "= and "))
		case last != "":
			vals[last] = strings.TrimSpace(vals[last] + " " + w)
		default:
			rest = append(rest, w)
		}
	}
	return vals, rest, nil
}

func (e *Engine) schoolList(ctx context.Context, _ bot.Call) ([]bot.Reply, error) {
	schools, err := e.Store.Schools(ctx)
	if err != nil {
		return nil, err
	}
	if len(schools) == 0 {
		return text("No schools yet. " + schoolUsage), nil
	}
	rows := [][]string{{"URN", "School", "Phone"}}
	for _, s := range schools {
		rows = append(rows, []string{s.URN, s.Name, orDash(s.Phone)})
	}
	return text(fmt.Sprintf("Schools (%d):\n%s", len(schools), table(rows))), nil
}

func (e *Engine) schoolAdd(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	vals, rest, err := keyArgs(c.Args[1:], "phone")
	if err != nil {
		return nil, err
	}
	if len(rest) < 2 {
		return text("To add a school: school add URN NAME [phone=…], e.g. school add 100001 Oakfield Primary phone=\"01632 960000\"."), nil
	}
	s := offsitebot.School{URN: rest[0], Name: strings.Join(rest[1:], " "), Phone: vals["phone"]}
	if !urnPattern.MatchString(s.URN) {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%q isn't a URN: a school's URN has 6 digits, e.g. school add 100001 Oakfield Primary.", s.URN)
	}
	if old, err := e.Store.School(ctx, s.URN); err == nil {
		return nil, offsitebot.Errorf(offsitebot.EConflict, "%s is already %s. To change it: school set %s name=… phone=…", s.URN, old.Name, s.URN)
	}
	if err := e.saveSchool(ctx, c, s, "school added", s.URN+" "+s.Name); err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("Added %s%s. Staff can be added to it with: staff add USER home|receiving %s", schoolLabel(s), phoneText(s.Phone), s.URN)), nil
}

func phoneText(p string) string {
	if p == "" {
		return ""
	}
	return ", phone " + p
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// saveSchool stores s and audits who did it.
func (e *Engine) saveSchool(ctx context.Context, c bot.Call, s offsitebot.School, action, detail string) error {
	if err := e.Store.PutSchool(ctx, s); err != nil {
		return err
	}
	return e.Store.AppendAudit(ctx, offsitebot.AuditEvent{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: action, Detail: detail})
}

// schoolSet changes a school's name or phone: school set SCHOOL name=… phone=….
func (e *Engine) schoolSet(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	vals, rest, err := keyArgs(c.Args[1:], "name", "phone")
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 || len(vals) == 0 {
		return text("To change a school: school set SCHOOL name=… phone=…, e.g. school set 100001 phone=\"01632 960000\" (SCHOOL is its URN or part of its name)."), nil
	}
	s, several, err := e.findSchool(ctx, strings.Join(rest, " "))
	if len(several) > 0 {
		return pickSchool(offsitebot.ErrorMessage(err), several, func(urn string) string {
			return "/school set " + urn + " " + keyWords(vals, "name", "phone")
		}), nil
	}
	if err != nil {
		return nil, err
	}
	was := s
	if v, ok := vals["name"]; ok && v != "" {
		s.Name = v
	}
	if v, ok := vals["phone"]; ok {
		s.Phone = strings.TrimPrefix(v, "-")
	}
	if s == was {
		return text(fmt.Sprintf("%s already has that name and phone number; nothing changed.", schoolLabel(s))), nil
	}
	var changes []string
	if s.Name != was.Name {
		changes = append(changes, fmt.Sprintf("name %s → %s", was.Name, s.Name))
	}
	if s.Phone != was.Phone {
		changes = append(changes, fmt.Sprintf("phone %s → %s", orDash(was.Phone), orDash(s.Phone)))
	}
	if err := e.saveSchool(ctx, c, s, "school changed", s.URN+" "+strings.Join(changes, "; ")); err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("Changed %s: %s.", schoolLabel(s), strings.Join(changes, "; "))), nil
}

// keyWords writes answers back as key=value words, quoted where they hold spaces.
func keyWords(vals map[string]string, keys ...string) string {
	var out []string
	for _, k := range keys {
		if v, ok := vals[k]; ok {
			out = append(out, k+"="+quoted(v))
		}
	}
	return strings.Join(out, " ")
}

func quoted(v string) string {
	if v == "" || strings.ContainsAny(v, " \t") {
		return `"` + v + `"`
	}
	return v
}

// pickSchool answers a command that named several schools: one button for
// each, which runs the command again with that school (cmd gives it).
func pickSchool(msg string, several []offsitebot.School, cmd func(urn string) string) []bot.Reply {
	var bs []bot.Button
	for _, s := range several {
		bs = append(bs, bot.Button{Label: s.Name, Data: cmd(s.URN)})
	}
	return []bot.Reply{{Text: msg, Buttons: rows(bs)}}
}

// table lays rows out in aligned columns.
func table(rows [][]string) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}

var slackMention = regexp.MustCompile(`^<@([A-Z0-9]+)(\|[^>]*)?>$`)

// staffID turns what an admin typed into an identity ID on the admin's platform.
func staffID(who offsitebot.Identity, user string, role offsitebot.Role) (string, error) {
	switch {
	case strings.Count(user, ":") >= 1 && !strings.HasPrefix(user, "<"):
		return user, nil
	case slackMention.MatchString(user):
		team := strings.Split(who.ID, ":")
		if len(team) < 3 || team[0] != string(offsitebot.Slack) {
			return "", offsitebot.Errorf(offsitebot.EInvalid, "Give the person's full ID, e.g. slack:T123:U456.")
		}
		return "slack:" + team[1] + ":" + slackMention.FindStringSubmatch(user)[1], nil
	case who.Platform() == offsitebot.Shell:
		return "shell:" + string(role) + ":" + strings.TrimPrefix(user, "@"), nil
	}
	return "", offsitebot.Errorf(offsitebot.EInvalid, "I can't tell who %q is. Mention them with @ so Slack fills in who they are, or give their ID (slack:TEAM:USER).", user)
}

// staffAs says what a member of staff can do, for a sentence: "home-school
// staff at Oakfield Primary (100001)".
func (e *Engine) staffAs(ctx context.Context, role offsitebot.Role, urn string) string {
	switch role {
	case offsitebot.RoleHome:
		return "home-school staff at " + e.schoolNamed(ctx, urn)
	case offsitebot.RoleReceiving:
		return "receiving-school staff at " + e.schoolNamed(ctx, urn)
	case offsitebot.RoleLA:
		return "a local-authority officer"
	}
	return "an admin"
}

func (e *Engine) staffList(ctx context.Context, _ bot.Call) ([]bot.Reply, error) {
	ids, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{})
	if err != nil {
		return nil, err
	}
	ids = slices.DeleteFunc(ids, func(i offsitebot.Identity) bool { return !i.Role.Staff() })
	if len(ids) == 0 {
		return text("No staff yet. " + staffUsage), nil
	}
	rows := [][]string{{"Name", "Role", "School", "On"}}
	for _, i := range ids {
		school := "—"
		if i.URN != "" {
			school = e.schoolNamed(ctx, i.URN)
		}
		rows = append(rows, []string{personLabel(i), roleWords(i.Role), school, platformName(i.Platform())})
	}
	return text(fmt.Sprintf("Staff (%d):\n%s", len(ids), table(rows))), nil
}

// personLabel is the name a person goes by here.
func personLabel(i offsitebot.Identity) string {
	if i.Name == "" || strings.Contains(i.Name, ":") {
		return "(name not given)"
	}
	return i.Name
}

func roleWords(r offsitebot.Role) string {
	switch r {
	case offsitebot.RoleHome:
		return "home-school staff"
	case offsitebot.RoleReceiving:
		return "receiving-school staff"
	case offsitebot.RoleLA:
		return "local authority"
	}
	return string(r)
}

func platformName(p offsitebot.Platform) string {
	switch p {
	case offsitebot.Slack:
		return "Slack"
	case offsitebot.Telegram:
		return "Telegram"
	}
	return string(p)
}

// staffAdd gives a person a staff role: staff add USER ROLE [SCHOOL…] [name=…].
func (e *Engine) staffAdd(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	vals, rest, err := keyArgs(c.Args[1:], "name")
	if err != nil {
		return nil, err
	}
	if len(rest) < 2 {
		return text(staffUsage), nil
	}
	role := offsitebot.Role(strings.ToLower(rest[1]))
	if !role.Staff() {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%q isn't a staff role. Use home, receiving, la or admin.", rest[1])
	}
	id, err := staffID(c.Who, rest[0], role)
	if err != nil {
		return nil, err
	}
	urn := ""
	if role == offsitebot.RoleHome || role == offsitebot.RoleReceiving {
		if len(rest) < 3 {
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "Which school? %s", staffUsage)
		}
		s, several, err := e.findSchool(ctx, strings.Join(rest[2:], " "))
		if len(several) > 0 {
			return pickSchool(offsitebot.ErrorMessage(err), several, func(urn string) string {
				return strings.TrimSpace(fmt.Sprintf("/staff add %s %s %s %s", id, role, urn, keyWords(vals, "name")))
			}), nil
		}
		if err != nil {
			return nil, err
		}
		urn = s.URN
	}
	old, err := e.Store.Identity(ctx, id)
	if offsitebot.ErrorCode(err) == offsitebot.ENotFound {
		old, err = nil, nil // someone new
	}
	if err != nil {
		return nil, err
	}
	name := vals["name"]
	switch {
	case name != "":
	case old != nil && old.Name != "":
		name = old.Name
	case c.Who.Platform() == offsitebot.Shell:
		name = strings.TrimPrefix(rest[0], "@")
		if _, n, ok := strings.Cut(strings.TrimPrefix(name, "shell:"), ":"); ok {
			name = n
		}
	}
	if err := e.Store.PutIdentity(ctx, offsitebot.Identity{ID: id, Role: role, Name: name, URN: urn, Created: c.Now}); err != nil {
		return nil, err
	}
	if err := e.Store.AppendAudit(ctx, offsitebot.AuditEvent{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "staff added", Detail: fmt.Sprintf("%s as %s %s", id, role, urn)}); err != nil {
		return nil, err
	}
	who := name
	if who == "" || strings.Contains(who, ":") {
		who = "The person you named"
	}
	reply := fmt.Sprintf("%s can now use offsitebot as %s.", who, e.staffAs(ctx, role, urn))
	if old != nil && old.Role.Staff() && (old.Role != role || old.URN != urn) {
		reply += fmt.Sprintf(" Before, they were %s.", e.staffAs(ctx, old.Role, old.URN))
	}
	if who != name {
		reply += " Their name shows in staff list once they first use offsitebot, or give it now: add name=\"Full Name\" to this command."
	}
	return text(strings.TrimSpace(reply)), nil
}

// staffRemove takes a person's staff role away: staff remove USER, where
// USER is as in staff add, or the name staff list shows.
func (e *Engine) staffRemove(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	user := strings.TrimSpace(strings.Join(c.Args[1:], " "))
	if user == "" {
		return text("To remove someone: staff remove USER (as in staff add, or their name as staff list shows it)."), nil
	}
	ids, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{})
	if err != nil {
		return nil, err
	}
	idOf := map[offsitebot.Role]string{}
	for _, r := range []offsitebot.Role{offsitebot.RoleAdmin, offsitebot.RoleHome, offsitebot.RoleReceiving, offsitebot.RoleLA} {
		idOf[r], _ = staffID(c.Who, user, r)
	}
	var found []offsitebot.Identity
	for _, i := range ids {
		if i.Role.Staff() && (i.ID == idOf[i.Role] || strings.EqualFold(i.Name, user)) {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 0:
		return nil, offsitebot.Errorf(offsitebot.ENotFound, "%s isn't offsitebot staff that I know. staff list shows who is.", user)
	case len(found) > 1:
		var bs []bot.Button
		for _, i := range found {
			bs = append(bs, bot.Button{Label: personLabel(i) + ", " + e.staffAs(ctx, i.Role, i.URN), Data: "/staff remove " + i.ID})
		}
		return []bot.Reply{{Text: fmt.Sprintf("%d staff go by %q. Which one?", len(found), user), Buttons: rows(bs)}}, nil
	case found[0].ID == c.Who.ID:
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "You can't remove yourself: please ask another admin.")
	}
	i := found[0]
	if err := e.Store.PutIdentity(ctx, offsitebot.Identity{ID: i.ID, Name: i.Name, Created: c.Now}); err != nil {
		return nil, err
	}
	if err := e.Store.AppendAudit(ctx, offsitebot.AuditEvent{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "staff removed", Detail: fmt.Sprintf("%s, was %s %s", i.ID, i.Role, i.URN)}); err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("%s can no longer use offsitebot (they were %s).", personLabel(i), e.staffAs(ctx, i.Role, i.URN))), nil
}
