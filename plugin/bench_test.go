package plugin

import (
	"io"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/ci-authz/ci-authz/bench/workload"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// The requests are bench/workload's, the ones `make bench` also sends over
// the plugin protocol. Benchmarks named ...HostRoot follow symlinks in bind
// sources on this machine's / as the legacy plugin does (serve --host-root
// /); the others judge paths as written.

func benchDecide(b *testing.B, name string, opts Options) {
	w := workload.ByName(name)
	req := &w.Req
	p := policy.Default()
	if d := DecideWith(p, req, opts); d.Allow != w.Allow {
		b.Fatalf("allow = %v: %s", d.Allow, d.Msg)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(req.RequestBody)))
	for b.Loop() {
		DecideWith(p, req, opts)
	}
}

func BenchmarkDecideGet(b *testing.B)           { benchDecide(b, "get", Options{}) }
func BenchmarkDecideCreateAllowed(b *testing.B) { benchDecide(b, "create-allowed", Options{}) }
func BenchmarkDecideCreateDenied(b *testing.B)  { benchDecide(b, "create-denied", Options{}) }
func BenchmarkDecideCreateLarge(b *testing.B)   { benchDecide(b, "create-large", Options{}) }

func BenchmarkDecideCreateDockerCLI(b *testing.B) { benchDecide(b, "create-docker-cli", Options{}) }

func BenchmarkDecideCreateAllowedHostRoot(b *testing.B) {
	benchDecide(b, "create-allowed", Options{HostRoot: "/"})
}

func BenchmarkDecideCreateLargeHostRoot(b *testing.B) {
	benchDecide(b, "create-large", Options{HostRoot: "/"})
}

// BenchmarkHandlerAuthZReq is the whole handler, logging included, as the
// plugin serves it (info level: allowed requests are not logged).
func BenchmarkHandlerAuthZReq(b *testing.B) {
	w := workload.ByName("create-allowed")
	log := logrus.New()
	log.SetOutput(io.Discard)
	h := NewHandler(policy.Default(), log, Options{HostRoot: "/"})
	b.ReportAllocs()
	for b.Loop() {
		if !h.AuthZReq(w.Req).Allow {
			b.Fatal("denied")
		}
	}
}
