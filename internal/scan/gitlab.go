package scan

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// gitlabGlobal are the top-level keys of .gitlab-ci.yml that are not jobs.
var gitlabGlobal = map[string]bool{
	"default": true, "include": true, "stages": true, "variables": true, "workflow": true,
	"image": true, "services": true, "cache": true, "before_script": true, "after_script": true,
	"spec": true,
}

// gitlabScripts are the keys whose items the runner runs as shell.
var gitlabScripts = []string{"before_script", "script", "after_script"}

// scanGitLab judges a GitLab CI file:
//   - services that are docker:dind: the Docker daemon in it runs only in a
//     privileged container, so the runner must have privileged = true;
//   - DOCKER_HOST (variables, or set in a script, or docker -H) naming a
//     unix socket: the job's container must have the host's socket bound;
//   - docker run/create/exec lines in before_script, script, after_script.
//
// It returns the local files the file includes.
func scanGitLab(f *yamlFile, p *policy.Policy, r *Result) []include {
	var includes []include
	for _, root := range f.docs {
		if resolve(root).Kind != yaml.MappingNode {
			continue
		}
		global := gitlabVars(value(root, "variables"))
		s := gitlabScan{f: f, p: p, r: r}
		s.variables(value(root, "variables"), "top level", "variables", global)
		s.section(root, "top level", "", global)
		s.section(value(root, "default"), "default", "default.", global)
		for _, e := range pairs(root) {
			name := e.key.Value
			if gitlabGlobal[name] || resolve(e.value).Kind != yaml.MappingNode {
				continue
			}
			subject := fmt.Sprintf("job %q", name)
			if strings.HasPrefix(name, ".") {
				subject = fmt.Sprintf("template %q", name)
			}
			vars := mergeVars(global, gitlabVars(value(e.value, "variables")))
			s.variables(value(e.value, "variables"), subject, name+".variables", vars)
			s.section(e.value, subject, name+".", vars)
		}
		includes = append(includes, gitlabIncludes(f, value(root, "include"))...)
	}
	return includes
}

type gitlabScan struct {
	f *yamlFile
	p *policy.Policy
	r *Result
}

func (s gitlabScan) loc(n *yaml.Node) Location {
	return Location{File: s.f.path, Line: n.Line, Column: n.Column}
}

// section judges the services and scripts of a job, of default: or of the
// top level.
func (s gitlabScan) section(m *yaml.Node, subject, prefix string, vars map[string]string) {
	if m == nil {
		return
	}
	for i, svc := range items(value(m, "services")) {
		image := str(svc)
		if r := resolve(svc); r.Kind == yaml.MappingNode {
			image = str(value(r, "name"))
		}
		if !isDind(image) {
			continue
		}
		loc := s.loc(svc)
		key := fmt.Sprintf("%sservices[%d]", prefix, i)
		s.r.judge(s.p, job{
			kind: GitLab, subject: subject, key: key,
			context: "service " + image + " runs a Docker daemon, which works only in a privileged container: the runner must start it with privileged = true",
			req:     &checks.Request{HostConfigs: []checks.HostConfig{{Path: "HostConfig", HostConfig: &container.HostConfig{Privileged: true}}}},
			at:      loc,
		})
	}
	for _, k := range gitlabScripts {
		for i, it := range stringList(value(m, k)) {
			n := resolve(it)
			if n.Kind != yaml.ScalarNode {
				continue
			}
			key := fmt.Sprintf("%s%s[%d]", prefix, k, i)
			s.script(n, it, subject, key, vars)
		}
	}
}

// script judges one script item. n is the scalar, at the node where it is
// used (an alias is placed where its anchor is written).
func (s gitlabScan) script(n, at *yaml.Node, subject, key string, vars map[string]string) {
	to := newTextOrigin(s.f, n)
	place := func(p syntax.Pos) Location {
		l, c := to.pos(int(p.Offset()))
		return Location{File: s.f.path, Line: l, Column: c}
	}
	sh := scanShell(n.Value, vars)
	for _, c := range sh.calls {
		s.r.judge(s.p, c.job(GitLab, subject, key, place))
		for _, h := range c.cmd.Hosts {
			s.dockerHost(h.Value, place(c.argPos[h.Index]), subject, key, "docker -H")
		}
	}
	for _, a := range sh.assigns {
		if a.name == "DOCKER_HOST" {
			s.dockerHost(a.value, place(a.pos), subject, key, "the script sets DOCKER_HOST")
		}
	}
	for _, e := range sh.errs {
		s.r.Problems = append(s.r.Problems, Problem{Location: place(e.pos), Message: key + ": " + e.msg, Warning: true})
	}
}

// variables judges DOCKER_HOST among a variables: mapping; vars are the
// variables in force, which its value may name.
func (s gitlabScan) variables(m *yaml.Node, subject, key string, vars map[string]string) {
	e, ok := get(m, "DOCKER_HOST")
	if !ok {
		return
	}
	v := resolve(e.value)
	if v.Kind == yaml.MappingNode { // DOCKER_HOST: {value: ..., description: ...}
		if vv := value(v, "value"); vv != nil {
			v = vv
		}
	}
	s.dockerHost(expandVars(str(v), vars), s.loc(v), subject, key+".DOCKER_HOST", "variables set DOCKER_HOST")
}

// dockerHost judges a DOCKER_HOST value: a unix socket the job talks to
// must be bound into the job's container from the host, which the plugin
// judges as that bind.
func (s gitlabScan) dockerHost(v string, loc Location, subject, key, how string) {
	sock, ok := strings.CutPrefix(v, "unix://")
	if !ok || sock == "" {
		return
	}
	s.r.judge(s.p, job{
		kind: GitLab, subject: subject, key: key,
		context: how + " to " + v + ": the job talks to the Docker daemon through a socket the runner must bind into the job's container from the host",
		req:     &checks.Request{HostConfigs: []checks.HostConfig{{Path: "HostConfig", HostConfig: &container.HostConfig{Binds: []string{sock + ":" + sock}}}}},
		at:      loc,
	})
}

// isDind tells whether an image is Docker-in-Docker: docker:*dind*
// (docker:dind, docker:27-dind, docker:dind-rootless, which needs
// privileged too) or an image named *dind*.
func isDind(image string) bool {
	ref := image
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	name, tag := ref, ""
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		name, tag = ref[:i], ref[i+1:]
	}
	name = path.Base(name)
	return name == "docker" && strings.Contains(tag, "dind") || strings.Contains(name, "dind")
}

// gitlabVars reads a variables: mapping (name: value or name: {value: v}).
func gitlabVars(m *yaml.Node) map[string]string {
	out := map[string]string{}
	for _, e := range pairs(m) {
		v := resolve(e.value)
		if v.Kind == yaml.MappingNode {
			v = value(v, "value")
		}
		if v != nil && v.Kind == yaml.ScalarNode {
			out[e.key.Value] = v.Value
		}
	}
	return out
}

func mergeVars(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	for k, v := range out { // variables may name other variables
		out[k] = expandVars(v, out, k)
	}
	return out
}

// expandVars expands $NAME and ${NAME} in v with vars (except the names
// in skip); variables GitLab or the runner set stay "${NAME}".
func expandVars(v string, vars map[string]string, skip ...string) string {
	return os.Expand(v, func(name string) string {
		if r, ok := vars[name]; ok && !slices.Contains(skip, name) {
			return r
		}
		return "${" + name + "}"
	})
}

// include is a local file a GitLab CI file includes, and where.
type include struct {
	path, name string // name as written
	at         Location
}

// gitlabIncludes lists the local files an include: names (a path, a list
// of paths or {local: path}; paths are relative to the repository root,
// taken to be the directory of the top .gitlab-ci.yml; * globs allowed).
func gitlabIncludes(f *yamlFile, inc *yaml.Node) []include {
	root := filepath.Dir(f.path)
	var out []include
	for _, it := range stringList(inc) {
		r := resolve(it)
		name := ""
		switch {
		case r.Kind == yaml.ScalarNode && !strings.Contains(r.Value, "://"):
			name = r.Value
		case r.Kind == yaml.MappingNode:
			name = str(value(r, "local"))
		}
		if name == "" {
			continue
		}
		at := Location{File: f.path, Line: it.Line, Column: it.Column}
		p := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(name, "/")))
		matches, err := filepath.Glob(p)
		if err != nil || len(matches) == 0 {
			out = append(out, include{p, name, at}) // reported as missing
			continue
		}
		for _, m := range matches {
			out = append(out, include{m, name, at})
		}
	}
	return out
}
