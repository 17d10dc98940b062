package plugin

import (
	"fmt"
	"strings"
	"testing"

	"github.com/docker/go-plugins-helpers/authorization"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// realisticCreate is about what `docker run` sends for a CI job (~2 KB).
func realisticCreate(extra string) string {
	env := make([]string, 30)
	for i := range env {
		env[i] = fmt.Sprintf(`"CI_VAR_%02d=some-value-of-moderate-length-%02d"`, i, i)
	}
	return `{"Hostname":"","User":"","AttachStdout":true,"AttachStderr":true,"Tty":false,` +
		`"Env":[` + strings.Join(env, ",") + `],"Cmd":["sh","-c","make test"],"Image":"registry.example/ci/golang:1.26",` +
		`"WorkingDir":"/builds/project","Labels":{"com.gitlab.ci.job":"123","com.gitlab.ci.pipeline":"456"},` +
		`"HostConfig":{"Binds":["/srv/cache/go:/root/go:rw","/builds:/builds"],"NetworkMode":"default",` +
		`"RestartPolicy":{"Name":"no"},"AutoRemove":true,"CapAdd":["CHOWN"],"LogConfig":{"Type":"json-file"}` + extra + `},` +
		`"NetworkingConfig":{"EndpointsConfig":{}}}`
}

func benchDecide(b *testing.B, req *authorization.Request, wantAllow bool) {
	p := policy.Default()
	if d := Decide(p, req); d.Allow != wantAllow {
		b.Fatalf("allow = %v: %s", d.Allow, d.Msg)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(req.RequestBody)))
	b.ResetTimer()
	for b.Loop() {
		Decide(p, req)
	}
}

func BenchmarkDecideGet(b *testing.B) {
	benchDecide(b, &authorization.Request{RequestMethod: "GET", RequestURI: "/v1.41/containers/json?all=1"}, true)
}

func BenchmarkDecideCreateAllowed(b *testing.B) {
	benchDecide(b, create(realisticCreate("")), true)
}

func BenchmarkDecideCreateDenied(b *testing.B) {
	benchDecide(b, create(realisticCreate(`,"Privileged":true`)), false)
}

func BenchmarkDecideCreateLarge(b *testing.B) {
	binds := make([]string, 400)
	for i := range binds {
		binds[i] = fmt.Sprintf(`"/srv/data/%d:/data/%d:ro"`, i, i)
	}
	benchDecide(b, create(realisticCreate(`,"Mounts":[],"Tmpfs":{"/tmp":""},"DnsOptions":[],"Binds":[`+strings.Join(binds, ",")+`]`)), true)
}
