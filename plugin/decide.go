// Package plugin is the authorization handler: it routes each request the
// daemon forwards, decodes its body as the daemon will, runs the checks and
// applies the policy (actions, exceptions, mode).
package plugin

import (
	"fmt"
	"strings"

	"github.com/docker/go-plugins-helpers/authorization"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
	"github.com/ci-authz/ci-authz/internal/verdict"
)

// Outcome is a finding with what the policy made of it.
type Outcome = verdict.Outcome

// Decision is the answer to one AuthZReq.
type Decision struct {
	Allow     bool
	Msg       string
	URI       string // version prefix and path, no query (it can carry secrets)
	Endpoint  string // the kind of endpoint, e.g. "container create" (route.Kind)
	Container string
	Image     string
	Outcomes  []Outcome
}

// Options describe the host ci-authz runs on.
type Options struct {
	// HostRoot is where the host's root filesystem is visible ("/" for the
	// legacy plugin); bind sources are followed through symlinks inside it.
	// Empty: bind sources are judged as written only.
	HostRoot string
}

// Decide judges one request under policy p, judging host paths as written.
func Decide(p *policy.Policy, req *authorization.Request) Decision {
	return DecideWith(p, req, Options{})
}

// DecideWith judges one request under policy p on the host opts describe.
// It never panics on input and denies whatever it cannot read on an
// endpoint that can grant privilege.
func DecideWith(p *policy.Policy, req *authorization.Request, opts Options) Decision {
	d := Decision{URI: uriForLog(req.RequestURI)}
	findings := d.inspect(p, req, opts)
	user := ""
	if req.UserAuthNMethod != "" { // the daemon sets both only for verified TLS clients
		user = req.User
	}
	for _, f := range findings {
		d.Outcomes = append(d.Outcomes, verdict.Apply(p, user, f))
	}
	d.Allow = true
	var denied []Outcome
	for _, o := range d.Outcomes {
		if o.Action == policy.Deny {
			d.Allow = false
			denied = append(denied, o)
		}
	}
	if !d.Allow {
		d.Msg = verdict.DenyMessage(denied)
	}
	return d
}

// inspect routes and decodes the request and runs the checks.
func (d *Decision) inspect(p *policy.Policy, req *authorization.Request, opts Options) []checks.Finding {
	d.Endpoint = "unroutable"
	if req.RequestMethod == "" && req.RequestURI == "" {
		// go-plugins-helpers calls AuthZReq with a zero Request when it cannot
		// decode what the daemon sent.
		return malformed("request", "empty", "the plugin request is empty (it could not be decoded)")
	}
	ep, err := route.Identify(req.RequestMethod, req.RequestURI)
	if err != nil {
		if ep.Path != "" {
			d.Endpoint = ep.Kind.String() // routed, but its query cannot be parsed
		}
		return malformed("RequestUri", d.URI, err.Error())
	}
	d.Endpoint = ep.Kind.String()
	if ep.Version != "" {
		d.URI = "/v" + ep.Version + ep.Path
	} else {
		d.URI = ep.Path
	}
	var c *checks.Request
	var berr *bodyError
	switch ep.Kind {
	case route.ContainerCreate:
		d.Container = ep.Name()
		var body []byte
		if body, berr = jsonBody(req); berr == nil {
			c, d.Image, berr = decodeCreate(body)
		}
	case route.ExecCreate:
		c, berr = decodeJSONBody(req, decodeExec)
	case route.VolumeCreate:
		c, berr = decodeJSONBody(req, decodeVolume)
	case route.ContainerUpdate:
		c, berr = decodeJSONBody(req, decodeUpdate)
	case route.Build:
		c, berr = buildRequest(req, ep)
	case route.DaemonAdmin:
		c = &checks.Request{AdminAction: req.RequestMethod + " " + ep.Path, AdminFamily: ep.Family}
	case route.ContainerStart:
		// API < 1.24 lets start carry a HostConfig that the daemon applies
		// (dockerd 20.10 postContainersStart), and a chunked or large body can
		// be hidden from plugins. Modern clients never use such versions.
		if route.VersionBefore(ep.Version, "1.24") {
			return malformed("RequestUri", d.URI, "container start with API version "+ep.Version+
				" can change the host configuration, which ci-authz cannot always see; use API version 1.24 or later")
		}
		c = &checks.Request{}
	case route.BuildKit, route.Checkpoint, route.Unknown:
		c = &checks.Request{}
	default:
		return nil // a harmless route (route.Other)
	}
	if berr != nil {
		f := malformed(berr.field, berr.value, fmt.Sprintf("%s: %s", ep.Kind, berr.reason))
		if berr.fix != "" {
			f[0].Fix = berr.fix
		}
		return f
	}
	c.Method, c.Route = req.RequestMethod, ep
	c.HostPaths = hostpath.Resolver{Root: opts.HostRoot}.ForRequest()
	return checks.Run(c, p)
}

func malformed(field, value, reason string) []checks.Finding {
	return []checks.Finding{{
		Rule:   policy.MalformedRequest,
		Field:  field,
		Value:  value,
		Reason: reason,
		Fix:    "send a complete application/json body under 1 MiB, as the docker CLI does",
	}}
}

// uriForLog is the request target without its query string, which can carry
// secrets (build args, registry credentials).
func uriForLog(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	return verdict.Truncate(raw, 256)
}
