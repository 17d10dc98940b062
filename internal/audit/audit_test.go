package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLogLevelsAndFields(t *testing.T) {
	cases := []struct {
		entry     Entry
		level     string
		msg       string
		loggedAtI bool // visible at info level
	}{
		{Entry{Decision: "deny", Rule: "privileged"}, "warning", "deny", true},
		{Entry{Decision: "audit", Rule: "privileged", Note: "would deny (audit mode)"}, "warning", "would deny", true},
		{Entry{Decision: "audit", Rule: "privileged"}, "warning", "audit", true},
		{Entry{Decision: "allow", Rule: "privileged", Note: "exception for user \"a\""}, "info", "allow", true},
		{Entry{Decision: "allow", Rule: "capabilities"}, "debug", "allow", false},
		{Entry{Decision: "allow"}, "debug", "allow", false},
	}
	for _, c := range cases {
		for _, lvl := range []string{"info", "debug"} {
			var buf bytes.Buffer
			l, err := New(&buf, "json", lvl)
			if err != nil {
				t.Fatal(err)
			}
			c.entry.Method, c.entry.URI, c.entry.Value = "POST", "/v1.41/containers/create", strings.Repeat("v", 1000)
			Log(l, c.entry)
			if lvl == "info" && !c.loggedAtI {
				if buf.Len() != 0 {
					t.Errorf("%+v logged at info: %s", c.entry, buf.String())
				}
				continue
			}
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("%+v at %s: not one JSON line: %q", c.entry, lvl, buf.String())
			}
			if got["level"] != c.level || got["msg"] != c.msg || got["decision"] != c.entry.Decision || got["method"] != "POST" {
				t.Errorf("%+v: got %v", c.entry, got)
			}
			if v, _ := got["value"].(string); len(v) > maxValue+20 {
				t.Errorf("value not truncated: %d bytes", len(v))
			}
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, "xml", "info"); err == nil || !strings.Contains(err.Error(), "json or text") {
		t.Errorf("bad format: %v", err)
	}
	if _, err := New(&bytes.Buffer{}, "json", "loud"); err == nil || !strings.Contains(err.Error(), "debug, info") {
		t.Errorf("bad level: %v", err)
	}
	var buf bytes.Buffer
	l, err := New(&buf, "text", "")
	if err != nil {
		t.Fatal(err)
	}
	Log(l, Entry{Decision: "deny", Rule: "privileged"})
	if !strings.Contains(buf.String(), "decision=deny") {
		t.Errorf("text format: %q", buf.String())
	}
}
