package slack

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
)

// Home staff in Slack get a family's message in their DM at once, with the
// reply that answers it, and answer with /offsite reply; the words reach the
// parent on their platform and the wait is over.
func TestFamilyMessageReachesStaffInSlackAndReplyGoesBack(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(t, "http")
	telegram := &bottest.Recorder{}
	e.disp.Register(offsitebot.Telegram, telegram)
	ctx := context.Background()
	const parent = "telegram:501"
	slash := func(text string) {
		t.Helper()
		if w := serve(t, a, sign(t, fakeSecret, formType, slashBody(homeUser, text, "trig-"+text[:5]), time.Now())); w.Code != http.StatusOK {
			t.Fatalf("%q: %d", text, w.Code)
		}
	}
	slash("link " + e.ref + " parent")
	code := regexp.MustCompile(`start=(\w+)`).FindStringSubmatch(strings.Join(e.dmsTo(homeUser), "\n"))
	if code == nil {
		t.Fatalf("no link in %q", e.dmsTo(homeUser))
	}
	e.router.Handle(ctx, bot.Request{Platform: offsitebot.Telegram, UserID: parent, Name: "Pat", Text: "/start " + code[1]})
	e.router.Handle(ctx, bot.Request{Platform: offsitebot.Telegram, UserID: parent, Name: "Pat", Text: "Sam forgot his PE kit, can he borrow one?"})

	dms := strings.Join(e.dmsTo(homeUser), "\n")
	for _, want := range []string{"Message from Pat (parent) about S.T. (" + e.ref + ")", "Sam forgot his PE kit, can he borrow one?", "reply " + e.ref + " parent"} {
		if !strings.Contains(dms, want) {
			t.Fatalf("staff DM %q\nwant %q", dms, want)
		}
	}
	slash("reply " + e.ref + " parent Yes, Ms Khan has one ready for him.")
	got := telegram.To(parent, "A reply from Oakfield Primary")
	if len(got) != 1 || !strings.Contains(got[0].Reply.Text, "Yes, Ms Khan has one ready for him.") {
		t.Fatalf("parent got %+v", telegram.All())
	}
	if aw := e.kase(t).Awaiting; len(aw) != 0 {
		t.Errorf("still awaiting a reply: %+v", aw)
	}
}
