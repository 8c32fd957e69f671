package conversations

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

func (e *Engine) school(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if len(c.Args) > 0 && strings.EqualFold(c.Args[0], "list") {
		schools, err := e.Store.Schools(ctx)
		if err != nil {
			return nil, err
		}
		lines := []string{"Schools:"}
		for _, s := range schools {
			lines = append(lines, s.URN+"  "+s.Name)
		}
		return text(strings.Join(lines, "\n")), nil
	}
	if len(c.Args) < 3 || !strings.EqualFold(c.Args[0], "add") {
		return text("To add a school: school add URN NAME, e.g. school add 100001 Oakfield Primary. To see them: school list."), nil
	}
	urn, name := c.Args[1], strings.Join(c.Args[2:], " ")
	if !urnPattern.MatchString(urn) {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%q isn't a URN: a school's URN has 6 digits, e.g. 100001.", urn)
	}
	if err := e.Store.PutSchool(ctx, offsitebot.School{URN: urn, Name: name}); err != nil {
		return nil, err
	}
	if err := e.Store.AppendAudit(ctx, offsitebot.AuditEvent{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "school added", Detail: urn}); err != nil {
		return nil, err
	}
	return text(fmt.Sprintf("School %s (%s) saved.", name, urn)), nil
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

func (e *Engine) staff(ctx context.Context, c bot.Call) ([]bot.Reply, error) {
	if len(c.Args) > 0 && strings.EqualFold(c.Args[0], "list") {
		ids, err := e.Store.Identities(ctx, offsitebot.IdentityFilter{})
		if err != nil {
			return nil, err
		}
		ids = slices.DeleteFunc(ids, func(i offsitebot.Identity) bool { return !i.Role.Staff() })
		if len(ids) == 0 {
			return text("No staff yet. Add them with: staff add USER home|receiving|la URN"), nil
		}
		lines := []string{"Staff:"}
		for _, i := range ids {
			lines = append(lines, fmt.Sprintf("%s  %s  %s  %s", i.ID, i.Role, i.URN, i.Name))
		}
		return text(strings.Join(lines, "\n")), nil
	}
	usage := "To add staff: staff add USER home|receiving|la|admin URN (e.g. staff add @sam home 100001). To see them: staff list."
	if len(c.Args) < 3 || !strings.EqualFold(c.Args[0], "add") {
		return text(usage), nil
	}
	role := offsitebot.Role(strings.ToLower(c.Args[2]))
	if !role.Staff() {
		return nil, offsitebot.Errorf(offsitebot.EInvalid, "%q isn't a staff role. Use home, receiving, la or admin.", c.Args[2])
	}
	urn := ""
	if len(c.Args) > 3 {
		urn = c.Args[3]
	}
	if role == offsitebot.RoleHome || role == offsitebot.RoleReceiving {
		if urn == "" {
			return nil, offsitebot.Errorf(offsitebot.EInvalid, "Which school? %s", usage)
		}
		if _, err := e.Store.School(ctx, urn); err != nil {
			return nil, err
		}
	}
	id, err := staffID(c.Who, c.Args[1], role)
	if err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(c.Args[1], "@")
	if m := slackMention.FindStringSubmatch(c.Args[1]); m != nil {
		name = strings.TrimPrefix(m[2], "|")
	}
	moved := ""
	if old, err := e.Store.Identity(ctx, id); err == nil && old.Role != "" && (old.Role != role || old.URN != urn) {
		moved = fmt.Sprintf(" (was %s %s)", old.Role, old.URN)
	}
	if err := e.Store.PutIdentity(ctx, offsitebot.Identity{ID: id, Role: role, Name: name, URN: urn, Created: c.Now}); err != nil {
		return nil, err
	}
	if err := e.Store.AppendAudit(ctx, offsitebot.AuditEvent{At: c.Now, By: c.Who.ID, Via: c.Platform, Action: "staff added", Detail: fmt.Sprintf("%s as %s %s", id, role, urn)}); err != nil {
		return nil, err
	}
	at := ""
	if urn != "" {
		at = " at " + urn
	}
	return text(fmt.Sprintf("%s can now use offsitebot as %s%s%s.", id, role, at, moved)), nil
}
