package report

import (
	"encoding/json"
	"io"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/scan"
)

// GitLab's Code Quality report (a subset of Code Climate's format), which
// GitLab shows in merge requests: artifacts:reports:codequality.

type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"` // info, minor, major, critical, blocker
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

func writeCodeQuality(w io.Writer, r *scan.Result, o Options) error {
	issues := []codeQualityIssue{}
	for _, f := range r.Findings {
		sev := "blocker"
		if f.Action != policy.Deny {
			sev = "minor"
		}
		line := f.Line
		if line < 1 {
			line = 1
		}
		path := o.relPath(f.File)
		issues = append(issues, codeQualityIssue{
			Description: f.Subject + ": " + f.Message(),
			CheckName:   "ci-authz/" + string(f.Rule),
			Fingerprint: fingerprint(path, f),
			Severity:    sev,
			Location:    codeQualityLocation{Path: path, Lines: codeQualityLines{Begin: line}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(issues)
}
