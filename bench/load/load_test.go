package load

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/go-plugins-helpers/authorization"
)

func TestQuantile(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i))
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100, 0: 1} {
		if got := Quantile(v, q); got != want {
			t.Errorf("Quantile(1..100, %v) = %v, want %v", q, got, want)
		}
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("no latencies, no quantile")
	}
}

func TestInterleave(t *testing.T) {
	got := interleave([]string{"a", "b", "c"}, []int{85, 10, 5})
	if len(got) != 100 {
		t.Fatalf("%d slots, want 100", len(got))
	}
	counts := map[string]int{}
	for _, s := range got {
		counts[s]++
	}
	if counts["a"] != 85 || counts["b"] != 10 || counts["c"] != 5 {
		t.Errorf("shares %v", counts)
	}
	// Spread out: the rare kinds never come twice in a row.
	for i := 1; i < len(got); i++ {
		if got[i] != "a" && got[i] == got[i-1] {
			t.Errorf("%s twice in a row at %d: %v", got[i], i, got)
		}
	}
}

func TestMerge(t *testing.T) {
	var r Result
	r.Merge(Result{Ops: 2, Elapsed: time.Second, Latencies: []time.Duration{1, 5}, ByKind: map[string][]time.Duration{"x": {1, 5}}})
	r.Merge(Result{Ops: 3, Errors: 1, FirstErr: "boom", Elapsed: time.Second, Latencies: []time.Duration{2, 3}, ByKind: map[string][]time.Duration{"x": {2}, "y": {3}}})
	if r.Ops != 5 || r.Errors != 1 || r.FirstErr != "boom" || r.Elapsed != 2*time.Second || r.PerSecond() != 2 {
		t.Errorf("merged %+v", r)
	}
	if !slices.Equal(r.Latencies, []time.Duration{1, 2, 3, 5}) || !slices.Equal(r.ByKind["x"], []time.Duration{1, 2, 5}) {
		t.Errorf("latencies %v %v", r.Latencies, r.ByKind)
	}
}

// allow is a plugin allowing everything but denied creates, like ci-authz
// on the mix, counting AuthZRes calls.
type allow struct{ res chan string }

func (a allow) AuthZReq(r authorization.Request) authorization.Response {
	return authorization.Response{Allow: !strings.Contains(string(r.RequestBody), `"Privileged":true`)}
}

func (a allow) AuthZRes(r authorization.Request) authorization.Response {
	select {
	case a.res <- r.RequestURI:
	default:
	}
	return authorization.Response{Allow: true}
}

func servePlugin(t *testing.T, p authorization.Plugin) string {
	sock := filepath.Join(t.TempDir(), "p.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go authorization.NewHandler(p).Serve(l) //nolint:errcheck // ends when l closes
	t.Cleanup(func() { l.Close() })
	return sock
}

func TestRunPluginMix(t *testing.T) {
	p := allow{res: make(chan string, 1000)}
	sock := servePlugin(t, p)
	mix, err := NewMix()
	if err != nil {
		t.Fatal(err)
	}
	newClient := func() *http.Client { return UnixClient(sock, 10*time.Second) }
	res := Run(context.Background(), Limits{Workers: 3, Ops: 200, Time: time.Minute}, newClient, mix.PluginOp(true, false))
	if res.Errors != 0 || res.Ops != 200 || len(res.Latencies) != 200 {
		t.Fatalf("ops %d, errors %d (%s), latencies %d", res.Ops, res.Errors, res.FirstErr, len(res.Latencies))
	}
	shares := mix.Kinds()
	for k, share := range shares {
		if n := len(res.ByKind[k]); n != int(share*200+0.5) {
			t.Errorf("%s: %d operations, want %.0f", k, n, share*200)
		}
	}
	// Denied creates get no AuthZRes, as from dockerd.
	if got, want := len(p.res), 200-len(res.ByKind["create-denied"]); got != want {
		t.Errorf("%d AuthZRes calls, want %d", got, want)
	}
	// AuthZReq only: none at all.
	before := len(p.res)
	if res := Run(context.Background(), Limits{Workers: 2, Ops: 50, Time: time.Minute}, newClient, mix.PluginOp(true, true)); res.Errors != 0 || len(p.res) != before {
		t.Errorf("AuthZReq only: %d errors (%s), %d AuthZRes calls", res.Errors, res.FirstErr, len(p.res)-before)
	}
}

func TestRunStrictCatchesWrongAnswers(t *testing.T) {
	allowAll := authorization.Plugin(allowEverything{})
	sock := servePlugin(t, allowAll)
	mix, _ := NewMix()
	newClient := func() *http.Client { return UnixClient(sock, 10*time.Second) }
	res := Run(context.Background(), Limits{Workers: 1, Ops: 100, Time: time.Minute}, newClient, mix.PluginOp(true, false))
	if res.Errors == 0 || !strings.Contains(res.FirstErr, "create-denied") {
		t.Errorf("a plugin that allows the denied create must fail the strict mix: %d errors, %q", res.Errors, res.FirstErr)
	}
	res = Run(context.Background(), Limits{Workers: 1, Ops: 100, Time: time.Minute}, newClient, mix.PluginOp(false, false))
	if res.Errors != 0 {
		t.Errorf("the null plugin's mix: %s", res.FirstErr)
	}
}

type allowEverything struct{}

func (allowEverything) AuthZReq(authorization.Request) authorization.Response {
	return authorization.Response{Allow: true}
}

func (allowEverything) AuthZRes(authorization.Request) authorization.Response {
	return authorization.Response{Allow: true}
}

// TestRunStopsByItself: a run ends at its time limit even if its operations
// could go on, and an operation cut off by the limit is not an error.
func TestRunStopsByItself(t *testing.T) {
	blocked := func(ctx context.Context, _ *http.Client, _ int) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	res := Run(context.Background(), Limits{Workers: 2, Ops: 1 << 30, Time: 50 * time.Millisecond}, func() *http.Client { return http.DefaultClient }, blocked)
	if res.Errors != 0 || res.Ops != 0 {
		t.Errorf("ops %d, errors %d", res.Ops, res.Errors)
	}
}
