package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// coreRules: see scan's fixtures test. Rules added later would add
// findings to the same fixtures; the goldens show these.
var coreRules = []policy.RuleName{policy.Privileged, policy.HostSockets, policy.Capabilities, policy.DaemonAdmin}

// fixtureResult scans the scan package's fixtures and a broken file.
func fixtureResult(t *testing.T) *scan.Result {
	t.Helper()
	r := scan.Run([]string{"../scan/testdata/fixtures", "testdata/broken/compose.yaml"}, policy.Default())
	r.Findings = slices.DeleteFunc(r.Findings, func(f scan.Finding) bool { return !slices.Contains(coreRules, f.Rule) })
	if len(r.Findings) == 0 || !r.Failed() {
		t.Fatalf("the fixtures must give findings and an error: %+v", r)
	}
	return r
}

var opts = Options{Policy: policy.DefaultSource, Version: "test", BaseDir: ".."}

func TestGolden(t *testing.T) {
	r := fixtureResult(t)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, format, r, opts); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "check."+format+".golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/report -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				got, exp := strings.Split(b.String(), "\n"), strings.Split(string(want), "\n")
				i := 0
				for i < len(got) && i < len(exp) && got[i] == exp[i] {
					i++
				}
				t.Errorf("%s output differs from %s at line %d (go test ./internal/report -update rewrites it):\n got: %s\nwant: %s",
					format, golden, i+1, line(got, i), line(exp, i))
			}
		})
	}
}

// sarifSchema compiles the OASIS SARIF 2.1.0 schema (errata01), kept in
// testdata.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestSARIFValidates(t *testing.T) {
	s := sarifSchema(t)
	for name, r := range map[string]*scan.Result{
		"fixtures": fixtureResult(t),
		"clean":    scan.Run([]string{"../scan/testdata/fixtures/clean"}, policy.Default()),
		"outside":  {Findings: fixtureResult(t).Findings[:1], Files: []string{"/abs/x y.yml"}},
	} {
		var b bytes.Buffer
		o := opts
		if name == "outside" {
			o.BaseDir = "/nonexistent/base"
		}
		if err := Write(&b, "sarif", r, o); err != nil {
			t.Fatal(err)
		}
		if err := validate(t, s, b.Bytes()); err != nil {
			t.Errorf("%s: SARIF does not validate: %v", name, err)
		}
	}
	// The validator does reject what is not SARIF.
	bad := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`
	if err := validate(t, s, []byte(bad)); err == nil {
		t.Fatal("a result with level fatal must not validate")
	}
}

func TestTextSummary(t *testing.T) {
	var b bytes.Buffer
	Write(&b, "text", &scan.Result{Files: []string{"a.yml"}}, Options{Policy: "p.yaml"})
	if got := b.String(); got != "ci-authz check: 0 findings (0 denied, 0 audit) in 1 file; policy: p.yaml\n" {
		t.Fatalf("clean summary: %q", got)
	}
	if err := Write(&b, "xml", &scan.Result{}, Options{}); err == nil || !strings.Contains(err.Error(), "text, json, sarif, codequality") {
		t.Fatalf("unknown format: %v", err)
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of output>"
}
