package offsitebot

import "testing"

func TestMeetingWhere(t *testing.T) {
	tests := []struct {
		m    Meeting
		want string
	}{
		{Meeting{Mode: InPerson}, "in person"},
		{Meeting{Mode: InPerson, Place: "Room 4"}, "in person (Room 4)"},
		{Meeting{Mode: Online, Place: "https://meet.example/abc"}, "online (https://meet.example/abc)"},
	}
	for _, tt := range tests {
		if got := tt.m.Where(); got != tt.want {
			t.Errorf("%+v.Where() = %q, want %q", tt.m, got, tt.want)
		}
	}
}
