package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goTestOutput = `goos: linux
goarch: amd64
pkg: github.com/ci-authz/ci-authz/plugin
cpu: AMD EPYC
BenchmarkDecideGet-2                     	 2605569	       456.1 ns/op	     584 B/op	       5 allocs/op
BenchmarkDecideGet-2                     	 2667255	       449.6 ns/op	     584 B/op	       5 allocs/op
BenchmarkDecideGet-2                     	 2639983	       470.0 ns/op	     584 B/op	       5 allocs/op
BenchmarkDecideCreateAllowedHostRoot-2   	   60650	     20062 ns/op	  91.86 MB/s	    3048 B/op	      44 allocs/op
BenchmarkHandlerAuthZReq                 	   61592	     19724 ns/op	    3048 B/op	      44 allocs/op
PASS
ok  	github.com/ci-authz/ci-authz/plugin	30.1s
`

func TestParseGoBench(t *testing.T) {
	got := parseGoBench(goTestOutput)
	want := []GoBench{
		{Name: "DecideGet", NsPerOp: 456.1, BytesPerOp: 584, AllocsPerOp: 5, Runs: 3},
		{Name: "DecideCreateAllowedHostRoot", NsPerOp: 20062, BytesPerOp: 3048, AllocsPerOp: 44, Runs: 1},
		{Name: "HandlerAuthZReq", NsPerOp: 19724, BytesPerOp: 3048, AllocsPerOp: 44, Runs: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %+v, want %+v", got[i], want[i])
		}
	}
}

func TestEvaluateAndPrint(t *testing.T) {
	r := &Report{
		Decision: parseGoBench(goTestOutput),
		Protocol: &ProtocolReport{Parts: []ProtocolPart{
			{Mode: "dockerd", ThroughputRatio: 0.95, P99Ratio: 1.3, Plugins: map[string]Stats{"null": {}, "ci-authz": {}}},
			{Mode: "AuthZReq only", ThroughputRatio: 0.5, P99Ratio: 3, Plugins: map[string]Stats{"null": {}, "ci-authz": {}}},
		}},
		Daemon: &DaemonReport{Loads: []DaemonLoad{{Name: "GET /_ping", CiAuthzVsNull: 0.97}}},
		Memory: map[string]Memory{"ci-authz": {PeakRSSKiB: 15 * 1024}},
	}
	r.evaluate()
	met := map[string]bool{}
	for _, tg := range r.Targets {
		met[tg.Name] = tg.Met
	}
	want := map[string]bool{
		"decision for a typical create, µs":              false,
		"decision for a typical create, allocations":     true,
		"protocol throughput, ci-authz / null":           true,
		"protocol p99, ci-authz / null":                  false,
		"dockerd GET /_ping throughput, ci-authz / null": true,
		"ci-authz peak RSS, MiB":                         true,
	}
	if len(met) != len(want) {
		t.Errorf("targets %v", met)
	}
	for k, v := range want {
		if m, ok := met[k]; !ok || m != v {
			t.Errorf("target %q: met=%v (present %v), want %v", k, m, ok, v)
		}
	}
	var out bytes.Buffer
	r.print(&out, r)
	for _, s := range []string{"DecideCreateAllowedHostRoot", "MISSED", "protocol p99", "+0.0%", "sent as AuthZReq only"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the table lacks %q:\n%s", s, out.String())
		}
	}
}

func TestWriteKeepsThePreviousRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build", "bench.json")
	first := &Report{Commit: "first"}
	if err := first.write(path); err != nil {
		t.Fatal(err)
	}
	if prev := loadPrevious(path); prev == nil || prev.Commit != "first" {
		t.Fatalf("loadPrevious = %+v", prev)
	}
	if err := (&Report{Commit: "second"}).write(path); err != nil {
		t.Fatal(err)
	}
	if prev := loadPrevious(prevPath(path)); prev == nil || prev.Commit != "first" {
		t.Errorf("the previous run is not kept in %s", prevPath(path))
	}
	if cur := loadPrevious(path); cur == nil || cur.Commit != "second" {
		t.Errorf("current = %+v", cur)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

func TestChange(t *testing.T) {
	if change(110, 100) != "+10.0%" || change(90, 100) != "-10.0%" || change(1, 0) != "" {
		t.Error(change(110, 100), change(90, 100), change(1, 0))
	}
}
