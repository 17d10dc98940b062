package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ci-authz/ci-authz/bench/load"
)

// Report is build/bench.json.
type Report struct {
	Date     string            `json:"date"`
	Machine  Machine           `json:"machine"`
	Commit   string            `json:"commit"`
	Quick    bool              `json:"quick,omitempty"`
	Decision []GoBench         `json:"decision,omitempty"`
	Protocol *ProtocolReport   `json:"protocol,omitempty"`
	Daemon   *DaemonReport     `json:"daemon,omitempty"`
	Memory   map[string]Memory `json:"memory,omitempty"`
	Targets  []Target          `json:"targets"`
	Notes    []string          `json:"notes,omitempty"`
}

// Machine describes where the numbers were taken.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryMiB int    `json:"memoryMiB"`
	Kernel    string `json:"kernel"`
	Go        string `json:"go"`
}

// Stats summarises a load result.
type Stats struct {
	Ops       int                  `json:"ops"`
	Seconds   float64              `json:"seconds"`
	PerSecond float64              `json:"perSecond"`
	P50Us     float64              `json:"p50Us"`
	P99Us     float64              `json:"p99Us"`
	ByKind    map[string]KindStats `json:"byKind,omitempty"`
	// PluginCPUUs is the CPU time the plugin process spent per request
	// (protocol part only).
	PluginCPUUs float64 `json:"pluginCpuUs,omitempty"`
}

// KindStats are the latencies of one kind of request within a mix.
type KindStats struct {
	Ops   int     `json:"ops"`
	P50Us float64 `json:"p50Us"`
	P99Us float64 `json:"p99Us"`
}

// ProtocolReport is the plugin-protocol part.
type ProtocolReport struct {
	Workers      int                `json:"workers"`
	Rounds       int                `json:"rounds"`
	SliceSeconds float64            `json:"sliceSeconds"`
	Mix          map[string]float64 `json:"mix"`
	Parts        []ProtocolPart     `json:"parts"`
}

// ProtocolPart is the mix sent one way: "dockerd" (AuthZReq, then
// AuthZRes where the daemon sends one) or "AuthZReq only".
type ProtocolPart struct {
	Mode string `json:"mode"`
	// Plugins are all rounds pooled.
	Plugins map[string]Stats `json:"plugins"`
	// ThroughputRatio and P99Ratio (ci-authz / null) are the medians of the
	// per-round ratios: the two slices of a round run back to back, so
	// noise that lasts seconds falls on both.
	ThroughputRatio       float64   `json:"throughputRatio"`
	P99Ratio              float64   `json:"p99Ratio"`
	RoundThroughputRatios []float64 `json:"roundThroughputRatios"`
	RoundP99Ratios        []float64 `json:"roundP99Ratios"`
}

// part returns the part sent in mode, or nil.
func (p *ProtocolReport) part(mode string) *ProtocolPart {
	if p == nil {
		return nil
	}
	for i := range p.Parts {
		if p.Parts[i].Mode == mode {
			return &p.Parts[i]
		}
	}
	return nil
}

// DaemonReport is the part through a private dockerd.
type DaemonReport struct {
	Version        string       `json:"version"`
	API            string       `json:"api"`
	Workers        int          `json:"workers"`
	Rounds         int          `json:"rounds"`
	SliceSeconds   float64      `json:"sliceSeconds"`
	IdleContainers int          `json:"idleContainers"`
	Loads          []DaemonLoad `json:"loads"`
}

// DaemonLoad is one API workload under each configuration.
type DaemonLoad struct {
	Name    string           `json:"name"`
	Configs map[string]Stats `json:"configs"` // none, null, ci-authz; all rounds pooled
	// Throughput ratios: medians of the per-round ratios.
	CiAuthzVsNull      float64   `json:"ciAuthzVsNull"`
	CiAuthzVsNone      float64   `json:"ciAuthzVsNone"`
	NullVsNone         float64   `json:"nullVsNone"`
	RoundCiAuthzVsNull []float64 `json:"roundCiAuthzVsNull"`
}

// Target is one of the targets and whether this run met it.
type Target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit string  `json:"limit"`
	Met   bool    `json:"met"`
}

func (r *Report) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	progress("%s", msg)
	r.Notes = append(r.Notes, msg)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func stats(r *load.Result) Stats {
	s := Stats{Ops: r.Ops, Seconds: r.Elapsed.Seconds(), PerSecond: r.PerSecond(),
		P50Us: us(load.Quantile(r.Latencies, 0.5)), P99Us: us(load.Quantile(r.Latencies, 0.99))}
	if len(r.ByKind) > 1 || len(r.ByKind) == 1 && !hasKey(r.ByKind, "") {
		s.ByKind = map[string]KindStats{}
		for k, v := range r.ByKind {
			s.ByKind[k] = KindStats{Ops: len(v), P50Us: us(load.Quantile(v, 0.5)), P99Us: us(load.Quantile(v, 0.99))}
		}
	}
	return s
}

func hasKey[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

// typicalCreate is the benchmark the decision targets apply to: the ~2 KB
// create, with symlinks followed on / as `ci-authz serve` does by default.
const typicalCreate = "DecideCreateAllowedHostRoot"

// evaluate checks the targets.
func (r *Report) evaluate() {
	add := func(name string, v float64, limit string, met bool) {
		r.Targets = append(r.Targets, Target{Name: name, Value: v, Limit: limit, Met: met})
	}
	for _, b := range r.Decision {
		if b.Name == typicalCreate {
			add("decision for a typical create, µs", b.NsPerOp/1000, "< 20", b.NsPerOp < 20000)
			add("decision for a typical create, allocations", b.AllocsPerOp, "< 50", b.AllocsPerOp < 50)
		}
	}
	if p := r.Protocol.part("dockerd"); p != nil {
		add("protocol throughput, ci-authz / null", p.ThroughputRatio, ">= 0.90", p.ThroughputRatio >= 0.9)
		add("protocol p99, ci-authz / null", p.P99Ratio, "<= 1.20", p.P99Ratio > 0 && p.P99Ratio <= 1.2)
	}
	if d := r.Daemon; d != nil {
		for _, l := range d.Loads {
			add("dockerd "+l.Name+" throughput, ci-authz / null", l.CiAuthzVsNull, ">= 0.95", l.CiAuthzVsNull >= 0.95)
		}
	}
	if m, ok := r.Memory["ci-authz"]; ok {
		add("ci-authz peak RSS, MiB", float64(m.PeakRSSKiB)/1024, "< 30", m.PeakRSSKiB < 30*1024)
	}
}

// print writes the tables, with the change against prev where there is one.
func (r *Report) print(w io.Writer, prev *Report) {
	fmt.Fprintf(w, "\nci-authz benchmark %s  %s\n%s, %d cores, %d MiB, kernel %s, %s\n", r.Commit, r.Date,
		r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryMiB, r.Machine.Kernel, r.Machine.Go)
	if prev != nil {
		fmt.Fprintf(w, "change: against the previous run (%s, %s)\n", prev.Commit, prev.Date)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if len(r.Decision) > 0 {
		fmt.Fprintf(w, "\n1. Decision path (go test -bench, median of %d runs)\n", r.Decision[0].Runs)
		fmt.Fprintln(tw, "benchmark\tµs/op\tallocs/op\tB/op\tchange\t")
		for _, b := range r.Decision {
			fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%.0f\t%s\t\n", b.Name, b.NsPerOp/1000, b.AllocsPerOp, b.BytesPerOp, change(b.NsPerOp, prevDecision(prev, b.Name)))
		}
		tw.Flush()
	}
	if p := r.Protocol; p != nil {
		fmt.Fprintf(w, "\n2. Plugin protocol (%d workers, keep-alive; %d rounds of %.1f s per plugin, alternating; mix %s)\n",
			p.Workers, p.Rounds, p.SliceSeconds, mixString(p.Mix))
		for _, part := range p.Parts {
			fmt.Fprintf(w, "  sent as %s:\n", part.Mode)
			fmt.Fprintln(tw, "plugin\treq/s\tp50 µs\tp99 µs\tplugin CPU µs/req\tchange\t")
			for _, name := range []string{"null", "ci-authz"} {
				s := part.Plugins[name]
				var old float64
				if pp := prev.protocolPart(part.Mode); pp != nil {
					old = pp.Plugins[name].PerSecond
				}
				fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.1f\t%s\t\n", name, s.PerSecond, s.P50Us, s.P99Us, s.PluginCPUUs, change(s.PerSecond, old))
			}
			fmt.Fprintf(tw, "ci-authz / null (median of rounds)\t%.3f\t\t%.3f\t%.3f\t\t\n", part.ThroughputRatio, part.P99Ratio,
				ratio(part.Plugins["ci-authz"].PluginCPUUs, part.Plugins["null"].PluginCPUUs))
			tw.Flush()
			fmt.Fprintln(w, "  per kind (p50 / p99 µs):")
			for _, k := range sortedKeys(p.Mix) {
				n, c := part.Plugins["null"].ByKind[k], part.Plugins["ci-authz"].ByKind[k]
				fmt.Fprintf(tw, "  %s\tnull %.0f / %.0f\tci-authz %.0f / %.0f\t\n", k, n.P50Us, n.P99Us, c.P50Us, c.P99Us)
			}
			tw.Flush()
		}
	}
	if d := r.Daemon; d != nil {
		fmt.Fprintf(w, "\n3. Through dockerd %s (API %s; %d workers; %d rounds of %.1f s per workload and configuration, rotating; %d idle containers)\n",
			d.Version, d.API, d.Workers, d.Rounds, d.SliceSeconds, d.IdleContainers)
		fmt.Fprintln(tw, "workload\tnone /s\tnull /s\tci-authz /s\tci-authz/null\tci-authz/none\tnull/none\tchange\t")
		for _, l := range d.Loads {
			var old float64
			if prev != nil && prev.Daemon != nil {
				for _, pl := range prev.Daemon.Loads {
					if pl.Name == l.Name {
						old = pl.Configs["ci-authz"].PerSecond
					}
				}
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.3f\t%.3f\t%.3f\t%s\t\n", l.Name, l.Configs["none"].PerSecond, l.Configs["null"].PerSecond,
				l.Configs["ci-authz"].PerSecond, l.CiAuthzVsNull, l.CiAuthzVsNone, l.NullVsNone, change(l.Configs["ci-authz"].PerSecond, old))
		}
		tw.Flush()
		fmt.Fprintln(w, "  (throughput: all rounds pooled; ratios: median of the per-round ratios)")
	}
	if len(r.Memory) > 0 {
		fmt.Fprintln(w, "\n4. Plugin memory after the run")
		fmt.Fprintln(tw, "plugin\tpeak RSS MiB\tRSS MiB\t")
		for _, name := range sortedKeys(r.Memory) {
			m := r.Memory[name]
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t\n", name, float64(m.PeakRSSKiB)/1024, float64(m.RSSKiB)/1024)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nTargets")
	for _, t := range r.Targets {
		mark := "met   "
		if !t.Met {
			mark = "MISSED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%s\t\n", mark, t.Name, t.Value, t.Limit)
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func (r *Report) protocolPart(mode string) *ProtocolPart {
	if r == nil {
		return nil
	}
	return r.Protocol.part(mode)
}

func prevDecision(prev *Report, name string) float64 {
	if prev == nil {
		return 0
	}
	for _, b := range prev.Decision {
		if b.Name == name {
			return b.NsPerOp
		}
	}
	return 0
}

// change is the relative change from old to now, or "" without old.
func change(now, old float64) string {
	if old == 0 {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", (now/old-1)*100)
}

func mixString(m map[string]float64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", k, m[k]*100))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// write writes the report as JSON, keeping an existing file as .prev.json.
func (r *Report) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, prevPath(path)); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func prevPath(path string) string {
	return strings.TrimSuffix(path, ".json") + ".prev.json"
}

// loadPrevious reads the report a previous run wrote at path, if any.
func loadPrevious(path string) *Report {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var r Report
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return &r
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kib int
			if n, _ := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kib); n == 1 {
				m.MemoryMiB = kib / 1024
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}
