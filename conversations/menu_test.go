package conversations_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/conversations"
)

// TestTelegramMenus: each role's command menu is what its help lists, and
// every command in it works for that role on Telegram.
func TestTelegramMenus(t *testing.T) {
	w := newWorld(t)
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(w.say(home, "link "+w.ref+" receiving"))[1]
	const tgRecv = "telegram:502"
	w.sayOn(offsitebot.Telegram, tgRecv, "/start "+code)
	menus := conversations.TelegramMenus()
	for role, who := range map[offsitebot.Role]string{"": parent, offsitebot.RoleReceiving: tgRecv} {
		menu := menus[role]
		var listed []string
		for _, line := range strings.Split(w.say(who, "/help"), "\n") {
			if cmd, _, ok := strings.Cut(line, " — "); ok && strings.HasPrefix(cmd, "/") {
				listed = append(listed, strings.TrimPrefix(cmd, "/"))
			}
		}
		var offered []string
		for _, m := range menu {
			offered = append(offered, m.Command)
			if got := w.say(who, "/"+m.Command); strings.Contains(got, "didn't understand") || strings.Contains(got, "can't do that") {
				t.Errorf("%s: /%s answered %q", who, m.Command, got)
			}
			w.say(who, "/cancel")
		}
		if want := append(slices.Clone(listed), "help"); !slices.Equal(offered, want) {
			t.Errorf("%s: menu %v, help lists %v", who, offered, listed)
		}
	}
	if pupil := menus[offsitebot.RolePupil]; len(pupil) != len(menus[""]) {
		t.Errorf("the pupil's menu %v differs from the family's in more than words", pupil)
	}
}

// TestStaffHelpListsEveryCommand: home staff's help names every command they
// can run, with the words it takes, so none is found only in the README.
func TestStaffHelpListsEveryCommand(t *testing.T) {
	w := newWorld(t)
	help := w.say(home, "help")
	for _, want := range []string{
		"new", "cases", "due", "show OSD-…", "contact OSD-…", "attendance OSD-… [date] AM PM", "absent N",
		"attendance OSD-… chart", "review OSD-… schedule", "review OSD-… outcome", "review OSD-… cancel M2", "review OSD-… move M2 DATE HH:MM", "review OSD-… place M2",
		"review OSD-… told M1 [date] [how]", "review OSD-… invited M2", "notice OSD-… given [date] [how]",
		"request OSD-…", "reply OSD-… parent|pupil|receiving|la", "link OSD-…", "pack OSD-…", "letter OSD-…",
		"export OSD-…", "end OSD-…", "dashboard", "edit OSD-…", "review OSD-… outcome M2 next=", "void OSD-…",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not list %q:\n%s", want, help)
		}
	}
}
