package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
	"github.com/offsitebot/offsitebot/bot/bottest"
	"github.com/offsitebot/offsitebot/bot/web"
	"github.com/offsitebot/offsitebot/conversations"
	"github.com/offsitebot/offsitebot/storage"
	"github.com/offsitebot/offsitebot/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// Schools: two pairs, so that each staff member has cases the others don't.
const (
	oak, river, brook, hill = "100001", "100002", "100003", "100004"
)

// People, one of each kind the overview tells apart, and a parent.
const (
	la        = "slack:T1:ULA"
	admin     = "slack:T1:UADMIN"
	homeOak   = "slack:T1:UHOMEOAK"
	recvRiver = "slack:T1:URECVRIVER"
	homeBrook = "slack:T1:UHOMEBROOK"
	recvHill  = "slack:T1:URECVHILL"
	parent    = "telegram:9001"
)

// The cases: Oak → River running, Brook → Hill running (attendance
// missing, so something is overdue), Oak → Hill ended.
const (
	refOak   = "OSD-0AK1"
	refBrook = "OSD-BR00"
	refEnded = "OSD-END1"
)

// world is a store with the schools, people and cases above, the chat
// engine, and the overview on https://offsite.example.org.
type world struct {
	t      *testing.T
	db     *storage.DB
	clk    *bottest.Clock
	router *bot.Router
	engine *conversations.Engine
	srv    *web.Server
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// wed is Wednesday 2 December 2026, 10:00 in London.
var wed = time.Date(2026, 12, 2, 10, 0, 0, 0, offsitebot.London)

// newBareWorld is a world with nothing stored yet.
func newBareWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, db: storagetest.New(t), clk: bottest.NewClock(wed), logs: &syncBuffer{}}
	w.engine = conversations.New(conversations.Deps{Store: w.db, Send: &bottest.Recorder{}, Now: w.clk.Now, Calendar: offsitebot.NewCalendar(nil, nil), Log: w.logger()})
	w.srv = w.newServer("https://offsite.example.org/", w.logger())
	w.engine.Dashboard = w.srv
	w.router = w.engine.Router()
	return w
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := newBareWorld(t)
	for urn, name := range map[string]string{oak: "Oakfield Primary", river: "Riverside Academy", brook: "Brookside School", hill: "Hillview College"} {
		must(t, w.db.PutSchool(ctx, offsitebot.School{URN: urn, Name: name}))
	}
	for _, id := range []offsitebot.Identity{
		{ID: la, Role: offsitebot.RoleLA, Name: "Lee Authority"},
		{ID: admin, Role: offsitebot.RoleAdmin, Name: "Ada Admin"},
		{ID: homeOak, Role: offsitebot.RoleHome, Name: "Hana Home", URN: oak},
		{ID: recvRiver, Role: offsitebot.RoleReceiving, Name: "Rita Receiving", URN: river},
		{ID: homeBrook, Role: offsitebot.RoleHome, Name: "Bo Brook", URN: brook},
		{ID: recvHill, Role: offsitebot.RoleReceiving, Name: "Hal Hill", URN: hill},
		{ID: parent, Role: offsitebot.RoleParent, Name: "Pat Parent", Cases: []string{refOak}},
	} {
		must(t, w.db.PutIdentity(ctx, id))
	}
	w.seed(refOak, "Zoë Ó'Brien", oak, river, "2026-11-23", true)
	w.seed(refBrook, "Bilal Brook", brook, hill, "2026-11-16", false)
	w.seed(refEnded, "Erin Ended", oak, hill, "2026-10-05", true)
	_, err := w.db.UpdateCase(ctx, refEnded, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		ch, err := k.EndDirection(offsitebot.Actor{ID: homeOak, Role: offsitebot.RoleHome, Via: offsitebot.Slack, At: wed.Add(-7 * 24 * time.Hour)}, offsitebot.OutcomeReintegrated)
		return ch.Audit, err
	})
	must(t, err)
	return w
}

func (w *world) logger() *slog.Logger { return slog.New(slog.NewTextHandler(w.logs, nil)) }

func (w *world) newServer(public string, log *slog.Logger) *web.Server {
	srv, err := web.New(web.Options{Store: w.db, Files: w.engine, PublicURL: public, Now: w.clk.Now, Calendar: offsitebot.NewCalendar(nil, nil), Log: log})
	if err != nil {
		w.t.Fatal(err)
	}
	return srv
}

// seed opens a case from start, with attendance recorded on each school day
// up to yesterday when full, and one contact between the schools.
func (w *world) seed(ref, pupil, home, recv, start string, full bool) {
	ctx := context.Background()
	by := offsitebot.Actor{ID: map[string]string{oak: homeOak, brook: homeBrook}[home], Role: offsitebot.RoleHome, Via: offsitebot.Slack, At: offsitebot.Date(start).At(8, 0).Add(-5 * 24 * time.Hour)}
	k, err := offsitebot.Open(by, offsitebot.Case{Ref: ref, Pupil: pupil, DOB: "2013-05-01", HomeURN: home, ReceivingURN: recv, Start: offsitebot.Date(start), End: offsitebot.Date(start).AddDays(42)})
	must(w.t, err)
	must(w.t, w.db.CreateCase(ctx, k))
	_, err = w.db.UpdateCase(ctx, ref, func(k *offsitebot.Case) ([]offsitebot.AuditEvent, error) {
		// The notice given; the last contact two days ago when all is well.
		contact := k.Start
		if full {
			contact = offsitebot.DateOf(wed).AddDays(-2)
		}
		noticeOn := offsitebot.DateOf(by.At) // in time, or late (a breach) when not all is well
		if !full {
			noticeOn = k.Start.AddDays(2)
		}
		notice, err := k.RecordNotice(offsitebot.Actor{ID: by.ID, Role: offsitebot.RoleHome, Via: offsitebot.Slack, At: noticeOn.At(12, 0)}, noticeOn, "letter")
		if err != nil {
			return nil, err
		}
		ch, err := k.AddContact(offsitebot.Actor{ID: by.ID, Role: offsitebot.RoleHome, Via: offsitebot.Slack, At: contact.At(16, 0)}, offsitebot.Contact{With: "receiving", How: "phone", Summary: "First day went well"})
		if err != nil {
			return nil, err
		}
		audit := append(notice.Audit, ch.Audit...)
		cal := offsitebot.NewCalendar(nil, nil)
		for d := k.Start; full && d < offsitebot.DateOf(wed); d = d.AddDays(1) {
			if cal.IsSchoolDay(d) {
				_, ch, err := k.RecordAttendance(offsitebot.Actor{ID: by.ID, Role: offsitebot.RoleHome, Via: offsitebot.Slack, At: d.At(9, 40)}, offsitebot.AttendanceDay{Date: d, AM: "/", PM: "\\"})
				if err != nil {
					return nil, err
				}
				audit = append(audit, ch.Audit...)
			}
		}
		return audit, nil
	})
	must(w.t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var linkRE = regexp.MustCompile(`https://offsite\.example\.org/dashboard/in/([A-Za-z0-9_-]+)`)

// say sends text to the bot as who, on the platform of who's ID, and returns the reply.
func (w *world) say(who, text string) string {
	p, _, _ := strings.Cut(who, ":")
	var out []string
	for _, r := range w.router.Handle(context.Background(), bot.Request{Platform: offsitebot.Platform(p), UserID: who, Text: text}) {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// link asks the bot for a sign-in link as who and returns its secret.
func (w *world) link(who string) string {
	w.t.Helper()
	m := linkRE.FindStringSubmatch(w.say(who, "dashboard"))
	if m == nil {
		w.t.Fatalf("%s: no sign-in link in the reply", who)
	}
	return m[1]
}

// do serves one request and returns the response.
func (w *world) do(method, path, cookie string, form url.Values) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, "https://offsite.example.org"+path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "offsitebot_session", Value: cookie})
	}
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, r)
	return rec
}

// signIn uses token and returns the session cookie's value ("" if refused).
func (w *world) signIn(token string) (string, *httptest.ResponseRecorder) {
	rec := w.do("POST", "/dashboard/in", "", url.Values{"token": {token}})
	for _, c := range rec.Result().Cookies() {
		if c.Name == "offsitebot_session" && c.Value != "" {
			return c.Value, rec
		}
	}
	return "", rec
}

// session signs who in through the chat's link.
func (w *world) session(who string) string {
	w.t.Helper()
	c, rec := w.signIn(w.link(who))
	if c == "" {
		w.t.Fatalf("%s: sign-in refused: %d %s", who, rec.Code, rec.Body)
	}
	return c
}

// TestSignIn: the chat's link signs in once within 10 minutes and sets a
// session cookie for 8 hours; sign-out ends it; the reused, expired or forged
// link says to ask the bot for a new one.
func TestSignIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	reply := w.say(homeOak, "dashboard")
	if !strings.Contains(reply, "https://offsite.example.org/dashboard/in/") || !strings.Contains(reply, "10 minutes") {
		t.Fatalf("dashboard reply: %q", reply)
	}
	token := linkRE.FindStringSubmatch(reply)[1]

	// Opening the link only shows a button: a link preview can't spend it.
	rec := w.do("GET", "/dashboard/in/"+token, "", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="token" value="`+token+`"`) {
		t.Fatalf("link page: %d %s", rec.Code, rec.Body)
	}
	cookie, rec := w.signIn(token)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/" || cookie == "" {
		t.Fatalf("sign-in: %d %v", rec.Code, rec.Header())
	}
	set := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Max-Age=28800", "Path=/dashboard/"} {
		if !strings.Contains(set, want) {
			t.Errorf("cookie %q lacks %s", set, want)
		}
	}
	page := w.do("GET", "/dashboard/", cookie, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "Signed in as Hana Home") {
		t.Fatalf("overview: %d %s", page.Code, page.Body)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"Cache-Control":           "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
	} {
		if got := page.Header().Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if strings.Contains(page.Body.String(), "<script") || strings.Contains(page.Body.String(), "style=") {
		t.Error("the overview has a script or inline style, which its policy would block")
	}

	bad := func(name, token string) {
		t.Helper()
		if rec := w.do("GET", "/dashboard/in/"+token, "", nil); token != "" && (rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Ask the bot for a new one")) {
			t.Errorf("%s link opened: %d", name, rec.Code)
		}
		c, rec := w.signIn(token)
		if c != "" || rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Ask the bot for a new one") {
			t.Errorf("%s link: cookie %q, %d %s", name, c, rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), refOak) {
			t.Errorf("%s link: the page shows a case", name)
		}
	}
	bad("reused", token)
	bad("forged", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	bad("empty", "")
	if rec := w.do("GET", "/dashboard/in/", "", nil); rec.Code != http.StatusNotFound {
		t.Errorf("a link without its secret: %d", rec.Code)
	}
	late := w.link(homeOak)
	w.clk.Add(10 * time.Minute)
	bad("expired", late)
	w.clk.Set(wed)
	inTime := w.link(homeOak)
	w.clk.Add(10*time.Minute - time.Second)
	if c, rec := w.signIn(inTime); c == "" {
		t.Errorf("link used within 10 minutes refused: %d", rec.Code)
	}

	// A restart with the same store keeps the session; 8 hours end it.
	w.srv = w.newServer("https://offsite.example.org", slog.New(slog.DiscardHandler))
	w.engine.Dashboard = w.srv
	w.clk.Set(wed.Add(8*time.Hour - time.Minute))
	if rec := w.do("GET", "/dashboard/", cookie, nil); rec.Code != http.StatusOK {
		t.Errorf("session after a restart: %d", rec.Code)
	}
	w.clk.Set(wed.Add(8 * time.Hour))
	if rec := w.do("GET", "/dashboard/", cookie, nil); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "type <code>dashboard</code>") {
		t.Errorf("session after 8 hours: %d %s", rec.Code, rec.Body)
	}

	// Sign out ends the session on the server, not only in the browser.
	w.clk.Set(wed)
	c2 := w.session(homeOak)
	out := w.do("POST", "/dashboard/signout", c2, url.Values{})
	if out.Code != http.StatusOK || !strings.Contains(out.Body.String(), "signed out") || !strings.Contains(out.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign out: %d %v", out.Code, out.Header())
	}
	if rec := w.do("GET", "/dashboard/case/"+refOak, c2, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("the cookie still works after sign out: %d", rec.Code)
	}
	// A cross-site form can't sign anyone out (or in).
	r := httptest.NewRequest("POST", "https://offsite.example.org/dashboard/signout", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	w.srv.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site sign out: %d", rec.Code)
	}

	// Someone whose access is removed is signed out at their next page.
	c3 := w.session(homeOak)
	w.say(admin, "staff remove Hana Home")
	if rec := w.do("GET", "/dashboard/", c3, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("removed staff still signed in: %d", rec.Code)
	}
	must(t, w.db.PutIdentity(context.Background(), offsitebot.Identity{ID: homeOak, Role: offsitebot.RoleHome, Name: "Hana Home", URN: oak}))
	if rec := w.do("GET", "/dashboard/", c3, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("a session ended by removal came back with the access: %d", rec.Code)
	}

	// Families get no link; strangers neither.
	for _, who := range []string{parent, "slack:T1:USTRANGER"} {
		if got := w.say(who, "dashboard"); linkRE.MatchString(got) {
			t.Errorf("%s got a link: %q", who, got)
		}
	}
	// Logs carry neither the secrets nor pupils' names.
	logs := w.logs.String()
	for _, secret := range []string{token, late, cookie, "Zoë", "Bilal", "Erin"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}

// TestVisibility: every page shows each person what the chat lets them see
// and nothing else; a case or school they may not see is not found.
func TestVisibility(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	all := []string{refOak, refBrook, refEnded}
	tests := []struct {
		who      string
		sees     []string // cases on the overview, and whose pages open
		files    bool     // pack and export
		schools  []string // ?school= they may filter by
		notTheir []string
	}{
		{la, all, true, []string{oak, river, brook, hill}, []string{"999999"}},
		{homeOak, []string{refOak, refEnded}, true, []string{oak, river, hill}, []string{brook, "999999"}},
		{recvRiver, []string{refOak}, false, []string{oak, river}, []string{brook, hill}},
		{homeBrook, []string{refBrook}, true, []string{brook, hill}, []string{oak, river}},
		{recvHill, []string{refBrook, refEnded}, false, []string{oak, brook, hill}, []string{river}},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			cookie := w.session(tt.who)
			body := w.do("GET", "/dashboard/", cookie, nil).Body.String()
			for _, ref := range all {
				sees := contains(tt.sees, ref)
				if strings.Contains(body, ref) != sees {
					t.Errorf("overview shows %s: %v, want %v", ref, !sees, sees)
				}
				wantPage, wantFile := http.StatusNotFound, http.StatusNotFound
				if sees {
					wantPage, wantFile = http.StatusOK, http.StatusForbidden
					if tt.files {
						wantFile = http.StatusOK
					}
				}
				if rec := w.do("GET", "/dashboard/case/"+ref, cookie, nil); rec.Code != wantPage {
					t.Errorf("case page %s: %d, want %d", ref, rec.Code, wantPage)
				} else if !sees && strings.Contains(rec.Body.String(), ref) {
					t.Errorf("the not-found page for %s names it", ref)
				}
				for _, f := range []string{"pack.pdf", "export.csv"} {
					if rec := w.do("GET", "/dashboard/case/"+ref+"/"+f, cookie, nil); rec.Code != wantFile {
						t.Errorf("%s of %s: %d, want %d", f, ref, rec.Code, wantFile)
					}
				}
			}
			for _, urn := range tt.schools {
				if rec := w.do("GET", "/dashboard/?school="+urn, cookie, nil); rec.Code != http.StatusOK {
					t.Errorf("?school=%s: %d", urn, rec.Code)
				}
			}
			for _, urn := range tt.notTheir {
				if rec := w.do("GET", "/dashboard/?school="+urn, cookie, nil); rec.Code != http.StatusNotFound {
					t.Errorf("?school=%s (not theirs): %d", urn, rec.Code)
				}
			}
			for _, path := range []string{"/dashboard/case/OSD-ZZZZ", "/dashboard/case/not-a-ref", "/dashboard/nowhere", "/dashboard/case/" + refOak + "/secret.txt"} {
				if rec := w.do("GET", path, cookie, nil); rec.Code != http.StatusNotFound {
					t.Errorf("%s: %d", path, rec.Code)
				}
			}
		})
	}
	// A parent never gets a link, and one made by hand does not sign them
	// in; a session made by hand is refused on every page.
	must(t, w.db.CreateWebSession(context.Background(), web.HashOf("parent-cookie"), parent, wed, wed.Add(time.Hour)))
	token := mustLink(t, w, parent)
	if c, rec := w.signIn(token); c != "" || rec.Code != http.StatusForbidden {
		t.Errorf("a parent signed in with a link: %q %d", c, rec.Code)
	}
	for _, path := range []string{"/dashboard/", "/dashboard/case/" + refOak, "/dashboard/case/" + refOak + "/pack.pdf"} {
		if rec := w.do("GET", path, "parent-cookie", nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("parent, %s: %d", path, rec.Code)
		}
	}
}

// mustLink makes a sign-in link for who straight from the overview, as the
// chat would only for staff: the sign-in itself must still refuse a family.
func mustLink(t *testing.T, w *world, who string) string {
	t.Helper()
	// The server refuses to make one for a family too; store one by hand.
	if _, _, err := w.srv.SignInLink(context.Background(), offsitebot.Identity{ID: who, Role: offsitebot.RoleParent}, wed); err == nil {
		t.Fatal("the overview made a link for a parent")
	}
	token := "parent-made-by-hand-token"
	must(t, w.db.CreateWebLink(context.Background(), web.HashOf(token), who, wed, wed.Add(web.LinkLife)))
	return token
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestOverview: the rows, the filters, sorting by any column, the totals
// per school, the ended directions, and the case page's parts.
func TestOverview(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cookie := w.session(la)
	body := w.do("GET", "/dashboard/", cookie, nil).Body.String()
	for _, want := range []string{
		"2 active cases you can see", "Zoë Ó&#39;Brien", "Oakfield Primary", "Riverside Academy",
		"Attendance in the last two weeks: 100%", // Zoë's every day
		"No attendance to count in the last two weeks",
		"level-verylate", // Bilal's attendance, never recorded
		"Erin Ended", "back at the home school", "7 weeks",
		"1, made good late<br><span class=\"sub\">up to 6 days late", // Bilal's notice
		`href="/dashboard/?school=100003"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	order := func(q string) []string {
		t.Helper()
		rec := w.do("GET", "/dashboard/?"+q, cookie, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("?%s: %d", q, rec.Code)
		}
		_, active, _ := strings.Cut(rec.Body.String(), `id="active"`)
		active, _, _ = strings.Cut(active, `id="totals"`)
		var refs []string
		for _, m := range regexp.MustCompile(`/dashboard/case/(OSD-[0-9A-Z]{4})"`).FindAllStringSubmatch(active, -1) {
			refs = append(refs, m[1])
		}
		return refs
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"", []string{refBrook, refOak}}, // most overdue first
		{"sort=ref", []string{refOak, refBrook}},
		{"sort=ref&dir=desc", []string{refBrook, refOak}},
		{"sort=pupil", []string{refBrook, refOak}},
		{"sort=schools", []string{refBrook, refOak}},
		{"sort=start", []string{refBrook, refOak}},
		{"sort=end", []string{refBrook, refOak}},
		{"sort=attendance", []string{refBrook, refOak}},
		{"sort=attendance&dir=desc", []string{refOak, refBrook}},
		{"sort=contact", []string{refBrook, refOak}},
		{"sort=review", []string{refBrook, refOak}},
		{"sort=nonsense", []string{refBrook, refOak}},
		{"overdue=1", []string{refBrook}},
		{"school=" + river, []string{refOak}},
		{"school=" + river + "&overdue=1", nil},
	}
	for _, tt := range tests {
		if got := order(tt.q); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("?%s: %v, want %v", tt.q, got, tt.want)
		}
	}
	// The case page: facts, the picture, duties with their deadlines, the
	// chronology newest first with who and how, and the documents.
	page := w.do("GET", "/dashboard/case/"+refBrook, cookie, nil).Body.String()
	for _, want := range []string{"Bilal Brook", "Brookside School", "<svg", "Attendance to record", "receiving school",
		"Written notice to the parents, before the first day (Mon 16 Nov)", "<td>Thu 12 Nov</td><td>Wed 18 Nov</td><td>6 days</td>",
		"First day went well", "Bo Brook", "(Slack)", "/dashboard/case/" + refBrook + "/pack.pdf", "/dashboard/case/" + refBrook + "/export.csv"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	_, oak, _ := strings.Cut(w.do("GET", "/dashboard/case/"+refOak, cookie, nil).Body.String(), `id="chronology"`)
	if i, j := strings.Index(oak, "Tue 1 Dec"), strings.Index(oak, "Mon 23 Nov 2026 09:40"); i < 0 || j < 0 || i > j {
		t.Errorf("chronology not newest first (%d, %d)", i, j)
	}
	pack := w.do("GET", "/dashboard/case/"+refOak+"/pack.pdf", cookie, nil)
	if pack.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pack.Body.Bytes(), []byte("%PDF")) ||
		strings.Contains(pack.Header().Get("Content-Disposition"), "Zo") {
		t.Errorf("pack: %v", pack.Header())
	}
	log, err := w.db.AuditLog(context.Background(), refOak)
	must(t, err)
	if last := log[len(log)-1]; last.Action != "document made" || last.Via != offsitebot.Web || last.By != la {
		t.Errorf("the pack made on the web is not in the audit trail: %+v", last)
	}
}
