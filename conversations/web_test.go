package conversations_test

import (
	"strings"
	"testing"
)

// TestDashboardWithoutOverview: where the web overview is not served, staff
// asking for it are told so and who turns it on; a family is told it is not
// for them. (The link itself is tested with the overview, in bot/web.)
func TestDashboardWithoutOverview(t *testing.T) {
	w := newWorld(t)
	tests := []struct{ who, want string }{
		{home, "isn't switched on here yet"},
		{la, "isn't switched on here yet"},
		{recv, "isn't switched on here yet"},
		{parent, "can't do that"},
		{stranger, "don't know you yet"},
	}
	for _, tt := range tests {
		if got := w.say(tt.who, "dashboard"); !strings.Contains(got, tt.want) || strings.Contains(got, "://") {
			t.Errorf("%s: %q, want %q", tt.who, got, tt.want)
		}
	}
}
