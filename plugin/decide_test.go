package plugin

import (
	"strconv"
	"strings"
	"testing"

	"github.com/docker/go-plugins-helpers/authorization"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func jsonReq(method, uri, body string) *authorization.Request {
	return &authorization.Request{
		RequestMethod: method,
		RequestURI:    uri,
		RequestBody:   []byte(body),
		RequestHeaders: map[string]string{
			"Content-Type":   "application/json",
			"Content-Length": strconv.Itoa(len(body)),
		},
	}
}

func create(body string) *authorization.Request {
	return jsonReq("POST", "/v1.41/containers/create?name=job", body)
}

type decideCase struct {
	name string
	req  *authorization.Request
	// wantRule is the rule of the first denied finding; "" means allowed.
	wantRule string
	// wantMsg are substrings the deny message must contain.
	wantMsg []string
}

func runDecideCases(t *testing.T, p *policy.Policy, cases []decideCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(p, c.req)
			if c.wantRule == "" {
				if !d.Allow {
					t.Fatalf("want allow, got deny: %s", d.Msg)
				}
				return
			}
			if d.Allow {
				t.Fatalf("want deny by %s, got allow (outcomes %+v)", c.wantRule, d.Outcomes)
			}
			if !strings.HasPrefix(d.Msg, "["+c.wantRule+"]") {
				t.Fatalf("message %q does not start with [%s]", d.Msg, c.wantRule)
			}
			for _, m := range c.wantMsg {
				if !strings.Contains(d.Msg, m) {
					t.Errorf("message %q lacks %q", d.Msg, m)
				}
			}
		})
	}
}

func TestDecideDefaultPolicy(t *testing.T) {
	big := `{"Image":"busybox","Env":["PAD=` + strings.Repeat("x", MaxBody) + `"]}`
	chunkedHidden := create(`{"Image":"x"}`)
	chunkedHidden.RequestBody = nil
	delete(chunkedHidden.RequestHeaders, "Content-Length")
	truncated := create(`{"Image":"x","HostConfig":{"Privileged":true}}`)
	truncated.RequestHeaders["Content-Length"] = "2000000"
	truncated.RequestBody = nil
	textPlain := create(`{"Image":"x"}`)
	textPlain.RequestHeaders["Content-Type"] = "text/plain"
	charset := create(`{"Image":"x"}`)
	charset.RequestHeaders["Content-Type"] = "application/json; charset=utf-8"
	badLength := create(`{"Image":"x"}`)
	badLength.RequestHeaders["Content-Length"] = "12abc"

	runDecideCases(t, policy.Default(), []decideCase{
		// Allowed
		{"plain create", create(`{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"default"}}`), "", nil},
		{"data bind and default cap", create(`{"Image":"busybox","HostConfig":{"Binds":["/srv/cache:/cache:ro"],"CapAdd":["CHOWN"]}}`), "", nil},
		{"charset parameter", charset, "", nil},
		{"GET without body", &authorization.Request{RequestMethod: "GET", RequestURI: "/v1.41/containers/json"}, "", nil},
		{"ping", &authorization.Request{RequestMethod: "GET", RequestURI: "/_ping"}, "", nil},
		{"start", jsonReq("POST", "/v1.41/containers/abc/start", ""), "", nil},
		{"start without version", jsonReq("POST", "/containers/abc/start", ""), "", nil},
		{"plain exec", jsonReq("POST", "/v1.41/containers/abc/exec", `{"Cmd":["sh"],"User":"root"}`), "", nil},
		{"other endpoint with odd body", jsonReq("POST", "/v1.41/networks/create", `not json`), "", nil},
		{"lowercase method reaches no handler", jsonReq("post", "/v1.41/containers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "", nil},
		{"case-different path reaches no handler", jsonReq("POST", "/v1.41/Containers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "", nil},

		// The three rules
		{"privileged", create(`{"Image":"docker:dind","HostConfig":{"Privileged":true}}`), "privileged",
			[]string{"HostConfig.Privileged=true", "BuildKit", "kaniko"}},
		{"docker.sock bind", create(`{"Image":"x","HostConfig":{"Binds":["/var/run/docker.sock:/var/run/docker.sock"]}}`), "hostSockets",
			[]string{"HostConfig.Binds[0]=/var/run/docker.sock:/var/run/docker.sock", "/run/docker.sock", "BuildKit"}},
		{"docker.sock mount", create(`{"Image":"x","HostConfig":{"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]}}`), "hostSockets",
			[]string{"HostConfig.Mounts[0].Source"}},
		{"root bind", create(`{"Image":"x","HostConfig":{"Binds":["/:/host"]}}`), "hostSockets", nil},
		{"inline local volume", create(`{"Image":"x","HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/run"}}}}]}}`),
			"hostSockets", []string{"DriverConfig.Options.device=/run"}},
		{"cap SYS_ADMIN", create(`{"Image":"x","HostConfig":{"CapAdd":["SYS_ADMIN"]}}`), "capabilities", []string{"HostConfig.CapAdd[0]=SYS_ADMIN", "CHOWN"}},
		{"cap ALL", create(`{"Image":"x","HostConfig":{"CapAdd":["ALL"]}}`), "capabilities", []string{"ALL adds every capability"}},
		{"privileged exec", jsonReq("POST", "/v1.41/containers/abc/exec", `{"Cmd":["sh"],"Privileged":true}`), "privileged", []string{"exec"}},
		{"several denials", create(`{"Image":"x","HostConfig":{"Privileged":true,"CapAdd":["SYS_ADMIN"]}}`), "privileged",
			[]string{"Also denied: [capabilities] HostConfig.CapAdd[0]"}},

		{"volume create binding /run", jsonReq("POST", "/v1.41/volumes/create", `{"Name":"v","Driver":"local","DriverOpts":{"type":"none","o":"bind","device":"/run"}}`),
			"hostSockets", []string{"DriverOpts.device=/run"}},
		{"volume create with lowercase keys", jsonReq("POST", "/v1.41/volumes/create", `{"name":"v","driveropts":{"device":"/"}}`), "hostSockets", nil},
		{"volume create empty body", jsonReq("POST", "/v1.41/volumes/create", ``), "malformedRequest", nil},
		{"plain volume create", jsonReq("POST", "/v1.41/volumes/create", `{"Name":"cache"}`), "", nil},
		{"plugin disable", jsonReq("POST", "/v1.41/plugins/ci-authz:latest/disable", ``), "daemonAdmin", []string{"endpoint=POST /plugins/ci-authz:latest/disable", "authorization off"}},
		{"plugin disable encoded", jsonReq("POST", "/v1.41/plugins/ci-authz%3Alatest%2Fdisable", ``), "daemonAdmin", nil},
		{"plugin remove", jsonReq("DELETE", "/v1.41/plugins/ci-authz:latest?force=1", ``), "daemonAdmin", nil},
		{"plugin pull", jsonReq("POST", "/v1.41/plugins/pull?remote=evil/plugin", `[]`), "daemonAdmin", nil},
		{"swarm init", jsonReq("POST", "/v1.41/swarm/init", `{"ListenAddr":"0.0.0.0:2377"}`), "daemonAdmin", []string{"swarm tasks"}},
		{"swarm join", jsonReq("POST", "/swarm/join", `{}`), "daemonAdmin", nil},
		{"service create", jsonReq("POST", "/v1.41/services/create", `{}`), "daemonAdmin", nil},
		{"plugin list", &authorization.Request{RequestMethod: "GET", RequestURI: "/v1.41/plugins"}, "", nil},

		// JSON decoding traps: the daemon's encoding/json semantics
		{"lowercase keys", create(`{"image":"x","hostconfig":{"privileged":true}}`), "privileged", nil},
		{"upper keys", create(`{"IMAGE":"x","HOSTCONFIG":{"PRIVILEGED":true}}`), "privileged", nil},
		{"long s in HostConfig key", create(`{"Image":"x","Ho\u017ftConfig":{"Privileged":true}}`), "privileged", nil},
		{"long s in key", create(`{"Image":"x","HostConfig":{"Bind\u017f":["/:/h"]}}`), "hostSockets", nil},
		{"escaped key", create(`{"Image":"x","HostConfig":{"Privil\u0065ged":true}}`), "privileged", nil},
		{"escaped value", create(`{"Image":"x","HostConfig":{"Binds":["\/var\/run\/docker.sock:\/s"]}}`), "hostSockets", nil},
		{"duplicate key last wins", create(`{"Image":"x","HostConfig":{"Privileged":false},"HostConfig":{"Privileged":true}}`), "privileged", nil},
		{"duplicate objects merge", create(`{"Image":"x","HostConfig":{"Privileged":true},"HostConfig":{"Binds":[]}}`), "privileged", nil},
		{"duplicate field inside", create(`{"Image":"x","HostConfig":{"Privileged":true,"Privileged":false}}`), "", nil},
		{"legacy top-level HostConfig fields", create(`{"Image":"x","Privileged":true}`), "privileged", []string{"Privileged=true"}},
		{"legacy top-level binds", create(`{"Image":"x","HostConfig":{},"Binds":["/var/run/docker.sock:/s"]}`), "hostSockets", nil},
		{"unicode capability", create(`{"Image":"x","HostConfig":{"CapAdd":["\u017fys_admin"]}}`), "capabilities", []string{"CAP_SYS_ADMIN"}},
		{"unknown fields ignored like the daemon", create(`{"Image":"x","FutureField":{"a":1},"HostConfig":{"Whatever":true}}`), "", nil},

		// Routing traps
		{"encoded slash", jsonReq("POST", "/v1.41/containers%2Fcreate", `{"Image":"x","HostConfig":{"Privileged":true}}`), "privileged", nil},
		{"encoded letter", jsonReq("POST", "/v1.41/%63ontainers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "privileged", nil},
		{"absolute-form", jsonReq("POST", "http://evil/v1.41/containers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "privileged", nil},
		{"no version", jsonReq("POST", "/containers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "privileged", nil},
		{"odd version", jsonReq("POST", "/v1.47.0/containers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "privileged", nil},
		{"unclean path", jsonReq("POST", "/v1.41/containers/./create", `{"Image":"x"}`), "malformedRequest", []string{"not clean"}},
		{"unparsable URI", jsonReq("POST", "/v1.41/containers/create%zz", `{"Image":"x"}`), "malformedRequest", nil},
		{"bad query on create", jsonReq("POST", "/v1.41/containers/create?name=%zz", `{"Image":"x"}`), "malformedRequest", nil},
		{"legacy start with HostConfig", jsonReq("POST", "/v1.23/containers/abc/start", `{"Privileged":true}`), "malformedRequest", []string{"1.24"}},
		{"legacy start without body", jsonReq("POST", "/v1.20/containers/abc/start", ""), "malformedRequest", nil},

		// Fail closed on bodies
		{"empty body", create(""), "malformedRequest", []string{"missing"}},
		{"hidden chunked body", chunkedHidden, "malformedRequest", nil},
		{"truncated body", truncated, "malformedRequest", []string{"0 of 2000000 bytes"}},
		{"bad Content-Length", badLength, "malformedRequest", nil},
		{"oversized body", create(big), "malformedRequest", []string{"1 MiB"}},
		{"not json", create(`Image=x`), "malformedRequest", []string{"not a valid container create request"}},
		{"truncated json", create(`{"Image":"x","HostConfig":{"Privileged":tr`), "malformedRequest", nil},
		{"trailing data", create(`{"Image":"x"} {"HostConfig":{"Privileged":true}}`), "malformedRequest", []string{"content after"}},
		{"trailing brace", create(`{"Image":"x"}}`), "malformedRequest", nil},
		{"null body", create(`null`), "malformedRequest", []string{"no container configuration"}},
		{"array body", create(`[]`), "malformedRequest", nil},
		{"wrong type", create(`{"Image":"x","HostConfig":{"Privileged":"true"}}`), "malformedRequest", nil},
		{"string CapAdd", create(`{"Image":"x","HostConfig":{"CapAdd":"SYS_ADMIN"}}`), "malformedRequest", nil},
		{"text/plain", textPlain, "malformedRequest", []string{"application/json"}},
		{"exec empty body", jsonReq("POST", "/v1.41/containers/abc/exec", ""), "malformedRequest", nil},
		{"empty plugin request", &authorization.Request{}, "malformedRequest", []string{"empty"}},
	})
}

func TestDecideActionsModesExceptions(t *testing.T) {
	priv := create(`{"Image":"x","HostConfig":{"Privileged":true}}`)
	audit, err := policy.Parse([]byte("mode: audit\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := Decide(audit, priv)
	if !d.Allow || len(d.Outcomes) != 1 || d.Outcomes[0].Action != policy.Audit || d.Outcomes[0].Note != "would deny (audit mode)" {
		t.Fatalf("audit mode must allow and record a would-deny: %+v", d)
	}
	d = Decide(audit, create(""))
	if !d.Allow || d.Outcomes[0].Rule != policy.MalformedRequest || d.Outcomes[0].Action != policy.Audit {
		t.Fatalf("audit mode denies nothing, not even malformed requests: %+v", d)
	}

	ruleAudit, _ := policy.Parse([]byte("rules:\n  privileged: {action: audit}\n"), "p.yaml")
	d = Decide(ruleAudit, priv)
	if !d.Allow || d.Outcomes[0].Action != policy.Audit {
		t.Fatalf("rule action audit must allow and log: %+v", d)
	}
	d = Decide(ruleAudit, create(`{"Image":"x","HostConfig":{"CapAdd":["SYS_ADMIN"]}}`))
	if d.Allow {
		t.Fatal("other rules keep denying")
	}

	ruleAllow, _ := policy.Parse([]byte("rules:\n  capabilities: {action: allow}\n"), "p.yaml")
	if d = Decide(ruleAllow, create(`{"Image":"x","HostConfig":{"CapAdd":["ALL"]}}`)); !d.Allow {
		t.Fatalf("rule action allow: %s", d.Msg)
	}

	exc, _ := policy.Parse([]byte("exceptions:\n  - users: [ci-admin]\n    rules: [privileged]\n"), "p.yaml")
	admin := *priv
	admin.User, admin.UserAuthNMethod = "ci-admin", "TLS"
	if d = Decide(exc, &admin); !d.Allow || !strings.Contains(d.Outcomes[0].Note, "exception") {
		t.Fatalf("ci-admin is exempt: %+v", d)
	}
	other := admin
	other.User = "someone"
	if d = Decide(exc, &other); d.Allow {
		t.Fatal("someone else is not exempt")
	}
	noMethod := admin
	noMethod.UserAuthNMethod = ""
	if d = Decide(exc, &noMethod); d.Allow {
		t.Fatal("a user the daemon did not authenticate is not exempt")
	}
	adminCaps := admin
	adminCaps.RequestBody = []byte(`{"Image":"x","HostConfig":{"Privileged":true,"CapAdd":["SYS_ADMIN"]}}`)
	adminCaps.RequestHeaders = map[string]string{"Content-Type": "application/json"}
	if d = Decide(exc, &adminCaps); d.Allow || !strings.HasPrefix(d.Msg, "[capabilities]") {
		t.Fatalf("the exception covers only its rules: %+v", d)
	}
	adminEmpty := admin
	adminEmpty.RequestBody = nil
	adminEmpty.RequestHeaders = map[string]string{"Content-Type": "application/json"}
	if d = Decide(exc, &adminEmpty); d.Allow {
		t.Fatal("malformed requests are never exempt")
	}
}

func TestDecideRecordsContext(t *testing.T) {
	d := Decide(policy.Default(), jsonReq("POST", "/v1.41/containers/create?name=job&secret=x", `{"Image":"docker:dind","HostConfig":{"Privileged":true}}`))
	if d.Container != "job" || d.Image != "docker:dind" || d.URI != "/v1.41/containers/create" {
		t.Fatalf("context: %+v", d)
	}
}
