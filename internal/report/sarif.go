package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/scan"
)

// SARIF 2.1.0 (OASIS), the subset GitHub code scanning reads: one run,
// the rules that have results, results with a physical location relative
// to the repository root (%SRCROOT%), and files that could not be read
// as tool execution notifications.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
	// OriginalURIBaseIDs is left out: %SRCROOT% is the checkout, which the
	// consumer knows.
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	HelpURI              string          `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is GitHub's 0.0-10.0 score for security alerts.
	SecuritySeverity string `json:"security-severity"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]string `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// ruleText describes the rules ci-authz has; rules added later get a
// generic text.
var ruleText = map[policy.RuleName]struct{ short, full, severity string }{
	policy.Privileged: {"Privileged container or exec",
		"A privileged container gets every capability and device and runs without seccomp or AppArmor: it controls the host.", "9.8"},
	policy.HostSockets: {"Docker or containerd socket bound into a container",
		"A bind of the Docker or containerd socket, or of a directory holding one, lets the container drive the host's daemon: root on the host.", "9.8"},
	policy.Capabilities: {"Capability beyond Docker's defaults",
		"Capabilities outside the policy's allowed list (Docker's defaults) open ways to the host kernel.", "8.0"},
	policy.DaemonAdmin: {"Daemon administration from a CI job",
		"Plugin and swarm endpoints change the daemon itself and can switch authorization off.", "9.8"},
}

const readmeURL = "https://github.com/ci-authz/ci-authz#a-job-was-denied-what-now"

func writeSARIF(w io.Writer, r *scan.Result, o Options) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "ci-authz", InformationURI: "https://github.com/ci-authz/ci-authz", Version: o.Version,
			Rules: []sarifRule{},
		}},
		Results:    []sarifResult{},
		ColumnKind: "unicodeCodePoints",
	}
	index := map[policy.RuleName]int{}
	for _, name := range usedRules(r) {
		index[name] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(name))
	}
	for _, f := range r.Findings {
		level := "error"
		if f.Action != policy.Deny {
			level = "warning"
		}
		msg := f.Message()
		if f.Context != "" {
			msg += " (" + f.Subject + ": " + f.Context + ")"
		} else {
			msg += " (" + f.Subject + ")"
		}
		res := sarifResult{
			RuleID: string(f.Rule), RuleIndex: index[f.Rule], Level: level,
			Message:             sarifText{msg},
			Locations:           []sarifLocation{o.sarifLocation(f.Location)},
			PartialFingerprints: map[string]string{"ciAuthzFinding/v1": fingerprint(o.relPath(f.File), f)},
			Properties:          map[string]string{"subject": f.Subject, "key": f.Key, "action": string(f.Action), "kind": string(f.Kind)},
		}
		run.Results = append(run.Results, res)
	}
	inv := sarifInvocation{ExecutionSuccessful: true, ToolExecutionNotifications: []sarifNotification{}}
	for _, p := range r.Problems {
		level := "warning"
		if !p.Warning {
			level, inv.ExecutionSuccessful = "error", false
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: level, Message: sarifText{p.Message}, Locations: []sarifLocation{o.sarifLocation(p.Location)},
		})
	}
	run.Invocations = []sarifInvocation{inv}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// usedRules are the rules with results, configurable rules in policy
// order first.
func usedRules(r *scan.Result) []policy.RuleName {
	seen := map[policy.RuleName]bool{}
	for _, f := range r.Findings {
		seen[f.Rule] = true
	}
	var out []policy.RuleName
	for _, name := range policy.ConfigurableRules {
		if seen[name] {
			out = append(out, name)
			delete(seen, name)
		}
	}
	var rest []policy.RuleName
	for name := range seen {
		rest = append(rest, name)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func sarifRuleFor(name policy.RuleName) sarifRule {
	t, ok := ruleText[name]
	if !ok {
		t.short = "ci-authz rule " + string(name)
		t.full = "A request the ci-authz rule " + string(name) + " judges; see the README's rule table."
		t.severity = "7.0"
	}
	return sarifRule{
		ID: string(name), Name: string(name),
		ShortDescription:     sarifText{t.short},
		FullDescription:      sarifText{t.full},
		Help:                 sarifText{"Each result says what to do instead. Run `ci-authz check` locally to see the same verdict the ci-authz plugin gives at run time."},
		HelpURI:              readmeURL,
		DefaultConfiguration: sarifRuleConfig{Level: "error"},
		Properties:           sarifRuleProps{Tags: []string{"security", "docker", "ci"}, SecuritySeverity: t.severity},
	}
}

func (o Options) sarifLocation(l scan.Location) sarifLocation {
	uri := o.relPath(l.File)
	art := sarifArtifact{URI: uri, URIBaseID: "%SRCROOT%"}
	if filepath.IsAbs(filepath.FromSlash(uri)) {
		art = sarifArtifact{URI: (&url.URL{Scheme: "file", Path: uri}).String()}
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: art}}
	if l.Line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line, StartColumn: l.Column}
	}
	return loc
}

// fingerprint identifies a finding across commits that move it to
// another line: what it is and in which file, not where.
func fingerprint(file string, f scan.Finding) string {
	h := sha256.Sum256([]byte(strings.Join([]string{file, f.Subject, string(f.Rule), f.Field, f.Value}, "\x00")))
	return hex.EncodeToString(h[:16])
}
