// Package load sends bounded loads to local unix sockets and measures them:
// the plugin protocol the way dockerd speaks it (keep-alive HTTP, AuthZReq
// then AuthZRes), and Docker API calls through a daemon. Every run stops by
// itself after a number of operations or a time, whichever comes first.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound a run.
type Limits struct {
	Workers int           // concurrent clients, each on its own keep-alive connection
	Ops     int           // operations in all
	Time    time.Duration // wall time at most
}

// Op is one operation of a worker: it returns the kind it did (for
// per-kind latencies) and an error if it failed.
type Op func(ctx context.Context, c *http.Client, n int) (kind string, err error)

// Result is what a run measured.
type Result struct {
	Ops      int
	Errors   int
	FirstErr string
	Elapsed  time.Duration
	// Latencies are every operation's, sorted; ByKind the same per kind.
	Latencies []time.Duration
	ByKind    map[string][]time.Duration
}

// PerSecond is the throughput of successful operations.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops-r.Errors) / r.Elapsed.Seconds()
}

// Merge adds another run's measurements (another round of the same load).
func (r *Result) Merge(o Result) {
	r.Ops += o.Ops
	r.Errors += o.Errors
	if r.FirstErr == "" {
		r.FirstErr = o.FirstErr
	}
	r.Elapsed += o.Elapsed
	r.Latencies = mergeSorted(r.Latencies, o.Latencies)
	if r.ByKind == nil {
		r.ByKind = map[string][]time.Duration{}
	}
	for k, v := range o.ByKind {
		r.ByKind[k] = mergeSorted(r.ByKind[k], v)
	}
}

func mergeSorted(a, b []time.Duration) []time.Duration {
	out := append(append(make([]time.Duration, 0, len(a)+len(b)), a...), b...)
	slices.Sort(out)
	return out
}

// Quantile returns the q-quantile (0..1) of sorted latencies, nearest rank.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// UnixClient returns an HTTP client that keeps one connection to a unix
// socket alive, as dockerd's plugin and API clients do.
func UnixClient(socket string, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", socket)
			},
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
		},
	}
}

// Run runs op with lim.Workers workers on clients from newClient until
// lim.Ops operations were started or lim.Time has passed.
func Run(ctx context.Context, lim Limits, newClient func() *http.Client, op Op) Result {
	ctx, cancel := context.WithTimeout(ctx, lim.Time)
	defer cancel()
	var (
		next   atomic.Int64
		mu     sync.Mutex
		res    = Result{ByKind: map[string][]time.Duration{}}
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	start := time.Now()
	for range max(lim.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			defer c.CloseIdleConnections()
			lat := make([]time.Duration, 0, min(lim.Ops/max(lim.Workers, 1)+1, 1<<16))
			kinds := make([]string, 0, cap(lat))
			var errs int
			var firstErr string
			for ctx.Err() == nil {
				n := int(next.Add(1)) - 1
				if n >= lim.Ops {
					break
				}
				t0 := time.Now()
				kind, err := op(ctx, c, n)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break // cut off by the time limit: not a failure
					}
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					if failed.Add(1) > 100 {
						cancel() // something is broken; do not hammer it
					}
					continue
				}
				lat = append(lat, d)
				kinds = append(kinds, kind)
			}
			mu.Lock()
			defer mu.Unlock()
			res.Ops += len(lat) + errs
			res.Errors += errs
			if res.FirstErr == "" {
				res.FirstErr = firstErr
			}
			res.Latencies = append(res.Latencies, lat...)
			for i, k := range kinds {
				res.ByKind[k] = append(res.ByKind[k], lat[i])
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	for _, v := range res.ByKind {
		slices.Sort(v)
	}
	return res
}

// Call posts body to url and returns the answer's body, failing on any
// status but want.
func Call(ctx context.Context, c *http.Client, method, url string, header http.Header, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: HTTP %d, want %d: %.200s", method, url, resp.StatusCode, want, b)
	}
	return b, nil
}

// decodeJSON is json.Unmarshal with the body in the error.
func decodeJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%v in %.200s", err, b)
	}
	return nil
}
