package telegram

import (
	"context"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// maxMenuChats bounds what the adapter remembers of the menus it set; past
// it, it forgets and sets a chat's menu again when the chat next writes.
const maxMenuChats = 10_000

// setDefaultMenu offers everyone in a private chat the default commands.
func (a *Adapter) setDefaultMenu(ctx context.Context) {
	menu := a.menus[""]
	if len(menu) == 0 {
		return
	}
	_, err := a.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
		Commands: botCommands(menu), Scope: &models.BotCommandScopeAllPrivateChats{},
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("setMyCommands: the command menu is not set", "err", err)
	}
}

// offerMenu gives the chat the menu of role where it differs from the
// default (once per chat and role while the process runs), and takes a
// chat's own menu away when its person's role no longer has one.
func (a *Adapter) offerMenu(ctx context.Context, chat int64, role offsitebot.Role) {
	want := role
	if a.menus[role] == nil {
		want = ""
	}
	a.menuMu.Lock()
	have, known := a.menuOf[chat]
	if known && have == want || !known && want == "" {
		a.menuMu.Unlock()
		return
	}
	if len(a.menuOf) >= maxMenuChats {
		clear(a.menuOf)
	}
	a.menuOf[chat] = want
	a.menuMu.Unlock()

	var err error
	if want == "" {
		_, err = a.api.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: chat}})
	} else {
		_, err = a.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands: botCommands(a.menus[want]), Scope: &models.BotCommandScopeChat{ChatID: chat},
		})
	}
	if err != nil {
		a.log.Warn("set a chat's command menu", "chat", chat, "role", string(want), "err", err)
		a.menuMu.Lock()
		delete(a.menuOf, chat) // try again when they next write
		a.menuMu.Unlock()
	}
}

func botCommands(menu []bot.MenuItem) []models.BotCommand {
	out := make([]models.BotCommand, len(menu))
	for i, m := range menu {
		out[i] = models.BotCommand{Command: m.Command, Description: m.Description}
	}
	return out
}
