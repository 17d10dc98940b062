// Package scan finds, in a repository, what the ci-authz plugin would deny
// at run time: Docker Compose files, GitLab CI and GitHub Actions
// configurations and the docker command lines in their scripts are read
// into the same requests the plugin judges, and judged by the same checks
// and policy.
package scan

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/dockercli"
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/verdict"
)

// Kind is the kind of file a finding comes from.
type Kind string

const (
	Compose Kind = "compose"
	GitLab  Kind = "gitlab-ci"
	GitHub  Kind = "github-actions"
	Shell   Kind = "shell"
)

// Location is a place in a file; Line and Column count from 1.
type Location struct {
	File   string
	Line   int
	Column int
}

// Finding is one thing the plugin would deny or audit, and where it is.
type Finding struct {
	Location
	Kind Kind
	// Subject is the service or job, e.g. `service "web"`, `job "build"`.
	Subject string
	// Key is where in the file, in the file's own terms, e.g.
	// "services.web.volumes[0]" or "build.script[2]".
	Key string
	// Context says how the file leads to the request, when that is not
	// plain (a docker:dind service, DOCKER_HOST, a docker run line).
	Context string
	verdict.Outcome
}

// Problem is a file that could not be read or parsed (Error), or a part of
// one that could not be judged (a warning).
type Problem struct {
	Location
	Message string
	Warning bool
}

// Result is what a scan found.
type Result struct {
	// Files are the files scanned, in order.
	Files    []string
	Findings []Finding
	Problems []Problem
}

// Denied reports whether any finding is denied by the policy.
func (r *Result) Denied() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Action == policy.Deny })
}

// Failed reports whether a file could not be read or parsed.
func (r *Result) Failed() bool {
	return slices.ContainsFunc(r.Problems, func(p Problem) bool { return !p.Warning })
}

// origin ties a request field (or its prefix, see dockercli.HasFieldPrefix)
// to where in the file it was written.
type origin struct {
	field string
	loc   Location
	key   string
}

// job is one request to judge and what it came from.
type job struct {
	kind    Kind
	subject string
	context string
	req     *checks.Request
	origins []origin
	// at is used for fields no origin names.
	at  Location
	key string
}

// judge runs the checks on j's request and applies the policy as the
// plugin does for a request without an authenticated user (exceptions name
// TLS users, which a repository has not). Findings the policy allows are
// dropped; findings on a value that depends on something only the CI
// system knows (an unset variable, a GitHub expression) are warnings: the
// plugin will judge the real value.
func (r *Result) judge(p *policy.Policy, j job) {
	for _, f := range checks.Run(j.req, p) {
		o := verdict.Apply(p, "", f)
		if o.Action == policy.Allow {
			continue
		}
		loc, key := j.at, j.key
		best := -1
		for _, or := range j.origins {
			if dockercli.HasFieldPrefix(f.Field, or.field) && len(or.field) > best {
				best, loc, key = len(or.field), or.loc, or.key
			}
		}
		if unresolved(f.Value) {
			v := unknownExprRun.ReplaceAllString(f.Value, "${{ ... }}")
			r.Problems = append(r.Problems, Problem{Location: loc, Warning: true,
				Message: fmt.Sprintf("%s: %s=%s depends on a value only the CI system knows; the plugin will judge it at run time", key, f.Field, v)})
			continue
		}
		r.Findings = append(r.Findings, Finding{Location: loc, Kind: j.kind, Subject: j.subject, Key: key, Context: j.context, Outcome: o})
	}
}

// unknownExpr stands for a GitHub expression ci-authz cannot evaluate;
// unknown shell variables stay "${NAME}".
const unknownExpr = "__gh__"

var unknownExprRun = regexp.MustCompile(`__gh__+`)

func unresolved(v string) bool {
	return strings.Contains(v, "${") || strings.Contains(v, unknownExpr)
}

// finish sorts findings and problems by place and drops duplicates (the
// same line judged twice, e.g. a Compose base file loaded with each of its
// override files).
func (r *Result) finish() {
	byPlace := func(a, b Location) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(byPlace(a.Location, b.Location), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Value, b.Value))
	})
	r.Findings = slices.CompactFunc(r.Findings, func(a, b Finding) bool {
		return a.Location == b.Location && a.Rule == b.Rule && a.Field == b.Field && a.Value == b.Value
	})
	slices.SortStableFunc(r.Problems, func(a, b Problem) int { return byPlace(a.Location, b.Location) })
	r.Problems = slices.Compact(r.Problems)
}

// Message is the finding as the plugin words it.
func (f Finding) Message() string { return verdict.Line(f.Finding) }
