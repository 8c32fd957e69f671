package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestDemoShellScripted runs the README's first command as a script would: no
// tokens, the embedded database in a fresh directory, commands on stdin.
func TestDemoShellScripted(t *testing.T) {
	dir := t.TempDir()
	work := t.TempDir() // where the shell and the commands save files
	t.Chdir(work)
	env := envOf(map[string]string{"OFFSITEBOT_MONGODB_DATA_DIR": dir, "OFFSITEBOT_NOW": "2026-12-02T10:00:00Z"})
	in := strings.NewReader("cases\nshow OSD-DEM0\ncontact OSD-DEM0 receiving phone Good week\n/as parent:Pat\nshow OSD-DEM0\n")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, in, &out, &errOut, env); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"> cases", "OSD-DEM0  Sam Demo", "[DEMO CASE — not a real pupil]", "Oakfield Primary (demo) → Riverside Academy (demo)",
		"Logged for OSD-DEM0", "You are now shell:parent:Pat", "can't find a case OSD-DEM0 that you can see",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(errOut.String(), "OFFSITEBOT_NOW is set") {
		t.Errorf("a fixed clock must be logged loudly; stderr: %s", errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir)); err != nil {
		t.Fatal(err)
	}

	// The same data directory again: the demo is not seeded twice, and export reads it.
	out.Reset()
	if err := run(context.Background(), []string{"export", "OSD-DEM0"}, strings.NewReader(""), &out, &errOut, env); err != nil {
		t.Fatalf("export: %v", err)
	}
	var x struct {
		Case struct {
			Ref  string `json:"ref"`
			Demo bool   `json:"demo"`
		} `json:"case"`
		Chronology []struct{ Kind, Summary string } `json:"chronology"`
		Audit      []struct{ Action string }        `json:"audit"`
	}
	if err := json.Unmarshal(out.Bytes(), &x); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out.String())
	}
	if x.Case.Ref != "OSD-DEM0" || !x.Case.Demo {
		t.Errorf("export case: %+v", x.Case)
	}
	found := false
	for _, e := range x.Chronology {
		found = found || e.Kind == "contact" && strings.Contains(e.Summary, "Good week")
	}
	if !found {
		t.Errorf("export lacks the logged contact: %+v", x.Chronology)
	}
	if len(x.Audit) < 2 || x.Audit[len(x.Audit)-1].Action != "contact logged" {
		t.Errorf("audit trail: %+v", x.Audit)
	}

	// The same as CSV, for a spreadsheet; and the shell's export saves both files.
	out.Reset()
	if err := run(context.Background(), []string{"export", "OSD-DEM0", "--csv"}, strings.NewReader(""), &out, &errOut, env); err != nil {
		t.Fatalf("export --csv: %v", err)
	}
	if !strings.HasPrefix(out.String(), "at,record,kind,by,via,summary\n") || !strings.Contains(out.String(), "Good week") {
		t.Errorf("csv export:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), nil, strings.NewReader("export OSD-DEM0\npack OSD-DEM0\n"), &out, &errOut, env); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"OSD-DEM0.json", "OSD-DEM0.csv", "OSD-DEM0-pack.pdf"} {
		path := filepath.Join(work, name)
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s not saved privately: %v %v", name, fi, err)
		}
		if !strings.Contains(out.String(), "(saved as "+path+")") {
			t.Errorf("the shell does not say where %s is:\n%s", name, out.String())
		}
	}
}

// TestDocumentCommands makes the pack and a letter from the command line.
func TestDocumentCommands(t *testing.T) {
	dir := t.TempDir()
	work := t.TempDir()
	t.Chdir(work)
	env := envOf(map[string]string{"OFFSITEBOT_MONGODB_DATA_DIR": dir, "OFFSITEBOT_NOW": "2026-12-02T10:00:00Z"})
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, strings.NewReader("cases\n"), &out, &errOut, env); err != nil { // seeds the demo
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		file    string // saved there, or "" for stdout
		wantErr string
	}{
		{args: []string{"pack", "OSD-DEM0"}, file: "OSD-DEM0-pack.pdf"},
		{args: []string{"pack", "OSD-DEM0", "--family", "-o", "family.pdf"}, file: "family.pdf"},
		{args: []string{"letter", "osd-dem0", "notice"}, file: "OSD-DEM0-notice.pdf"},
		{args: []string{"letter", "OSD-DEM0", "notice", "-o", "-"}},
		{args: []string{"letter", "OSD-DEM0", "invite"}, wantErr: "OSD-DEM0 has no review meeting scheduled"},
		{args: []string{"letter", "OSD-DEM0"}, wantErr: "which letter"},
		{args: []string{"pack", "OSD-DEM0", "M7"}, wantErr: "OSD-DEM0 has no meeting M7"},
		{args: []string{"pack", "OSD-DEM0", "--csv"}, wantErr: `didn't understand "csv"`},
		{args: []string{"pack"}, wantErr: "needs a case reference"},
		{args: []string{"pack", "OSD-ZZZZ"}, wantErr: "can't find a case OSD-ZZZZ"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out.Reset()
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut, env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data := out.Bytes()
			if tt.file != "" {
				path := filepath.Join(work, tt.file)
				if got := strings.TrimSpace(out.String()); got != "Saved "+path {
					t.Errorf("printed %q, want the path %s", got, path)
				}
				if data, err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("not a PDF: %.20q", data)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	example, err := filepath.Abs("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[mongodb]\ndata_dir = \"/x\"\n[slack]\nadmins = [\"U1\"]\n"), 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[mongodb]\ndatadir = \"/x\"\n"), 0o600)
	tests := []struct {
		name    string
		path    string
		env     map[string]string
		wantErr string
		check   func(Config) bool
	}{
		{name: "defaults without a file", check: func(c Config) bool { return c.MongoDB.DataDir == "./data" && c.Slack.Mode == "socket" }},
		{name: "file", path: good, check: func(c Config) bool { return c.MongoDB.DataDir == "/x" && c.Slack.Admins[0] == "U1" }},
		{name: "env beats file", path: good, env: map[string]string{"OFFSITEBOT_MONGODB_DATA_DIR": "/y", "OFFSITEBOT_SLACK_BOT_TOKEN": "xoxb-1"},
			check: func(c Config) bool { return c.MongoDB.DataDir == "/y" && c.Slack.BotToken == "xoxb-1" }},
		{name: "unknown key named", path: bad, wantErr: "mongodb.datadir"},
		{name: "missing explicit file", path: filepath.Join(dir, "nope.toml"), wantErr: "nope.toml"},
		{name: "the example documents every key, with valid values", path: example,
			check: func(c Config) bool { return c.Reminders.FeedbackDays == 4 && c.Telegram.Mode == "polling" }},
		{name: "bad reminder spec named", env: map[string]string{"OFFSITEBOT_REMINDERS_ATTENDANCE_CHASE": "61 9 * * *"}, wantErr: "attendance_chase"},
		{name: "not London", env: map[string]string{"OFFSITEBOT_TIMEZONE": "UTC"}, wantErr: "Europe/London"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(dir)
			c, err := loadConfig(tt.path, envOf(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("config %+v, err %v", c, err)
			}
		})
	}
}

func TestParseArgsConfigAnywhere(t *testing.T) {
	for _, argv := range [][]string{{"--config", "a.toml", "export", "OSD-1234"}, {"export", "--config=a.toml", "OSD-1234"}, {"export", "OSD-1234", "-config", "a.toml"}} {
		a, err := parseArgs(argv)
		if err != nil || a.config != "a.toml" || strings.Join(a.words, " ") != "export OSD-1234" {
			t.Errorf("%v: %+v %v", argv, a, err)
		}
	}
}

// TestRemindersCommands runs `reminders list` and `reminders run --at` on the demo
// data: the prompt goes to the receiving contact, and running it again sends nothing.
func TestRemindersCommands(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"OFFSITEBOT_MONGODB_DATA_DIR": dir, "OFFSITEBOT_NOW": "2026-12-02T10:00:00Z"})
	var out, errOut bytes.Buffer
	// The shell makes the demo and the staff it plays.
	if err := run(context.Background(), nil, strings.NewReader("/as receiving\n/as home\n"), &out, &errOut, env); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"reminders", "list"}, strings.NewReader(""), &out, &errOut, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "attendance_prompt") || !strings.Contains(out.String(), "next Thu 3 Dec 2026 09:40 GMT") {
		t.Errorf("reminders list:\n%s", out.String())
	}
	for i, want := range []string{"✉ to shell:receiving:Kim: Attendance for S.D. (OSD-DEM0), Thu 3 Dec", ""} {
		out.Reset()
		if err := run(context.Background(), []string{"reminders", "run", "--at", "2026-12-03 09:45"}, strings.NewReader(""), &out, &errOut, env); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, errOut.String())
		}
		if got := strings.Count(out.String(), "Attendance for S.D."); (want == "" && got != 0) || (want != "" && (got != 1 || !strings.Contains(out.String(), want))) {
			t.Errorf("run %d printed:\n%s", i, out.String())
		}
	}
	// Rule 1: the reminder stands in the case's chronology, once.
	out.Reset()
	if err := run(context.Background(), []string{"export", "OSD-DEM0"}, strings.NewReader(""), &out, &errOut, env); err != nil {
		t.Fatal(err)
	}
	var x struct {
		Chronology []struct{ Summary string }
	}
	if err := json.Unmarshal(out.Bytes(), &x); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range x.Chronology { // the run's one entry for the case names each reminder
		if strings.HasPrefix(e.Summary, "reminder sent: ") {
			n += strings.Count(e.Summary, "attendance_prompt to shell:receiving:Kim: Attendance for S.D.")
		}
	}
	if n != 1 {
		t.Errorf("export has the prompt %d times in the chronology, want once:\n%s", n, out.String())
	}
}

// TestSeedCommand fills a fresh database with demo cases the shell's staff
// then see, and refuses once a real case is there.
func TestSeedCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	env := envOf(map[string]string{"OFFSITEBOT_MONGODB_DATA_DIR": t.TempDir(), "OFFSITEBOT_NOW": "2026-12-02T10:00:00Z"})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"seed", "--cases", "30", "--active", "6", "--weeks", "3"}, strings.NewReader(""), &out, &errOut, env); err != nil {
		t.Fatalf("seed: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "Added 30 demo cases (6 active, 3 weeks of records each) at 1 demo home school.") {
		t.Errorf("seed said %q", out.String())
	}
	out.Reset()
	in := strings.NewReader("cases\n" + `new pupil="Sam Taylor" dob=2012-03-04 ehcp=no home=100001 receiving=100002 start=2026-12-07 end=2027-01-18` + "\n")
	if err := run(ctx, nil, in, &out, &errOut, env); err != nil {
		t.Fatalf("shell: %v\n%s", err, errOut.String())
	}
	if got := strings.Count(out.String(), "OSD-D0"); got != 6 {
		t.Errorf("cases lists %d demo pupils, want the 6 active:\n%s", got, out.String())
	}
	err := run(ctx, []string{"seed"}, strings.NewReader(""), &out, &errOut, env)
	if err == nil || !strings.Contains(err.Error(), "real cases") {
		t.Errorf("seed on a database with a real case: %v, want a refusal", err)
	}
}

// TestDashboardBesideShell: with [http] listen and public_url, the shell
// serves the web overview too, and its `dashboard` link signs in to it.
func TestDashboardBesideShell(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	t.Chdir(t.TempDir())
	env := envOf(map[string]string{"OFFSITEBOT_MONGODB_DATA_DIR": t.TempDir(), "OFFSITEBOT_NOW": "2026-12-02T10:00:00Z",
		"OFFSITEBOT_HTTP_LISTEN": addr, "OFFSITEBOT_HTTP_PUBLIC_URL": base})
	in, typed := io.Pipe()
	out := &watchLog{want: base + "/dashboard/in/", seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), nil, in, out, io.Discard, env) }()
	go typed.Write([]byte("/as la\ndashboard\n"))
	select {
	case <-out.seen:
	case err := <-done:
		t.Fatalf("the shell ended: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no link:\n%s", out.String())
	}
	link := regexp.MustCompile(`http://\S+/dashboard/in/(\S+)`).FindStringSubmatch(out.String())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if r, err := client.Get(link[0]); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("the link: %v %v", r, err)
	}
	r, err := client.PostForm(base+"/dashboard/in", url.Values{"token": {link[1]}})
	if err != nil || r.StatusCode != http.StatusSeeOther || len(r.Cookies()) != 1 {
		t.Fatalf("sign in: %v %v", r, err)
	}
	req, _ := http.NewRequest("GET", base+"/dashboard/", nil)
	req.AddCookie(r.Cookies()[0])
	page, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "OSD-DEM0") {
		t.Errorf("overview: %d %s", page.StatusCode, body)
	}
	typed.Close()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
