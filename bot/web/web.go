// Package web is the read-only overview of the cases in a browser, for the
// local authority and school staff: server-rendered pages with inline SVG,
// no script and nothing loaded from elsewhere, so it works inside a school
// network. There are no passwords: `dashboard` in the chat gives a one-time
// link (10 minutes) that starts an 8-hour session. Every page asks the same
// permission check as the chat (offsitebot.Sees and Can), on the identity as
// it is stored now, so someone whose access is removed is signed out.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/bot"
)

// Path is where the overview is served; every page is under it.
const Path = "/dashboard/"

// How long a sign-in link and a session last.
const (
	LinkLife    = 10 * time.Minute
	SessionLife = 8 * time.Hour
)

const cookieName = "offsitebot_session"

// Store is what the pages read, and where links and sessions are kept;
// *storage.DB has it all.
type Store interface {
	Identity(ctx context.Context, id string) (*offsitebot.Identity, error)
	Case(ctx context.Context, ref string) (*offsitebot.Case, error)
	Cases(ctx context.Context, f offsitebot.CaseFilter) ([]offsitebot.Case, error)
	Schools(ctx context.Context) ([]offsitebot.School, error)
	AuditLog(ctx context.Context, ref string) ([]offsitebot.AuditEvent, error)
	CreateWebLink(ctx context.Context, hash, identity string, now, expires time.Time) error
	CheckWebLink(ctx context.Context, hash string, now time.Time) error
	RedeemWebLink(ctx context.Context, hash string, now time.Time) (string, error)
	CreateWebSession(ctx context.Context, hash, identity string, now, expires time.Time) error
	WebSession(ctx context.Context, hash string, now time.Time) (string, error)
	DeleteWebSession(ctx context.Context, hash string) error
}

// Files makes a case's documents as the chat does (*conversations.Engine).
type Files interface {
	// WebFile is the staff meeting pack ("pack") or the export ("export").
	WebFile(ctx context.Context, who offsitebot.Identity, k *offsitebot.Case, kind string, now time.Time) (*bot.File, error)
	// Names are the names of who recorded what on k, by identity ID.
	Names(ctx context.Context, k *offsitebot.Case) (map[string]string, error)
}

// Options configure a Server.
type Options struct {
	Store Store
	Files Files
	// PublicURL is where people reach this server ([http] public_url), such
	// as https://bot.example.org; links are made on it, and its cookie is
	// Secure when it is https.
	PublicURL string
	Now       func() time.Time
	Calendar  offsitebot.Calendar
	Settings  offsitebot.Settings // [rules]; zero: the defaults
	Log       *slog.Logger
}

// Server serves the overview's pages and makes its sign-in links.
type Server struct {
	Options
	base    string // PublicURL without its trailing slash
	secure  bool
	pages   *template.Template
	handler http.Handler
}

//go:embed templates/*.html static/*
var assets embed.FS

// New returns a server for o.
func New(o Options) (*Server, error) {
	u, err := url.Parse(o.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("web: [http] public_url %q: give the address people open, such as https://bot.example.org", o.PublicURL)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.Settings = o.Settings.OrDefault()
	pages, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{Options: o, base: strings.TrimSuffix(o.PublicURL, "/"), secure: u.Scheme == "https", pages: pages}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+Path+"static/", http.StripPrefix(Path+"static/", http.FileServerFS(static)))
	mux.HandleFunc("GET "+Path+"in/{token}", s.linkPage)
	mux.HandleFunc("POST "+Path+"in", s.signIn)
	mux.HandleFunc("POST "+Path+"signout", s.signOut)
	mux.HandleFunc("GET "+Path+"{$}", s.signedIn(s.overview))
	mux.HandleFunc("GET "+Path+"case/{ref}", s.signedIn(s.casePage))
	mux.HandleFunc("GET "+Path+"case/{ref}/{file}", s.signedIn(s.caseFile))
	mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r, nil) })
	// Forms post only from these pages: a browser's cross-site POST is refused.
	s.handler = http.NewCrossOriginProtection().Handler(mux)
	return s, nil
}

// ServeHTTP serves every page with the headers that keep it to itself: a
// strict Content-Security-Policy (no script at all, styles and images from
// here only), no framing, no caching, no referrer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	rec := &status{ResponseWriter: w, code: http.StatusOK}
	s.handler.ServeHTTP(rec, r)
	// The route, never the path: paths carry sign-in secrets and references.
	s.Log.LogAttrs(r.Context(), slog.LevelInfo, "web request", slog.String("route", r.Pattern), slog.Int("status", rec.code))
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }

// SignInLink makes a link that signs who in once, within LinkLife. Only
// those who may have the overview get one.
func (s *Server) SignInLink(ctx context.Context, who offsitebot.Identity, now time.Time) (string, time.Time, error) {
	if err := offsitebot.Can(who, offsitebot.ActDashboard, nil); err != nil {
		return "", time.Time{}, err
	}
	token, hash := secret()
	expires := now.Add(LinkLife)
	if err := s.Store.CreateWebLink(ctx, hash, who.ID, now, expires); err != nil {
		return "", time.Time{}, err
	}
	return s.base + Path + "in/" + token, expires, nil
}

// secret returns a new random secret (256 bits) and the hash it is stored under.
func secret() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashOf(token)
}

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// linkPage is what the chat's link opens: a button that signs in. Opening
// the link does not use it, so a link preview (a chat fetching the page to
// show it) cannot spend it before the person does; a link that could not
// sign in is said to be so at once.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := s.Store.CheckWebLink(r.Context(), hashOf(token), s.Now()); err != nil {
		s.failed(w, r, err, "badlink", http.StatusForbidden)
		return
	}
	s.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Token: token})
}

// signIn spends a sign-in link and starts a session for its identity.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), s.Now()
	id, err := s.Store.RedeemWebLink(ctx, hashOf(r.PostFormValue("token")), now)
	if err != nil {
		s.failed(w, r, err, "badlink", http.StatusForbidden)
		return
	}
	if _, err := s.identity(ctx, id); err != nil {
		s.failed(w, r, err, "badlink", http.StatusForbidden)
		return
	}
	token, hash := secret()
	if err := s.Store.CreateWebSession(ctx, hash, id, now, now.Add(SessionLife)); err != nil {
		s.failed(w, r, err, "badlink", http.StatusForbidden)
		return
	}
	s.Log.InfoContext(ctx, "web sign-in", "user", id)
	http.SetCookie(w, s.cookie(token, SessionLife))
	http.Redirect(w, r, Path, http.StatusSeeOther)
}

func (s *Server) cookie(value string, life time.Duration) *http.Cookie {
	c := &http.Cookie{Name: cookieName, Value: value, Path: Path, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(life / time.Second)}
	if life <= 0 {
		c.MaxAge = -1
	}
	return c
}

// signOut ends the session and forgets the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := s.Store.DeleteWebSession(r.Context(), hashOf(c.Value)); err != nil {
			s.failed(w, r, err, "error", http.StatusInternalServerError)
			return
		}
	}
	http.SetCookie(w, s.cookie("", 0))
	s.render(w, r, http.StatusOK, "signedout", page{Title: "Signed out", Message: "You're signed out."})
}

// viewer is who is signed in, as stored now.
type viewer struct {
	offsitebot.Identity
	now time.Time
}

// signedIn runs h for the person whose session the request carries; without
// one, or for someone who may no longer have the overview, it ends the
// session and says how to sign in again.
func (s *Server) signedIn(h func(w http.ResponseWriter, r *http.Request, v viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, now := r.Context(), s.Now()
		c, err := r.Cookie(cookieName)
		if err != nil {
			s.render(w, r, http.StatusUnauthorized, "signedout", page{Title: "Signed out"})
			return
		}
		id, err := s.Store.WebSession(ctx, hashOf(c.Value), now)
		var who *offsitebot.Identity
		if err == nil {
			who, err = s.identity(ctx, id)
		}
		if err != nil {
			if offsitebot.ErrorCode(err) == offsitebot.EInternal {
				s.failed(w, r, err, "error", http.StatusInternalServerError)
				return
			}
			if id != "" {
				s.Log.InfoContext(ctx, "web session ended: access removed", "user", id)
				_ = s.Store.DeleteWebSession(ctx, hashOf(c.Value))
			}
			http.SetCookie(w, s.cookie("", 0))
			s.render(w, r, http.StatusUnauthorized, "signedout", page{Title: "Signed out"})
			return
		}
		h(w, r, viewer{Identity: *who, now: now})
	}
}

// identity reads id as stored now; one unknown, or who may no longer have
// the overview, is an EForbidden.
func (s *Server) identity(ctx context.Context, id string) (*offsitebot.Identity, error) {
	who, err := s.Store.Identity(ctx, id)
	switch {
	case offsitebot.ErrorCode(err) == offsitebot.ENotFound:
		return nil, offsitebot.Errorf(offsitebot.EForbidden, "access removed")
	case err != nil:
		return nil, err
	case offsitebot.Can(*who, offsitebot.ActDashboard, nil) != nil:
		return nil, offsitebot.Errorf(offsitebot.EForbidden, "access removed")
	}
	return who, nil
}

// page is what every template is given.
type page struct {
	Title   string
	Who     string // who is signed in, for the header
	Message string
	Token   string // the sign-in link's secret, for its form
	Data    any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, p); err != nil {
		s.Log.ErrorContext(r.Context(), "web page", "page", name, "err", err)
		http.Error(w, "Something went wrong showing this page.", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// failed answers an error: an internal one is logged and apologised for,
// any other shows the page name with code (0: the error is always internal).
func (s *Server) failed(w http.ResponseWriter, r *http.Request, err error, name string, code int) {
	if code == 0 || offsitebot.ErrorCode(err) == offsitebot.EInternal {
		s.Log.ErrorContext(r.Context(), "web request failed", "route", r.Pattern, "err", err)
		name, code = "error", http.StatusInternalServerError
	}
	s.render(w, r, code, name, page{Title: "Sorry"})
}

// notFound is the answer for a page that does not exist, and for a case or
// school the viewer may not see: the same, so nothing leaks.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *viewer) {
	p := page{Title: "Not found"}
	if v != nil {
		p.Who = v.Name
	}
	s.render(w, r, http.StatusNotFound, "notfound", p)
}
