package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ci-authz/ci-authz/bench/dockerd"
	"github.com/ci-authz/ci-authz/bench/load"
	"github.com/ci-authz/ci-authz/bench/workload"
)

// apiLoad is one Docker API workload.
type apiLoad struct {
	name string
	lim  load.Limits
	op   func(prefix string) load.Op
}

// daemonLoads are the Docker API workloads: the calls a CI host makes most
// (status polling) and the one every job makes (create and remove).
func daemonLoads(d *dockerd.Daemon, image, work string, s scale) ([]apiLoad, error) {
	body, err := jobCreateBody(image, work)
	if err != nil {
		return nil, err
	}
	get := func(path string) func(string) load.Op {
		return func(string) load.Op {
			return func(ctx context.Context, c *http.Client, _ int) (string, error) {
				_, err := load.Call(ctx, c, http.MethodGet, "http://docker"+path, nil, nil, http.StatusOK)
				return "", err
			}
		}
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	createRemove := func(prefix string) load.Op {
		return func(ctx context.Context, c *http.Client, n int) (string, error) {
			b, err := load.Call(ctx, c, http.MethodPost, "http://docker"+d.API+"/containers/create?name="+prefix+strconv.Itoa(n),
				jsonHeader, body, http.StatusCreated)
			if err != nil {
				return "", err
			}
			var created struct{ Id string }
			if err := jsonUnmarshal(b, &created); err != nil {
				return "", err
			}
			// Remove it even if the slice's time is up meanwhile.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_, err = load.Call(rctx, c, http.MethodDelete, "http://docker"+d.API+"/containers/"+created.Id+"?force=1", nil, nil, http.StatusNoContent)
			if err == nil && ctx.Err() != nil {
				err = ctx.Err() // done, but after the slice's end: not counted
			}
			return "", err
		}
	}
	lim := func(ops int, t time.Duration) load.Limits { return load.Limits{Workers: s.workers, Ops: ops, Time: t} }
	return []apiLoad{
		{"GET /_ping", lim(s.pingOps, s.apiSlice), get("/_ping")},
		{"GET /containers/json", lim(s.listOps, s.apiSlice), get(d.API + "/containers/json?all=1")},
		// Some 100 per second: a longer slice for as many samples.
		{"create+remove", lim(s.createOps, 3*s.apiSlice), createRemove},
	}, nil
}

// jobCreateBody is workload.RealisticCreate for this daemon: its image, and
// binds of directories that exist.
func jobCreateBody(image, work string) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(workload.RealisticCreate("")), &m); err != nil {
		return nil, err
	}
	m["Image"] = image
	var binds []string
	for _, d := range []string{"cache", "builds"} {
		src := filepath.Join(work, "job", d)
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, err
		}
		binds = append(binds, src+":/"+d)
	}
	m["HostConfig"].(map[string]any)["Binds"] = binds
	return json.Marshal(m)
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%v in %.200s", err, b)
	}
	return nil
}

// config is one authorization set-up of the daemon.
type config struct {
	name    string   // "none", "null", "ci-authz"
	plugins []string // authorization-plugins
	// probe checks, after the switch, that the daemon really consults
	// the plugin (or none).
	probe func() error
}

func daemonConfigs(d *dockerd.Daemon, image string, null, ciAuthz *pluginProc) []config {
	privileged := []byte(`{"Image":"` + image + `","HostConfig":{"Privileged":true}}`)
	return []config{
		{name: "none", probe: func() error { return nil }},
		{name: "null", plugins: []string{null.name}, probe: func() error {
			before, err := nullCounts(null.socket)
			if err != nil {
				return err
			}
			if _, _, err := d.Do(http.MethodGet, "/_ping", "", nil); err != nil {
				return err
			}
			after, err := nullCounts(null.socket)
			if err != nil {
				return err
			}
			if after.Req <= before.Req {
				return errors.New("dockerd did not consult the null plugin")
			}
			return nil
		}},
		{name: "ci-authz", plugins: []string{ciAuthz.name}, probe: func() error {
			status, b, err := d.Do(http.MethodPost, d.API+"/containers/create", "application/json", privileged)
			if err != nil {
				return err
			}
			if status != http.StatusForbidden || !strings.Contains(string(b), "[privileged]") {
				return fmt.Errorf("a privileged create through ci-authz got HTTP %d %.200s", status, b)
			}
			return nil
		}},
	}
}

// removeAllBut removes every container whose name does not start with
// keep: creates the time limit cut off after the daemon had begun them.
func removeAllBut(d *dockerd.Daemon, keep string) error {
	var all []struct {
		Id    string
		Names []string
	}
	if err := d.GetJSON(d.API+"/containers/json?all=1", &all); err != nil {
		return err
	}
	for _, c := range all {
		if len(c.Names) > 0 && strings.HasPrefix(strings.TrimPrefix(c.Names[0], "/"), keep) {
			continue
		}
		// 404: a create cut off by the time limit was being undone by the
		// daemon itself.
		if status, b, err := d.Do(http.MethodDelete, d.API+"/containers/"+c.Id+"?force=1", "", nil); err != nil ||
			status != http.StatusNoContent && status != http.StatusNotFound {
			return fmt.Errorf("removing %s: HTTP %d %v %.200s", c.Id, status, err, b)
		}
	}
	return nil
}

// createIdle creates n containers that are never started, so that
// GET /containers/json has a realistic answer to forward to the plugins.
func createIdle(d *dockerd.Daemon, image, prefix string, n int) error {
	for i := range n {
		body := []byte(`{"Image":"` + image + `","Cmd":["true"],"Labels":{"com.gitlab.ci.job":"` + strconv.Itoa(i) + `"}}`)
		status, b, err := d.Do(http.MethodPost, d.API+"/containers/create?name="+prefix+strconv.Itoa(i), "application/json", body)
		if err != nil || status != http.StatusCreated {
			return fmt.Errorf("creating idle container: HTTP %d %v %.200s", status, err, b)
		}
	}
	return nil
}

// apiResults holds, per workload and configuration, the merged rounds,
// and each round's throughput.
type apiResults struct {
	pooled map[string]map[string]*load.Result
	rounds []map[string]map[string]float64 // round -> workload -> configuration -> per second
}

func (r *apiResults) add(round int, loadName, cfg string, res load.Result) {
	if r.pooled[loadName] == nil {
		r.pooled[loadName] = map[string]*load.Result{}
	}
	if r.pooled[loadName][cfg] == nil {
		r.pooled[loadName][cfg] = &load.Result{}
	}
	r.pooled[loadName][cfg].Merge(res)
	for len(r.rounds) <= round {
		r.rounds = append(r.rounds, map[string]map[string]float64{})
	}
	if r.rounds[round][loadName] == nil {
		r.rounds[round][loadName] = map[string]float64{}
	}
	r.rounds[round][loadName][cfg] = res.PerSecond()
}

// ratios are, per round, the throughput of configuration a over b's.
func (r *apiResults) ratios(loadName, a, b string) []float64 {
	var out []float64
	for _, round := range r.rounds {
		out = append(out, ratio(round[loadName][a], round[loadName][b]))
	}
	return out
}

// runDaemonRounds switches the daemon between the configurations, in a
// rotated order each round, and runs every workload under each. A first
// round warms the daemon and the plugins up and is not counted.
func runDaemonRounds(d *dockerd.Daemon, loads []apiLoad, configs []config, rounds int, namePrefix, idlePrefix string) (*apiResults, error) {
	out := &apiResults{pooled: map[string]map[string]*load.Result{}}
	for r := -1; r < rounds; r++ {
		for i := range configs {
			c := configs[(i+max(r, 0))%len(configs)]
			if err := d.SetAuthz(c.plugins...); err != nil {
				return out, err
			}
			if err := c.probe(); err != nil {
				return out, fmt.Errorf("configuration %s: %v", c.name, err)
			}
			for _, l := range loads {
				prefix := fmt.Sprintf("%s-r%d-%s-", namePrefix, r+1, c.name)
				res := load.Run(context.Background(), l.lim, d.Client, l.op(prefix))
				if res.Errors > 0 {
					return out, fmt.Errorf("%s with %s: %d of %d failed, first: %s", l.name, c.name, res.Errors, res.Ops, res.FirstErr)
				}
				if err := removeAllBut(d, idlePrefix); err != nil {
					return out, err
				}
				if r >= 0 {
					out.add(r, l.name, c.name, res)
				}
			}
		}
		if r >= 0 {
			var line []string
			for _, l := range loads {
				line = append(line, fmt.Sprintf("%s ci-authz/null %.3f", l.name, out.rounds[r][l.name]["ci-authz"]/out.rounds[r][l.name]["null"]))
			}
			progress("dockerd round %d: %s", r+1, strings.Join(line, ", "))
		}
	}
	return out, d.SetAuthz()
}
