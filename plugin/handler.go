package plugin

import (
	"sync/atomic"
	"time"

	"github.com/docker/go-plugins-helpers/authorization"
	"github.com/sirupsen/logrus"

	"github.com/ci-authz/ci-authz/internal/audit"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// Handler implements authorization.Plugin. The policy can be swapped while
// requests are in flight (hot reload).
type Handler struct {
	policy atomic.Pointer[policy.Policy]
	log    *logrus.Logger
	opts   Options
	// Observe, if set, is told every decision and how long it took
	// (metrics). Set it before serving.
	Observe func(Decision, time.Duration)
}

// NewHandler returns a handler enforcing p on the host opts describe and
// logging to log.
func NewHandler(p *policy.Policy, log *logrus.Logger, opts Options) *Handler {
	h := &Handler{log: log, opts: opts}
	h.policy.Store(p)
	return h
}

// SetPolicy replaces the policy for every later request.
func (h *Handler) SetPolicy(p *policy.Policy) { h.policy.Store(p) }

// Policy returns the policy in force.
func (h *Handler) Policy() *policy.Policy { return h.policy.Load() }

// AuthZReq decides a request before the daemon acts on it.
func (h *Handler) AuthZReq(req authorization.Request) authorization.Response {
	start := time.Now()
	d := DecideWith(h.policy.Load(), &req, h.opts)
	if h.Observe != nil {
		h.Observe(d, time.Since(start))
	}
	h.logDecision(&req, d)
	// Err stays empty: a non-empty Err makes the helper answer HTTP 500,
	// which the daemon reports as a plugin failure instead of our message.
	return authorization.Response{Allow: d.Allow, Msg: d.Msg}
}

// AuthZRes allows every response: the daemon calls it after the handler has
// run, so the action has already happened and nothing can be enforced.
func (h *Handler) AuthZRes(authorization.Request) authorization.Response {
	return authorization.Response{Allow: true}
}

func (h *Handler) logDecision(req *authorization.Request, d Decision) {
	base := audit.Entry{
		User: req.User, AuthMethod: req.UserAuthNMethod, Method: req.RequestMethod,
		URI: d.URI, Container: d.Container, Image: d.Image,
	}
	if len(d.Outcomes) == 0 {
		if h.log.IsLevelEnabled(logrus.DebugLevel) {
			base.Decision = string(policy.Allow)
			audit.Log(h.log, base)
		}
		return
	}
	for _, o := range d.Outcomes {
		e := base
		e.Decision, e.Rule, e.Field, e.Value, e.Note = string(o.Action), string(o.Rule), o.Field, o.Value, o.Note
		audit.Log(h.log, e)
	}
}
