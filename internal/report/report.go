// Package report writes what `ci-authz check` found: text for people, JSON
// for tools, SARIF 2.1.0 for code scanning (GitHub, and anything else that
// reads SARIF), and GitLab's Code Quality report for merge requests.
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/scan"
)

// Formats are the output formats, in the order usage lists them.
var Formats = []string{"text", "json", "sarif", "codequality"}

// Options describe the run being reported.
type Options struct {
	// Policy is where the policy came from (file or "embedded default").
	Policy string
	// Version is ci-authz's version.
	Version string
	// BaseDir is the directory paths are reported relative to (the
	// repository root in CI); files outside it keep their path.
	BaseDir string
}

// Write writes r in format.
func Write(w io.Writer, format string, r *scan.Result, o Options) error {
	switch format {
	case "text":
		return writeText(w, r, o)
	case "json":
		return writeJSON(w, r, o)
	case "sarif":
		return writeSARIF(w, r, o)
	case "codequality":
		return writeCodeQuality(w, r, o)
	}
	return fmt.Errorf("format %q is not known; use %s", format, strings.Join(Formats, ", "))
}

// relPath is p relative to the base directory, with forward slashes, or
// p itself when it is outside.
func (o Options) relPath(p string) string {
	if o.BaseDir == "" {
		return filepath.ToSlash(p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	base, err := filepath.Abs(o.BaseDir)
	if err != nil {
		return filepath.ToSlash(p)
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// counts summarizes a result.
type counts struct {
	Denied, Audited, Errors, Warnings int
}

func count(r *scan.Result) counts {
	var c counts
	for _, f := range r.Findings {
		if f.Action == policy.Deny {
			c.Denied++
		} else {
			c.Audited++
		}
	}
	for _, p := range r.Problems {
		if p.Warning {
			c.Warnings++
		} else {
			c.Errors++
		}
	}
	return c
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
