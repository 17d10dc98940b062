package plugin

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/docker/go-plugins-helpers/authorization"

	"github.com/ci-authz/ci-authz/bench/workload"
	"github.com/ci-authz/ci-authz/internal/audit"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// serveBoth serves one Handler twice: with Handler.Serve and with
// go-plugins-helpers, and returns a client for each.
func serveBoth(t *testing.T) (own, helpers *http.Client) {
	t.Helper()
	log, err := audit.New(io.Discard, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(policy.Default(), log, Options{})
	return serveOn(t, h.Serve), serveOn(t, authorization.NewHandler(h).Serve)
}

func post(t *testing.T, c *http.Client, path string, body []byte) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://plugin"+path, bytes.NewReader(body))
	req.Header.Set("Accept", "application/vnd.docker.plugins.v1.2+json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestServeAnswersLikeHelpers: Handler.Serve gives the daemon the very
// answers go-plugins-helpers gives, undecodable plugin requests included.
func TestServeAnswersLikeHelpers(t *testing.T) {
	own, helpers := serveBoth(t)
	enc := func(r authorization.Request) []byte { b, _ := json.Marshal(r); return b }
	cases := []struct {
		name, path string
		body       []byte
	}{
		{"activate", "/Plugin.Activate", nil},
		{"allowed GET", "/AuthZPlugin.AuthZReq", enc(workload.ByName("get").Req)},
		{"allowed create", "/AuthZPlugin.AuthZReq", enc(workload.ByName("create-allowed").Req)},
		{"denied create", "/AuthZPlugin.AuthZReq", enc(workload.ByName("create-denied").Req)},
		{"empty request", "/AuthZPlugin.AuthZReq", []byte(`{}`)},
		{"undecodable request", "/AuthZPlugin.AuthZReq", []byte(`{not json`)},
		{"no body", "/AuthZPlugin.AuthZReq", nil},
		{"response", "/AuthZPlugin.AuthZRes", enc(*workload.ByName("get").Res)},
		{"unknown endpoint", "/VolumeDriver.Create", []byte(`{}`)},
	}
	for _, c := range cases {
		oc, ot, ob := post(t, own, c.path, c.body)
		hc, ht, hb := post(t, helpers, c.path, c.body)
		if oc != hc || ot != ht || ob != hb {
			t.Errorf("%s: Serve answers %d %q %q; go-plugins-helpers %d %q %q", c.name, oc, ot, ob, hc, ht, hb)
		}
	}
}

// TestServeResponsePhaseWithoutDecoding: AuthZRes is allowed whatever the
// daemon sends, without decoding it (the one difference from
// go-plugins-helpers, which answers 400 to a body it cannot decode; the
// API call has then been carried out already anyway).
func TestServeResponsePhaseWithoutDecoding(t *testing.T) {
	own, _ := serveBoth(t)
	for _, body := range [][]byte{[]byte(`{not json`), nil, bytes.Repeat([]byte("x"), 200<<10)} {
		code, _, raw := post(t, own, "/AuthZPlugin.AuthZRes", body)
		var r authorization.Response
		if err := json.Unmarshal([]byte(raw), &r); code != 200 || err != nil || !r.Allow {
			t.Errorf("AuthZRes with %d bytes: %d %q", len(body), code, raw)
		}
	}
	// The connection is still good for the next request.
	if code, _, raw := post(t, own, "/AuthZPlugin.AuthZReq", []byte(`{"RequestMethod":"GET","RequestUri":"/_ping"}`)); code != 200 {
		t.Errorf("after a large AuthZRes: %d %s", code, raw)
	}
}
