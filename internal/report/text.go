package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/ci-authz/ci-authz/internal/scan"
)

// writeText writes one line per finding, compiler style, the deny message
// as the plugin words it, then what ci-authz could not read and a summary:
//
//	compose.yaml:12:9: deny: service "ci" (services.ci.privileged): [privileged] HostConfig.Privileged=true: ... Instead: ...
func writeText(w io.Writer, r *scan.Result, o Options) error {
	var b strings.Builder
	for _, f := range r.Findings {
		action := string(f.Action)
		if f.Note != "" {
			action += " (" + f.Note + ")"
		}
		where := f.Subject
		if f.Key != "" {
			where += " (" + f.Key + ")"
		}
		fmt.Fprintf(&b, "%s: %s: %s: %s\n", o.place(f.Location), action, where, f.Message())
		if f.Context != "" {
			fmt.Fprintf(&b, "    %s\n", f.Context)
		}
	}
	for _, p := range r.Problems {
		level := "error"
		if p.Warning {
			level = "warning"
		}
		fmt.Fprintf(&b, "%s: %s: %s\n", o.place(p.Location), level, p.Message)
	}
	c := count(r)
	fmt.Fprintf(&b, "ci-authz check: %s (%d denied, %d audit) in %s; policy: %s",
		plural(len(r.Findings), "finding", "findings"), c.Denied, c.Audited, plural(len(r.Files), "file", "files"), o.Policy)
	if c.Errors > 0 {
		fmt.Fprintf(&b, "; %s", plural(c.Errors, "file could not be read", "files could not be read"))
	}
	if c.Warnings > 0 {
		fmt.Fprintf(&b, "; %s", plural(c.Warnings, "warning", "warnings"))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// place is "file:line:col", "file:line" or "file".
func (o Options) place(l scan.Location) string {
	p := o.relPath(l.File)
	switch {
	case l.Line > 0 && l.Column > 0:
		return fmt.Sprintf("%s:%d:%d", p, l.Line, l.Column)
	case l.Line > 0:
		return fmt.Sprintf("%s:%d", p, l.Line)
	}
	return p
}
