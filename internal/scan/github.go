package scan

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ci-authz/ci-authz/internal/dockercli"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// scanGitHub judges a GitHub Actions workflow: the options and volumes of
// each job's container and services, which the runner passes to docker
// create, and docker run/create/exec lines in run: steps.
func scanGitHub(f *yamlFile, p *policy.Policy, r *Result) {
	for _, root := range f.docs {
		s := githubScan{f: f, p: p, r: r}
		wfEnv := githubEnv(value(root, "env"), nil)
		wfShell := str(value(value(value(root, "defaults"), "run"), "shell"))
		for _, e := range pairs(value(root, "jobs")) {
			id, j := e.key.Value, resolve(e.value)
			if j.Kind != yaml.MappingNode {
				continue
			}
			subject := fmt.Sprintf("job %q", id)
			prefix := "jobs." + id
			env := githubEnv(value(j, "env"), wfEnv)
			if c := value(j, "container"); c != nil && c.Kind == yaml.MappingNode {
				s.container(c, subject, prefix+".container", env)
			}
			for _, se := range pairs(value(j, "services")) {
				if svc := resolve(se.value); svc.Kind == yaml.MappingNode {
					s.container(svc, subject, prefix+".services."+se.key.Value, env)
				}
			}
			shell := str(value(value(value(j, "defaults"), "run"), "shell"))
			if shell == "" {
				shell = wfShell
			}
			for i, step := range items(value(j, "steps")) {
				run := value(step, "run")
				if run == nil || run.Kind != yaml.ScalarNode {
					continue
				}
				sh := str(value(step, "shell"))
				if sh == "" {
					sh = shell
				}
				if !isPOSIXShell(sh) {
					continue
				}
				s.run(run, subject, fmt.Sprintf("%s.steps[%d].run", prefix, i), githubEnv(value(step, "env"), env))
			}
		}
	}
}

type githubScan struct {
	f *yamlFile
	p *policy.Policy
	r *Result
}

// container judges a job container or service: options (docker create
// flags) and volumes (each a -v).
func (s githubScan) container(c *yaml.Node, subject, key string, env map[string]string) {
	if opts := value(c, "options"); opts != nil && opts.Kind == yaml.ScalarNode {
		to := newTextOrigin(s.f, opts)
		text, back := githubExpressions(opts.Value, env)
		fields, pos, err := commandWords(text, env)
		if err != nil {
			s.r.Problems = append(s.r.Problems, Problem{Location: s.loc(opts), Message: key + ".options: not read as docker options: " + err.Error(), Warning: true})
		} else {
			s.options(fields, func(i int) Location { return s.textLoc(to, back(int(pos[i].Offset()))) }, subject, key+".options")
		}
	}
	vols := items(value(c, "volumes"))
	var args []string
	for _, v := range vols {
		text, _ := githubExpressions(str(v), env)
		args = append(args, "-v", text)
	}
	if len(args) > 0 {
		s.options(args, func(i int) Location { return s.loc(vols[i/2]) }, subject, key+".volumes")
	}
}

func (s githubScan) options(args []string, place func(int) Location, subject, key string) {
	cmd, err := dockercli.ParseCreateOptions(args)
	if err != nil {
		s.r.Problems = append(s.r.Problems, Problem{Location: place(0), Message: key + ": " + err.Error() + ", so ci-authz cannot judge these options", Warning: true})
		return
	}
	j := job{kind: GitHub, subject: subject, key: key, req: cmd.Request, at: place(0),
		context: "the runner passes these to docker create"}
	for _, o := range cmd.Origins {
		j.origins = append(j.origins, origin{field: o.Field, loc: place(o.Index), key: key})
	}
	s.r.judge(s.p, j)
}

// run judges the docker commands of a run: step.
func (s githubScan) run(n *yaml.Node, subject, key string, env map[string]string) {
	to := newTextOrigin(s.f, n)
	text, back := githubExpressions(n.Value, env)
	place := func(p syntax.Pos) Location { return s.textLoc(to, back(int(p.Offset()))) }
	sh := scanShell(text, env)
	for _, c := range sh.calls {
		s.r.judge(s.p, c.job(GitHub, subject, key, place))
	}
	for _, e := range sh.errs {
		s.r.Problems = append(s.r.Problems, Problem{Location: place(e.pos), Message: key + ": " + e.msg, Warning: true})
	}
}

func (s githubScan) loc(n *yaml.Node) Location {
	return Location{File: s.f.path, Line: n.Line, Column: n.Column}
}

func (s githubScan) textLoc(to textOrigin, off int) Location {
	l, c := to.pos(off)
	return Location{File: s.f.path, Line: l, Column: c}
}

// githubEnv reads an env: mapping over a parent's.
func githubEnv(m *yaml.Node, parent map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range parent {
		out[k] = v
	}
	for _, e := range pairs(m) {
		if v := resolve(e.value); v.Kind == yaml.ScalarNode {
			out[e.key.Value], _ = githubExpressions(v.Value, parent)
		}
	}
	return out
}

var githubExpr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
var githubEnvRef = regexp.MustCompile(`^env\.([A-Za-z_][A-Za-z0-9_]*)$`)

// githubExpressions replaces ${{ ... }} expressions, which are not shell:
// ${{ env.NAME }} by the env value when known, anything else by a
// placeholder of the same length (never a host path; findings on it are
// warnings). back maps offsets in the result to offsets in s.
func githubExpressions(s string, env map[string]string) (out string, back func(int) int) {
	type edit struct{ outStart, outEnd, inStart, inEnd int }
	var edits []edit
	var b strings.Builder
	last := 0
	for _, m := range githubExpr.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		repl := unknownExpr + strings.Repeat("_", max(m[1]-m[0]-len(unknownExpr), 0))
		if ref := githubEnvRef.FindStringSubmatch(s[m[2]:m[3]]); ref != nil {
			if v, ok := env[ref[1]]; ok {
				repl = v
			}
		}
		edits = append(edits, edit{b.Len(), b.Len() + len(repl), m[0], m[1]})
		b.WriteString(repl)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), func(off int) int {
		delta := 0
		for _, e := range edits {
			if off < e.outStart {
				break
			}
			if off < e.outEnd {
				return e.inStart
			}
			delta = e.inEnd - e.outEnd
		}
		return off + delta
	}
}

// isPOSIXShell tells whether a step's shell runs the script as sh or bash
// (the default on Linux runners).
func isPOSIXShell(sh string) bool {
	if sh == "" {
		return true
	}
	name := strings.Fields(sh)[0]
	return name == "bash" || name == "sh"
}
