package web_test

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/storage/seed"
)

var readme = flag.Bool("readme", false, "write the README's picture of the overview (testdata/overview.png)")

// chromium finds the browser: Debian's chromium package, which .ci/run
// installs. Without it the test is skipped on a developer's machine, and
// fails in CI.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium in CI: .ci/run installs it (apt-get install chromium)")
	}
	t.Skip("no chromium here: apt-get install chromium to run the browser test")
	return ""
}

// TestBrowser drives the overview in a real headless Chromium: it signs in
// through the chat's link, filters, sorts, opens a case and signs out, with
// no error on the console (a script or style the policy blocks would show
// there), and saves a picture of the overview in testdata/out.
func TestBrowser(t *testing.T) {
	chromium(t) // skips here, before any setup, where there is none
	w := newWorld(t)
	// A few more running cases, so the picture shows the colours.
	w.seed("OSD-7K2Q", "Sam Taylor", oak, river, "2026-11-09", true)
	w.seed("OSD-M3RC", "Jo Anne Smith", brook, river, "2026-11-25", false)
	w.seed("OSD-4PXV", "Ravi Patel", oak, hill, "2026-11-30", true)

	b := startBrowser(t, w, la)
	bctx, ts := b.ctx, b.ts

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Sign in: the link's page, its button, the overview.
	b.signIn(t)
	if got := text("h1"); got != "Off-site directions" {
		t.Fatalf("after sign-in the page is %q", got)
	}
	all := text("table.cases")
	for _, ref := range []string{refOak, refBrook, "OSD-7K2Q", "OSD-M3RC", "OSD-4PXV"} {
		if !strings.Contains(all, ref) {
			t.Errorf("overview lacks %s", ref)
		}
	}
	// What a screen reader and a keyboard need: one h1, the page's language,
	// a label for every control, words for every picture.
	const a11y = `(() => {
		const bad = [];
		if (!document.documentElement.lang) bad.push("no lang");
		if (document.querySelectorAll("h1").length !== 1) bad.push("not one h1");
		document.querySelectorAll("input:not([type=hidden]), select, button").forEach(e => {
			if (e.tagName !== "BUTTON" && (!e.labels || e.labels.length === 0)) bad.push("unlabelled " + e.name);
			if (e.tagName === "BUTTON" && !e.textContent.trim()) bad.push("button without words");
		});
		document.querySelectorAll("svg").forEach(s => { if (s.getAttribute("role") !== "img" || !s.getAttribute("aria-label")) bad.push("svg without words"); });
		return bad.join("; ");
	})()`
	if bad, err := chromedp.Run(bctx, chromedp.Evaluate[string](a11y)); err != nil || bad != "" {
		t.Errorf("overview: %s %v", bad, err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("testdata", "out")
	must(t, os.MkdirAll(out, 0o755))
	must(t, os.WriteFile(filepath.Join(out, "overview.png"), shot, 0o644))
	t.Logf("screenshot of the overview: %s", filepath.Join(out, "overview.png"))
	// On a phone nothing is wider than the screen: each case is a card.
	step("phone", chromedp.EmulateViewport(390, 844), chromedp.Reload())
	if w, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("on a phone the overview is %d pixels wide (%v)", w, err)
	}
	phone, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(out, "overview-phone.png"), phone, 0o644))
	step("desk", chromedp.EmulateViewport(1280, 900), chromedp.Reload())

	// Filter: Riverside's cases with something overdue.
	step("filter", chromedp.SetValue(chromedp.CSS("#school"), river), chromedp.Click(chromedp.CSS("#overdue")))
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(".filters button"))); err != nil {
		t.Fatalf("filter: %v", err)
	}
	filtered := text("#main")
	if !strings.Contains(filtered, "OSD-M3RC") || !strings.Contains(filtered, "OSD-7K2Q") || strings.Contains(filtered, refOak) || strings.Contains(filtered, refBrook) {
		t.Errorf("Riverside, overdue: %q", filtered)
	}
	// Sort by pupil, with the filter kept.
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`th a[href*="sort=pupil"]`))); err != nil {
		t.Fatalf("sort: %v", err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "sort=pupil") || !strings.Contains(loc, "school="+river) {
		t.Errorf("sorting lost the filter: %s", loc)
	}
	// Open a case.
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`a[href="/dashboard/case/OSD-M3RC"]`))); err != nil {
		t.Fatalf("open the case: %v", err)
	}
	if got := text("h1"); got != "OSD-M3RC — Jo Anne Smith" {
		t.Errorf("case page heading %q", got)
	}
	casePic, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(out, "case.png"), casePic, 0o644))
	if !strings.Contains(text("#main"), "Attendance to record") {
		t.Error("the case page shows no duties")
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart svg rect").length`)); err != nil || n < 3 {
		t.Errorf("the attendance picture has %d bars (%v)", n, err)
	}
	// Sign out, and the pages are gone.
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(".signout button"))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	step("after sign out", chromedp.Navigate(ts.URL+"/dashboard/case/OSD-M3RC"))
	if got := text("h1"); got != "You're not signed in" {
		t.Errorf("after sign-out the case page is %q", got)
	}

	for _, m := range b.stop() {
		if !strings.Contains(m, "401") { // the signed-out page's own status
			t.Errorf("console: %s", m)
		}
	}
}

// browser is a headless Chromium on the overview of w, and the sign-in link
// the chat gave who.
type browser struct {
	ctx  context.Context
	link string
	ts   *httptest.Server
	stop func() []string // closes the browser; what the console said
}

func startBrowser(t *testing.T, w *world, who string) browser {
	exe := chromium(t)
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { h.ServeHTTP(rw, r) }))
	t.Cleanup(ts.Close)
	w.srv = w.newServer(ts.URL, w.logger())
	h, w.engine.Dashboard = w.srv, w.srv
	link := regexp.MustCompile(`http://\S+/dashboard/in/\S+`).FindString(w.say(who, "dashboard"))
	if link == "" {
		t.Fatal("no link from the chat")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	return browser{ctx: bctx, link: link, ts: ts, stop: func() []string {
		cancelBrowser()
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(console)
	}}
}

// signInBrowser opens the link and presses its button.
func (b browser) signIn(t *testing.T) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(b.link)); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS("button.primary"))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS("#active"))); err != nil {
		t.Fatalf("overview: %v", err)
	}
}

// TestReadmePicture makes the README's picture of the overview from a
// seeded demo database (package storage/seed, as `offsitebot seed` fills
// one), as the LA officer sees it: go test ./bot/web -run ReadmePicture -readme.
func TestReadmePicture(t *testing.T) {
	if !*readme {
		t.Skip("-readme writes the README's picture")
	}
	w := newBareWorld(t)
	if _, err := seed.Fill(context.Background(), w.db, seed.Options{Cases: 120, Active: 12, Weeks: 13, Now: wed, Calendar: offsitebot.NewCalendar(nil, nil)}); err != nil {
		t.Fatal(err)
	}
	// Looked at the Monday after, with nothing recorded since: the drift the
	// overview is for shows (attendance missing, contact due or overdue).
	w.clk.Set(wed.Add(5 * 24 * time.Hour))
	b := startBrowser(t, w, seed.LA)
	b.signIn(t)
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1440, 980)); err != nil {
		t.Fatal(err)
	}
	ended, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#main")))
	if err != nil || !strings.Contains(ended, "The latest 100 are shown; 8 ended before them.") {
		t.Errorf("108 ended directions: the note of those left out is missing (%v)", err)
	}
	pic, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	must(t, err)
	must(t, os.WriteFile(filepath.Join("testdata", "overview.png"), pic, 0o644))
}
