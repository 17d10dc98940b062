package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/go-plugins-helpers/authorization"
	"github.com/sirupsen/logrus"

	"github.com/ci-authz/ci-authz/internal/audit"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// servePlugin serves a Handler on a temporary unix socket with the real
// go-plugins-helpers protocol stack and returns an HTTP client for it.
func servePlugin(t *testing.T, p *policy.Policy) (*http.Client, *Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	log, err := audit.New(&logs, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(p, log, Options{})
	c := serveOn(t, authorization.NewHandler(h).Serve)
	return c, h, &logs
}

// serveOn runs serve on a temporary unix socket until the test ends and
// returns an HTTP client for it.
func serveOn(t *testing.T, serve func(net.Listener) error) *http.Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "authz.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go serve(l) //nolint:errcheck // ends when l closes
	t.Cleanup(func() { l.Close() })
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
}

func call(t *testing.T, c *http.Client, path string, body any) (int, authorization.Response, string) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	code, _, raw := post(t, c, path, b)
	var r authorization.Response
	_ = json.Unmarshal([]byte(raw), &r)
	return code, r, raw
}

func TestProtocol(t *testing.T) {
	c, _, logs := servePlugin(t, policy.Default())

	code, _, raw := call(t, c, "/Plugin.Activate", "")
	if code != 200 || !strings.Contains(raw, `"Implements": ["authz"]`) {
		t.Fatalf("activate: %d %s", code, raw)
	}

	priv := authorization.Request{
		RequestMethod:  "POST",
		RequestURI:     "/v1.41/containers/create?name=dind",
		RequestBody:    []byte(`{"Image":"docker:dind","HostConfig":{"Privileged":true}}`),
		RequestHeaders: map[string]string{"Content-Type": "application/json"},
	}
	code, r, raw := call(t, c, "/AuthZPlugin.AuthZReq", priv)
	if code != 200 || r.Allow || r.Err != "" || !strings.Contains(r.Msg, "[privileged]") {
		t.Fatalf("privileged create: %d %s", code, raw)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(logs.String(), "\n", 2)[0]), &line); err != nil {
		t.Fatalf("log line is not JSON: %q", logs.String())
	}
	for k, want := range map[string]string{"decision": "deny", "rule": "privileged", "field": "HostConfig.Privileged",
		"container": "dind", "image": "docker:dind", "uri": "/v1.41/containers/create", "method": "POST"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %q", k, line[k], want)
		}
	}
	if strings.Contains(logs.String(), "HostConfig\":{") {
		t.Error("the body must not be logged")
	}

	ok := authorization.Request{RequestMethod: "GET", RequestURI: "/v1.41/containers/json"}
	if code, r, raw = call(t, c, "/AuthZPlugin.AuthZReq", ok); code != 200 || !r.Allow {
		t.Fatalf("list: %d %s", code, raw)
	}

	// AuthZRes is allowed without work, whatever the response holds.
	res := priv
	res.ResponseStatusCode = 201
	if code, r, raw = call(t, c, "/AuthZPlugin.AuthZRes", res); code != 200 || !r.Allow {
		t.Fatalf("response phase: %d %s", code, raw)
	}

	// go-plugins-helpers answers 400 to an undecodable request and then
	// calls AuthZReq with an empty Request: that must deny, not allow.
	code, _, raw = call(t, c, "/AuthZPlugin.AuthZReq", "{not json")
	if code == 200 || strings.Contains(raw, `"Allow":true`) {
		t.Fatalf("undecodable plugin request: %d %s", code, raw)
	}
}

func TestHandlerSwapsPolicy(t *testing.T) {
	c, h, _ := servePlugin(t, policy.Default())
	caps := authorization.Request{
		RequestMethod: "POST", RequestURI: "/containers/create",
		RequestBody:    []byte(`{"Image":"x","HostConfig":{"CapAdd":["NET_ADMIN"]}}`),
		RequestHeaders: map[string]string{"Content-Type": "application/json"},
	}
	if _, r, _ := call(t, c, "/AuthZPlugin.AuthZReq", caps); r.Allow {
		t.Fatal("NET_ADMIN is not a default capability")
	}
	p, err := policy.Parse([]byte("rules:\n  capabilities:\n    allowed: [NET_ADMIN]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h.SetPolicy(p)
	if _, r, raw := call(t, c, "/AuthZPlugin.AuthZReq", caps); !r.Allow {
		t.Fatalf("after the policy change: %s", raw)
	}
}

func TestDebugLogsEveryDecision(t *testing.T) {
	var logs bytes.Buffer
	log, _ := audit.New(&logs, "json", "debug")
	h := NewHandler(policy.Default(), log, Options{})
	h.AuthZReq(authorization.Request{RequestMethod: "GET", RequestURI: "/_ping"})
	if !strings.Contains(logs.String(), `"decision":"allow"`) || !strings.Contains(logs.String(), `"level":"debug"`) {
		t.Fatalf("debug level logs plain allows: %s", logs.String())
	}
	logs.Reset()
	log.SetLevel(logrus.InfoLevel)
	h.AuthZReq(authorization.Request{RequestMethod: "GET", RequestURI: "/_ping"})
	if logs.Len() != 0 {
		t.Fatalf("info level does not log plain allows: %s", logs.String())
	}
}
