// Package audit writes ci-authz's structured log: one line per decision that
// is not a plain allow, every decision at debug level, and the plugin's own
// events (policy loaded, reloads). Request bodies and environment variables
// are never logged.
package audit

import (
	"fmt"
	"io"
	"strings"

	"github.com/sirupsen/logrus"
)

// New returns a logger writing format ("json" or "text") at level
// ("debug", "info", "warn", "error") to w.
func New(w io.Writer, format, level string) (*logrus.Logger, error) {
	l := logrus.New()
	l.SetOutput(w)
	switch format {
	case "json", "":
		l.SetFormatter(&logrus.JSONFormatter{})
	case "text":
		l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	default:
		return nil, fmt.Errorf("log format %q is not valid; use json or text", format)
	}
	if level == "" {
		level = "info"
	}
	lv, err := logrus.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level %q is not valid; use debug, info, warn or error", level)
	}
	l.SetLevel(lv)
	return l, nil
}

// Entry is one logged decision about one finding (or about a request with
// no finding, at debug level).
type Entry struct {
	Decision   string // deny | audit | allow
	Rule       string
	Field      string
	Value      string
	Note       string
	User       string
	AuthMethod string
	Method     string
	URI        string
	Container  string
	Image      string
}

// maxValue bounds logged values: enough for a bind or a capability name,
// never a whole body.
const maxValue = 256

// Truncate shortens s to n bytes, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…(truncated)"
}

// Log writes e: denies and audits at warning level, allows by exception at
// info, other allows at debug.
func Log(l *logrus.Logger, e Entry) {
	f := logrus.Fields{
		"decision":   e.Decision,
		"user":       e.User,
		"authMethod": e.AuthMethod,
		"method":     e.Method,
		"uri":        Truncate(e.URI, maxValue),
	}
	for k, v := range map[string]string{"rule": e.Rule, "field": e.Field, "value": Truncate(e.Value, maxValue),
		"note": e.Note, "container": Truncate(e.Container, maxValue), "image": Truncate(e.Image, maxValue)} {
		if v != "" {
			f[k] = v
		}
	}
	entry := l.WithFields(f)
	switch {
	case e.Decision == "deny":
		entry.Warn("deny")
	case e.Decision == "audit" && strings.HasPrefix(e.Note, "would deny"):
		entry.Warn("would deny")
	case e.Decision == "audit":
		entry.Warn("audit")
	case e.Note != "":
		entry.Info("allow") // by exception
	default:
		entry.Debug("allow")
	}
}
