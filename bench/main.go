// Command bench is `make bench`: in one run, so that the machine's noise
// falls on every part alike, it measures
//
//  1. the decision path (the Go benchmarks of ./plugin, ns/op and allocs/op);
//  2. the plugin protocol: the same request mix sent over the unix socket
//     with keep-alive, as dockerd's plugin client does, to ci-authz and to a
//     null plugin that allows everything (bench/nullplugin), alternating
//     them over several rounds;
//  3. a real private dockerd: GET /_ping, GET /containers/json and
//     container create+remove with no plugin, the null plugin and ci-authz;
//  4. the peak resident memory of both plugin processes.
//
// It prints a table, compares with the previous run if there is one, and
// writes build/bench.json. Every load is bounded in operations and time and
// talks only to local unix sockets; everything started is stopped and
// removed at the end, also on SIGINT/SIGTERM.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ci-authz/ci-authz/bench/dockerd"
	"github.com/ci-authz/ci-authz/bench/load"
)

// scale is how much work a run does. The loads run in short slices,
// alternating what is compared many times, so that the machine's noise,
// which comes and goes over seconds on a shared VM, hits both sides alike;
// ratios are the median of the per-round ratios. Every slice is bounded in
// operations and time.
type scale struct {
	goCount     int // runs of each Go benchmark
	workers     int // concurrent clients of every load
	protoRounds int
	protoSlice  time.Duration // per plugin and round
	protoOps    int           // at most, per slice
	apiRounds   int
	apiSlice    time.Duration // per workload, configuration and round (three times that for create+remove)
	// At most, per slice.
	pingOps, listOps, createOps int
	idleContainers              int
}

var (
	// Rounds of the dockerd part are a multiple of the three
	// configurations, so that each comes first, second and third as often.
	fullScale = scale{goCount: 3, workers: 4, protoRounds: 8, protoSlice: 1500 * time.Millisecond, protoOps: 100000,
		apiRounds: 12, apiSlice: 750 * time.Millisecond, pingOps: 20000, listOps: 5000, createOps: 1000, idleContainers: 10}
	quickScale = scale{goCount: 1, workers: 4, protoRounds: 2, protoSlice: 500 * time.Millisecond, protoOps: 100000,
		apiRounds: 1, apiSlice: 300 * time.Millisecond, pingOps: 20000, listOps: 5000, createOps: 1000, idleContainers: 10}
)

// legacyPluginDir is where dockerd finds legacy plugin sockets.
const legacyPluginDir = "/run/docker/plugins"

var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func addCleanup(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func runCleanups() {
	cleanupMu.Lock()
	fs := cleanups
	cleanups = nil
	cleanupMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func main() {
	ciAuthz := flag.String("ci-authz", "bin/ci-authz", "the ci-authz binary")
	nullPlugin := flag.String("null-plugin", "bin/bench-nullplugin", "the null plugin binary (go build ./bench/nullplugin)")
	out := flag.String("out", "build/bench.json", "where to write the results; an existing file is kept as <name>.prev.json and compared")
	quick := flag.Bool("quick", false, "a short run (a smoke test of the benchmark, not numbers to publish)")
	noGo := flag.Bool("no-go-bench", false, "skip the Go benchmarks")
	noDaemon := flag.Bool("no-daemon", false, "skip the part through a private dockerd")
	flag.Parse()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		progress("got %v, cleaning up", s)
		runCleanups()
		os.Exit(2)
	}()
	code := run(*ciAuthz, *nullPlugin, *out, *quick, *noGo, *noDaemon)
	runCleanups()
	os.Exit(code)
}

func run(ciAuthz, nullPlugin, out string, quick, noGo, noDaemon bool) int {
	s := fullScale
	if quick {
		s = quickScale
	}
	repo, err := findRepo()
	if err != nil {
		progress("%v", err)
		return 1
	}
	for _, b := range []*string{&ciAuthz, &nullPlugin, &out} {
		if !filepath.IsAbs(*b) {
			*b = filepath.Join(repo, *b)
		}
	}
	rep := &Report{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Commit: gitDescribe(repo), Quick: quick}

	// 1. Decision path.
	if noGo {
		rep.note("Go benchmarks skipped (-no-go-bench)")
	} else {
		progress("decision benchmarks: go test -bench . -benchmem -count %d ./plugin", s.goCount)
		if rep.Decision, err = runGoBenchmarks(repo, s.goCount); err != nil {
			progress("%v", err)
			return 1
		}
	}

	// The plugins, served the way dockerd finds legacy plugins.
	root := os.Geteuid() == 0
	id := "cia-bench-" + strconv.Itoa(os.Getpid())
	dockerd.SweepStale("/tmp/cia-bench-*")
	sweepStaleSockets()
	work := filepath.Join("/tmp", id)
	if err := os.MkdirAll(work, 0o755); err != nil {
		progress("%v", err)
		return 1
	}
	_ = os.WriteFile(filepath.Join(work, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	addCleanup(func() { dockerd.Remove(work) })
	sockDir := work
	if root {
		sockDir = legacyPluginDir
		if err := os.MkdirAll(sockDir, 0o755); err != nil {
			progress("%v", err)
			return 1
		}
	}
	// The policy in a directory of its own, as /etc/ci-authz: ci-authz
	// watches the policy's directory.
	policyFile := filepath.Join(work, "policy", "policy.yaml")
	if err := os.MkdirAll(filepath.Dir(policyFile), 0o755); err != nil {
		progress("%v", err)
		return 1
	}
	if b, err := exec.Command(ciAuthz, "policy", "default").Output(); err != nil {
		progress("%s policy default: %v (run make build first)", ciAuthz, err)
		return 1
	} else if err := os.WriteFile(policyFile, b, 0o644); err != nil {
		progress("%v", err)
		return 1
	}
	ciName, nullName := id+"-ci-authz", id+"-null"
	ciSock, nullSock := filepath.Join(sockDir, ciName+".sock"), filepath.Join(sockDir, nullName+".sock")
	ci, err := startPlugin(ciName, ciSock, filepath.Join(work, "ci-authz.out"), ciAuthz, "serve", "--socket", ciSock,
		"--policy", policyFile, "--log-format", "json", "--log-level", "info", "--log-file", filepath.Join(work, "ci-authz.log"))
	if err != nil {
		progress("%v", err)
		return 1
	}
	addCleanup(ci.stop)
	null, err := startPlugin(nullName, nullSock, filepath.Join(work, "null.out"), nullPlugin, "--socket", nullSock)
	if err != nil {
		progress("%v (build it with: go build -o bin/bench-nullplugin ./bench/nullplugin)", err)
		return 1
	}
	addCleanup(null.stop)

	// 2. Plugin protocol.
	if rep.Protocol, err = runProtocol(s, ci, null); err != nil {
		progress("protocol: %v", err)
		return 1
	}

	// 3. Through dockerd.
	switch {
	case noDaemon:
		rep.note("dockerd part skipped (-no-daemon)")
	case !root:
		rep.note("dockerd part skipped: it needs root (it starts a private dockerd)")
	default:
		if _, err := exec.LookPath("dockerd"); err != nil {
			rep.note("dockerd part skipped: no dockerd on PATH")
			break
		}
		if rep.Daemon, err = runDaemon(s, work, id, ci, null); err != nil {
			progress("dockerd: %v", err)
			return 1
		}
	}

	// 4. Memory, after all the load.
	rep.Memory = map[string]Memory{}
	for _, p := range []*pluginProc{ci, null} {
		if m, err := memory(p.cmd.Process.Pid); err == nil {
			rep.Memory[p.displayName()] = m
		}
	}
	if b, _ := os.ReadFile(filepath.Join(work, "ci-authz.log")); bytes.Contains(b, []byte(`"level":"error"`)) {
		rep.note("ci-authz logged errors during the run; see its log")
	}

	rep.evaluate()
	prev := loadPrevious(out)
	rep.print(os.Stdout, prev)
	if err := rep.write(out); err != nil {
		progress("%v", err)
		return 1
	}
	fmt.Printf("\nwritten to %s\n", out)
	return 0
}

func (p *pluginProc) displayName() string {
	if strings.HasSuffix(p.name, "-null") {
		return "null"
	}
	return "ci-authz"
}

// protocolModes are the two ways the mix is sent: as dockerd sends it
// (the targets apply to this one), and AuthZReq alone, where every plugin
// decodes the same messages and only the decision differs.
var protocolModes = []struct {
	name    string
	reqOnly bool
}{{"dockerd", false}, {"AuthZReq only", true}}

// runProtocol alternates the two plugins, in both modes, over the rounds,
// after a warm-up round that is not counted.
func runProtocol(s scale, ci, null *pluginProc) (*ProtocolReport, error) {
	mix, err := load.NewMix()
	if err != nil {
		return nil, err
	}
	type target struct {
		p      *pluginProc
		strict bool
	}
	targets := []target{{null, false}, {ci, true}}
	rep := &ProtocolReport{Workers: s.workers, Rounds: s.protoRounds, SliceSeconds: s.protoSlice.Seconds(), Mix: mix.Kinds()}
	for _, mode := range protocolModes {
		pooled := map[string]*load.Result{}
		cpu := map[string]time.Duration{} // the plugin processes' CPU time
		part := ProtocolPart{Mode: mode.name, Plugins: map[string]Stats{}}
		for r := -1; r < s.protoRounds; r++ {
			round := map[string]load.Result{}
			for i := range targets {
				t := targets[(i+max(r, 0))%len(targets)]
				lim := load.Limits{Workers: s.workers, Ops: s.protoOps, Time: s.protoSlice}
				cpu0, err := cpuTime(t.p.cmd.Process.Pid)
				if err != nil {
					return nil, err
				}
				res := load.Run(context.Background(), lim, func() *http.Client { return load.UnixClient(t.p.socket, time.Minute) },
					mix.PluginOp(t.strict, mode.reqOnly))
				if res.Errors > 0 {
					return nil, fmt.Errorf("%s: %d of %d requests failed, first: %s", t.p.displayName(), res.Errors, res.Ops, res.FirstErr)
				}
				cpu1, err := cpuTime(t.p.cmd.Process.Pid)
				if err != nil {
					return nil, err
				}
				round[t.p.displayName()] = res
				if r >= 0 {
					cpu[t.p.displayName()] += cpu1 - cpu0
				}
			}
			if r < 0 {
				continue // warm-up
			}
			for name, res := range round {
				if pooled[name] == nil {
					pooled[name] = &load.Result{}
				}
				pooled[name].Merge(res)
			}
			n, c := round["null"], round["ci-authz"]
			tr := ratio(c.PerSecond(), n.PerSecond())
			pr := ratio(float64(load.Quantile(c.Latencies, 0.99)), float64(load.Quantile(n.Latencies, 0.99)))
			part.RoundThroughputRatios = append(part.RoundThroughputRatios, tr)
			part.RoundP99Ratios = append(part.RoundP99Ratios, pr)
			progress("protocol (%s) round %2d  null %6.0f req/s  ci-authz %6.0f req/s  ratio %.3f  p99 ratio %.3f",
				mode.name, r+1, n.PerSecond(), c.PerSecond(), tr, pr)
		}
		for name, r := range pooled {
			st := stats(r)
			st.PluginCPUUs = us(cpu[name]) / float64(max(r.Ops, 1))
			part.Plugins[name] = st
		}
		part.ThroughputRatio = median(part.RoundThroughputRatios)
		part.P99Ratio = median(part.RoundP99Ratios)
		rep.Parts = append(rep.Parts, part)
	}
	return rep, nil
}

// runDaemon starts a private dockerd and runs the API workloads under each
// authorization configuration.
func runDaemon(s scale, work, id string, ci, null *pluginProc) (*DaemonReport, error) {
	progress("starting a private dockerd in %s", filepath.Join(work, "dockerd"))
	d, err := dockerd.Start(filepath.Join(work, "dockerd"))
	if d != nil {
		addCleanup(func() { d.Stop(20 * time.Second) })
	}
	if err != nil {
		return nil, err
	}
	image := id + "-busybox:latest"
	if err := d.ImportBusybox(image); err != nil {
		return nil, err
	}
	idle := id + "-idle-"
	if err := createIdle(d, image, idle, s.idleContainers); err != nil {
		return nil, err
	}
	loads, err := daemonLoads(d, image, work, s)
	if err != nil {
		return nil, err
	}
	results, err := runDaemonRounds(d, loads, daemonConfigs(d, image, null, ci), s.apiRounds, id, idle)
	if err != nil {
		return nil, err
	}
	// Every create+remove removed its container (or the sweep after each
	// slice did): GET /containers/json answered the same list throughout.
	var left []struct{ Id string }
	for try := 0; ; try++ {
		if err := removeAllBut(d, idle); err != nil {
			return nil, err
		}
		if err := d.GetJSON(d.API+"/containers/json?all=1", &left); err != nil {
			return nil, err
		}
		if len(left) == s.idleContainers {
			break
		}
		if try == 10 {
			return nil, fmt.Errorf("%d containers on the daemon after the run, want the %d idle ones", len(left), s.idleContainers)
		}
		time.Sleep(500 * time.Millisecond)
	}
	rep := &DaemonReport{Version: d.Version, API: d.API, Workers: s.workers, Rounds: s.apiRounds, SliceSeconds: s.apiSlice.Seconds(),
		IdleContainers: s.idleContainers}
	for _, l := range loads {
		dl := DaemonLoad{Name: l.name, Configs: map[string]Stats{}}
		for cfg, r := range results.pooled[l.name] {
			dl.Configs[cfg] = stats(r)
		}
		dl.RoundCiAuthzVsNull = results.ratios(l.name, "ci-authz", "null")
		dl.CiAuthzVsNull = median(dl.RoundCiAuthzVsNull)
		dl.CiAuthzVsNone = median(results.ratios(l.name, "ci-authz", "none"))
		dl.NullVsNone = median(results.ratios(l.name, "null", "none"))
		rep.Loads = append(rep.Loads, dl)
	}
	return rep, nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// sweepStaleSockets removes plugin sockets of earlier runs that were killed.
func sweepStaleSockets() {
	socks, _ := filepath.Glob(filepath.Join(legacyPluginDir, "cia-bench-*.sock"))
	for _, s := range socks {
		pid := strings.TrimPrefix(filepath.Base(s), "cia-bench-")
		pid, _, _ = strings.Cut(pid, "-")
		if _, err := os.Stat("/proc/" + pid); errors.Is(err, os.ErrNotExist) {
			os.Remove(s)
		}
	}
}

func findRepo() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/ci-authz/ci-authz")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("cannot find the ci-authz repository above %s", wd)
		}
	}
}

func gitDescribe(repo string) string {
	b, err := exec.Command("git", "-C", repo, "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
