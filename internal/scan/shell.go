package scan

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ci-authz/ci-authz/internal/dockercli"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// dockerCall is a docker command line found in a shell script.
type dockerCall struct {
	cmd *dockercli.Command
	// argPos are the script positions of the words after "docker"
	// (dockercli argument indexes); pos is the docker word's.
	argPos []syntax.Pos
	pos    syntax.Pos
	text   string // the command as written, for messages
}

// assignment is VAR=value in a script (export, plain or command prefix).
type assignment struct {
	name, value string
	pos         syntax.Pos
}

// shellScript is what a script holds that ci-authz judges.
type shellScript struct {
	calls   []dockerCall
	assigns []assignment
	// errs are docker command lines that could not be read, and scripts
	// that are not shell.
	errs []shellError
}

type shellError struct {
	pos syntax.Pos
	msg string
}

// prefixCommands run their arguments as a command.
var prefixCommands = map[string]bool{"sudo": true, "env": true, "command": true, "exec": true, "time": true, "nohup": true}

// scanShell parses script as bash and finds docker commands, expanding
// variables with vars (what the CI configuration sets) and with the
// script's own literal assignments, in order. Unknown variables stay
// "${NAME}" (the CI system sets them: ci-authz cannot judge their value),
// and command substitutions are kept as written.
func scanShell(script string, vars map[string]string) shellScript {
	var out shellScript
	env := map[string]string{}
	for k, v := range vars {
		env[k] = v
	}
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(script), "")
	if err != nil {
		// Scripts that are not whole shell programs (templating, a line
		// that only makes sense with the next item): judge line by line.
		next := 0
		for i, line := range strings.Split(script, "\n") {
			start := next // offset of this line in script
			next += len(line) + 1
			at := func(p syntax.Pos) syntax.Pos {
				return syntax.NewPos(uint(start)+p.Offset(), p.Line()+uint(i), p.Col())
			}
			lf, lerr := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(line), "")
			if lerr != nil {
				if strings.Contains(line, "docker") {
					out.errs = append(out.errs, shellError{at(syntax.NewPos(0, 1, 1)), "not read as shell: " + lerr.Error()})
				}
				continue
			}
			sub := shellScript{}
			sub.walk(lf, env)
			for _, c := range sub.calls {
				c.pos = at(c.pos)
				for k := range c.argPos {
					c.argPos[k] = at(c.argPos[k])
				}
				out.calls = append(out.calls, c)
			}
			for _, a := range sub.assigns {
				a.pos = at(a.pos)
				out.assigns = append(out.assigns, a)
			}
			for _, e := range sub.errs {
				e.pos = at(e.pos)
				out.errs = append(out.errs, e)
			}
		}
		return out
	}
	out.walk(file, env)
	return out
}

func (s *shellScript) walk(file *syntax.File, env map[string]string) {
	cfg := expandConfig(env)
	syntax.Walk(file, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.DeclClause: // export A=b, declare, local, readonly
			for _, a := range n.Args {
				s.assign(cfg, env, a)
			}
		case *syntax.CallExpr:
			for _, a := range n.Assigns {
				s.assign(cfg, env, a)
			}
			s.call(cfg, n)
		}
		return true
	})
}

func (s *shellScript) assign(cfg *expand.Config, env map[string]string, a *syntax.Assign) {
	if a.Name == nil || a.Value == nil || a.Array != nil {
		return
	}
	v, err := expand.Literal(cfg, a.Value)
	if err != nil {
		return
	}
	env[a.Name.Value] = v
	s.assigns = append(s.assigns, assignment{a.Name.Value, v, a.Pos()})
}

// call reads one simple command; docker behind sudo, env and the like
// counts, and so does sh -c/bash -c "docker ...".
func (s *shellScript) call(cfg *expand.Config, ce *syntax.CallExpr) {
	fields, pos := expandWords(cfg, ce.Args)
	i := 0
	for i < len(fields) {
		name := path.Base(fields[i])
		if !prefixCommands[name] {
			break
		}
		i++
		// sudo -E, env -i, VAR=value after env: skip to the command.
		for i < len(fields) && (strings.HasPrefix(fields[i], "-") || name == "env" && strings.Contains(fields[i], "=")) {
			i++
		}
	}
	if i >= len(fields) {
		return
	}
	switch path.Base(fields[i]) {
	case "docker":
	case "sh", "bash", "dash", "ash", "zsh":
		if i+2 < len(fields) && fields[i+1] == "-c" {
			inner := scanShell(fields[i+2], nil)
			for _, c := range inner.calls {
				at := pos[i+2]
				c.pos = at
				for k := range c.argPos {
					c.argPos[k] = at
				}
				s.calls = append(s.calls, c)
			}
		}
		return
	default:
		return
	}
	args, argPos := fields[i+1:], pos[i+1:]
	text := strings.Join(fields[i:], " ")
	cmd, err := dockercli.Parse(args)
	if err != nil {
		if looksLikeCreate(args) {
			s.errs = append(s.errs, shellError{pos[i], err.Error() + ", so ci-authz cannot judge this command"})
		}
		return
	}
	if cmd == nil {
		return
	}
	s.calls = append(s.calls, dockerCall{cmd: cmd, argPos: argPos, pos: pos[i], text: text})
}

// looksLikeCreate tells whether a docker command that failed to parse was
// meant to create a container, so that only those are reported.
func looksLikeCreate(args []string) bool {
	for _, a := range args {
		switch a {
		case "run", "create", "exec":
			return true
		}
	}
	return false
}

// wordText prints a word as written.
func wordText(w *syntax.Word) string {
	var b strings.Builder
	_ = syntax.NewPrinter().Print(&b, w)
	return b.String()
}

// job turns a docker command found in a script into a request to judge;
// place maps script positions to file locations.
func (c dockerCall) job(kind Kind, subject, key string, place func(syntax.Pos) Location) job {
	j := job{
		kind: kind, subject: subject, key: key,
		context: "docker " + c.cmd.Verb + " command: " + truncateText(c.text, 100),
		req:     c.cmd.Request,
		at:      place(c.pos),
	}
	for _, o := range c.cmd.Origins {
		at := c.pos
		if o.Index < len(c.argPos) {
			at = c.argPos[o.Index]
		}
		j.origins = append(j.origins, origin{field: o.Field, loc: place(at), key: key})
	}
	return j
}

func truncateText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// commandWords splits a one-command text (such as docker create options)
// into fields the way a shell would, with their positions.
func commandWords(text string, vars map[string]string) ([]string, []syntax.Pos, error) {
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
	if err != nil {
		return nil, nil, err
	}
	cfg := expandConfig(vars)
	var fields []string
	var pos []syntax.Pos
	syntax.Walk(file, func(n syntax.Node) bool {
		if ce, ok := n.(*syntax.CallExpr); ok {
			f, p := expandWords(cfg, ce.Args)
			fields, pos = append(fields, f...), append(pos, p...)
			return false
		}
		return true
	})
	return fields, pos, nil
}

// expandConfig expands with env; other variables stay "${NAME}", except
// IFS, which must keep its default for field splitting.
func expandConfig(env map[string]string) *expand.Config {
	return &expand.Config{Env: expand.FuncEnviron(func(name string) string {
		if v, ok := env[name]; ok || name == "IFS" {
			return v
		}
		return "${" + name + "}"
	})}
}

// expandWords expands words into fields like the shell (quotes removed,
// unquoted variables split), each with the position of its word. A word
// that cannot be expanded here ($(...)) is kept as written.
func expandWords(cfg *expand.Config, words []*syntax.Word) ([]string, []syntax.Pos) {
	var fields []string
	var pos []syntax.Pos
	for _, w := range words {
		fs, err := expand.Fields(cfg, w)
		if err != nil {
			fs = []string{wordText(w)}
		}
		for _, f := range fs {
			fields = append(fields, f)
			pos = append(pos, w.Pos())
		}
	}
	return fields, pos
}

// scanShellFile judges the docker commands of a shell script file.
func scanShellFile(p, script string, pol *policy.Policy, r *Result) {
	place := func(pos syntax.Pos) Location { return Location{File: p, Line: int(pos.Line()), Column: int(pos.Col())} }
	sh := scanShell(script, nil)
	for _, c := range sh.calls {
		r.judge(pol, c.job(Shell, "script", "", place))
	}
	for _, e := range sh.errs {
		r.Problems = append(r.Problems, Problem{Location: place(e.pos), Message: e.msg, Warning: true})
	}
}
