package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// GoBench is one Go benchmark, the median of its runs.
type GoBench struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"nsPerOp"`
	BytesPerOp  float64 `json:"bytesPerOp"`
	AllocsPerOp float64 `json:"allocsPerOp"`
	Runs        int     `json:"runs"`
}

// runGoBenchmarks runs the decision benchmarks (`go test -bench`) count
// times each and returns the medians, printing go test's output as it goes.
func runGoBenchmarks(repo string, count int) ([]GoBench, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", strconv.Itoa(count), "./plugin")
	cmd.Dir = repo
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench: %v\n%s", err, out.String())
	}
	return parseGoBench(out.String()), nil
}

// parseGoBench reads `go test -bench -benchmem` output:
//
//	BenchmarkDecideGet-2   2605569   456.1 ns/op   584 B/op   5 allocs/op
//
// and returns, per benchmark in order of appearance, the median of its runs.
func parseGoBench(out string) []GoBench {
	type runs struct{ ns, bytes, allocs []float64 }
	byName := map[string]*runs{}
	var order []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		r := byName[name]
		if r == nil {
			r = &runs{}
			byName[name] = r
			order = append(order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.ns = append(r.ns, v)
			case "B/op":
				r.bytes = append(r.bytes, v)
			case "allocs/op":
				r.allocs = append(r.allocs, v)
			}
		}
	}
	out2 := make([]GoBench, 0, len(order))
	for _, n := range order {
		r := byName[n]
		out2 = append(out2, GoBench{Name: n, NsPerOp: median(r.ns), BytesPerOp: median(r.bytes), AllocsPerOp: median(r.allocs), Runs: len(r.ns)})
	}
	return out2
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
