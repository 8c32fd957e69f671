package conversations

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
)

// TestExportCSVCellsAreNotFormulas: what people typed is written so that a
// spreadsheet shows it, never runs it, and control characters stored before
// input was cleaned do not reach the file.
func TestExportCSVCellsAreNotFormulas(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct{ summary, want string }{
		{`=HYPERLINK("http://evil.example","click")`, `'=HYPERLINK("http://evil.example","click")`},
		{"+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\tcmd", "'\tcmd"},
		{"Spoke to Ms Khan\x1b[2J\x00", "Spoke to Ms Khan[2J"},
		{"-\x1b=1", "'-=1"},
		{"All well = good", "All well = good"},
	}
	k := &offsitebot.Case{Ref: "OSD-0001", Pupil: "Sam Taylor", Start: "2026-11-02", Opened: at}
	var log []offsitebot.AuditEvent
	for i, tt := range tests {
		log = append(log, offsitebot.AuditEvent{At: at.Add(time.Duration(i) * time.Minute), Case: k.Ref,
			Action: "note", Detail: tt.summary, By: "slack:T1:U1", Via: offsitebot.Slack})
	}
	out, err := ExportCSV(k, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		found := false
		for _, row := range rows {
			found = found || row[len(row)-1] == tt.want
		}
		if !found {
			t.Errorf("no cell holds %q (from %q):\n%s", tt.want, tt.summary, out)
		}
	}
}
