package web

import (
	"html/template"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	// when is a moment in London time, short: "Tue 1 Dec 16:00".
	"when": func(t time.Time) string { return t.In(offsitebot.London).Format("Mon 2 Jan 15:04") },
	// days is "1 day", "3 days".
	"days": func(n int) string { return plural(n, "day") },
}
