package report

import (
	"encoding/json"
	"io"

	"github.com/ci-authz/ci-authz/internal/scan"
)

// jsonReport is the JSON output. Field names are part of ci-authz's
// interface: add, never rename.
type jsonReport struct {
	Tool     string        `json:"tool"`
	Version  string        `json:"version"`
	Policy   string        `json:"policy"`
	Files    []string      `json:"files"`
	Findings []jsonFinding `json:"findings"`
	Problems []jsonProblem `json:"problems"`
	Summary  jsonSummary   `json:"summary"`
}

type jsonFinding struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Key     string `json:"key,omitempty"`
	Rule    string `json:"rule"`
	Action  string `json:"action"`
	Note    string `json:"note,omitempty"`
	Field   string `json:"field"`
	Value   string `json:"value"`
	Reason  string `json:"reason"`
	Fix     string `json:"fix"`
	Message string `json:"message"`
	Context string `json:"context,omitempty"`
}

type jsonProblem struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"` // error: not scanned; warning: part not judged
	Message  string `json:"message"`
}

type jsonSummary struct {
	Findings int `json:"findings"`
	Denied   int `json:"denied"`
	Audited  int `json:"audited"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

func writeJSON(w io.Writer, r *scan.Result, o Options) error {
	c := count(r)
	out := jsonReport{
		Tool: "ci-authz check", Version: o.Version, Policy: o.Policy,
		Files: []string{}, Findings: []jsonFinding{}, Problems: []jsonProblem{},
		Summary: jsonSummary{Findings: len(r.Findings), Denied: c.Denied, Audited: c.Audited, Errors: c.Errors, Warnings: c.Warnings},
	}
	for _, f := range r.Files {
		out.Files = append(out.Files, o.relPath(f))
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, jsonFinding{
			File: o.relPath(f.File), Line: f.Line, Column: f.Column, Kind: string(f.Kind),
			Subject: f.Subject, Key: f.Key, Rule: string(f.Rule), Action: string(f.Action), Note: f.Note,
			Field: f.Field, Value: f.Value, Reason: f.Reason, Fix: f.Fix, Message: f.Message(), Context: f.Context,
		})
	}
	for _, p := range r.Problems {
		sev := "error"
		if p.Warning {
			sev = "warning"
		}
		out.Problems = append(out.Problems, jsonProblem{File: o.relPath(p.File), Line: p.Line, Column: p.Column, Severity: sev, Message: p.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
