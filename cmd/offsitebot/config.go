package main

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	offsitebot "github.com/offsitebot/offsitebot"
	"github.com/offsitebot/offsitebot/reminders"
)

// Config is everything offsitebot reads at start-up. Keys are documented in
// config.example.toml; every key can also come from OFFSITEBOT_SECTION_KEY.
type Config struct {
	Timezone  string              `toml:"timezone"`
	MongoDB   MongoConfig         `toml:"mongodb"`
	HTTP      HTTPConfig          `toml:"http"`
	Slack     SlackConfig         `toml:"slack"`
	Telegram  TelegramConfig      `toml:"telegram"`
	Calendar  CalendarConfig      `toml:"calendar"`
	Reminders reminders.Config    `toml:"reminders"`
	Rules     offsitebot.Settings `toml:"rules"`
	Demo      DemoConfig          `toml:"demo"`
	Log       LogConfig           `toml:"log"`
}

type MongoConfig struct {
	URI      string `toml:"uri"`
	Database string `toml:"database"`
	DataDir  string `toml:"data_dir"`
}

type HTTPConfig struct {
	Listen string `toml:"listen"`
	// PublicURL is the address people open the web overview at; empty: no overview.
	PublicURL string `toml:"public_url"`
}

type SlackConfig struct {
	Mode          string   `toml:"mode"` // socket | http
	BotToken      string   `toml:"bot_token"`
	AppToken      string   `toml:"app_token"`
	SigningSecret string   `toml:"signing_secret"`
	APIURL        string   `toml:"api_url"`
	Admins        []string `toml:"admins"`
	Channel       string   `toml:"channel"`
}

type TelegramConfig struct {
	Mode          string `toml:"mode"` // polling | webhook
	Token         string `toml:"token"`
	WebhookSecret string `toml:"webhook_secret"`
	APIURL        string `toml:"api_url"`
	Username      string `toml:"username"`
	WebhookURL    string `toml:"webhook_url"`
}

type CalendarConfig struct {
	// BankHolidays replaces the shipped England and Wales list when set.
	BankHolidays []string  `toml:"bank_holidays"`
	Closures     []Closure `toml:"closures"`
}

type Closure struct {
	From string `toml:"from"`
	To   string `toml:"to"`
	Name string `toml:"name"`
	URN  string `toml:"urn"` // one school's closure; empty for every school
}

type DemoConfig struct {
	Seed bool `toml:"seed"`
}

type LogConfig struct {
	Level string `toml:"level"`
}

func defaultConfig() Config {
	return Config{
		Timezone:  "Europe/London",
		MongoDB:   MongoConfig{Database: "offsitebot", DataDir: "./data"},
		Slack:     SlackConfig{Mode: "socket"},
		Telegram:  TelegramConfig{Mode: "polling"},
		Reminders: reminders.DefaultConfig(),
		Rules:     offsitebot.DefaultSettings(),
		Demo:      DemoConfig{Seed: true},
		Log:       LogConfig{Level: "info"},
	}
}

// loadConfig reads path (or ./config.toml when path is empty and it exists),
// then applies OFFSITEBOT_* environment variables.
func loadConfig(path string, env func(string) string) (Config, error) {
	cfg := defaultConfig()
	explicit := path != ""
	if path == "" {
		path = env("OFFSITEBOT_CONFIG")
		explicit = path != ""
	}
	if path == "" {
		path = "config.toml"
	}
	md, err := toml.DecodeFile(path, &cfg)
	switch {
	case err == nil:
		if und := md.Undecoded(); len(und) > 0 {
			return cfg, fmt.Errorf("config %s: unknown key %s (see config.example.toml)", path, und[0])
		}
	case errors.Is(err, fs.ErrNotExist) && !explicit:
	default:
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "OFFSITEBOT", env); err != nil {
		return cfg, err
	}
	if err := cfg.Reminders.Validate(); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if cfg.Timezone != "Europe/London" {
		return cfg, fmt.Errorf("config: timezone %q: offsitebot works in Europe/London only, as English schools do", cfg.Timezone)
	}
	return cfg, nil
}

// applyEnv sets each field from OFFSITEBOT_<SECTION>_<KEY>, named after its toml tag.
func applyEnv(v reflect.Value, prefix string, env func(string) string) error {
	t := v.Type()
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("toml")
		if tag == "" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			if err := applyEnv(f, name, env); err != nil {
				return err
			}
			continue
		}
		val := env(name)
		if val == "" {
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(val)
		case reflect.Bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return fmt.Errorf("%s: %q is not true or false", name, val)
			}
			f.SetBool(b)
		case reflect.Int:
			n, err := strconv.Atoi(val)
			if err != nil {
				return fmt.Errorf("%s: %q is not a whole number", name, val)
			}
			f.SetInt(int64(n))
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.String {
				f.Set(reflect.ValueOf(strings.Split(val, ",")))
			}
		}
	}
	return nil
}

// calendar builds the school calendar from config.
func (c CalendarConfig) calendar() (offsitebot.Calendar, error) {
	var hols map[offsitebot.Date]string
	if len(c.BankHolidays) > 0 {
		hols = map[offsitebot.Date]string{}
		for _, d := range c.BankHolidays {
			if !offsitebot.Date(d).Valid() {
				return offsitebot.Calendar{}, fmt.Errorf("config calendar.bank_holidays: %q is not YYYY-MM-DD", d)
			}
			hols[offsitebot.Date(d)] = "bank holiday"
		}
	}
	var cl []offsitebot.Closure
	for _, x := range c.Closures {
		if !offsitebot.Date(x.From).Valid() || !offsitebot.Date(x.To).Valid() || x.To < x.From {
			return offsitebot.Calendar{}, fmt.Errorf("config calendar.closures %q: from and to must be YYYY-MM-DD, from first", x.Name)
		}
		cl = append(cl, offsitebot.Closure{From: offsitebot.Date(x.From), To: offsitebot.Date(x.To), Name: x.Name, URN: x.URN})
	}
	return offsitebot.NewCalendar(hols, cl), nil
}

// clock returns the time source: the real clock, or one that starts at
// OFFSITEBOT_NOW and runs on from there (for demos, training and acceptance tests).
func clock(env func(string) string) (func() time.Time, bool, error) {
	v := env("OFFSITEBOT_NOW")
	if v == "" {
		return time.Now, false, nil
	}
	start, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, false, fmt.Errorf("OFFSITEBOT_NOW %q: use RFC 3339, e.g. 2026-12-02T10:14:00Z", v)
	}
	real0 := time.Now()
	return func() time.Time { return start.Add(time.Since(real0)) }, true, nil
}
