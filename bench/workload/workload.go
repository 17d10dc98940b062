// Package workload holds the typical requests of a busy CI host, as dockerd
// 20.10 forwards them to an authorization plugin. The decision benchmarks
// (plugin/bench_test.go) and the protocol-level load test (bench/) use the
// same requests, so their numbers describe the same work.
package workload

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/docker/go-plugins-helpers/authorization"
)

// Request is one kind of API request and what the daemon sends the plugin
// for it.
type Request struct {
	// Name identifies the kind in tables and JSON.
	Name string
	// Req is the AuthZReq the daemon sends before the handler runs.
	Req authorization.Request
	// Res is the AuthZRes the daemon sends after the handler ran, or nil
	// when it sends none (the request was denied).
	Res *authorization.Request
	// Allow is ci-authz's answer under the default policy.
	Allow bool
	// Weight is the kind's share of the protocol-level mix, in percent; 0
	// keeps it out of the mix (decision benchmark only).
	Weight int
}

// UserAgent is what docker CLI 28 sends.
const UserAgent = "Docker-Client/28.5.1 (linux)"

// responseHeaders are what dockerd 20.10 answers a JSON request with.
var responseHeaders = map[string]string{
	"Api-Version": "1.41", "Content-Type": "application/json", "Docker-Experimental": "false",
	"Ostype": "linux", "Server": "Docker/20.10.24+dfsg1 (linux)",
}

// RealisticCreate is about what `docker run` sends for a CI job (~2 KB):
// 30 CI variables, a command, a cache and a workspace bind, a default
// capability. extra is appended inside HostConfig.
func RealisticCreate(extra string) string {
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

// LargeCreate is a worst case that is still allowed: a realistic create
// with 400 read-only data binds.
func LargeCreate() string {
	binds := make([]string, 400)
	for i := range binds {
		binds[i] = fmt.Sprintf(`"/srv/data/%d:/data/%d:ro"`, i, i)
	}
	return RealisticCreate(`,"Mounts":[],"Tmpfs":{"/tmp":""},"DnsOptions":[],"Binds":[` + strings.Join(binds, ",") + `]`)
}

// DockerCLICreate is the body docker CLI 28 sent for
//
//	docker run --rm -v /srv/cache/go:/root/go -v /builds/group/project:/builds/group/project \
//	  -w /builds/group/project -e CI_VAR_1=... (30 of them) --label ... --cap-add CHOWN \
//	  registry.example/ci/golang:1.26 sh -c 'make test'
//
// captured on a fake daemon socket: every HostConfig field spelled out (3.2 KB).
//
//go:embed docker-cli-create.json
var DockerCLICreate string

// ContainerList is a GET /containers/json answer for a host running n jobs
// (about 1 KB each), what the daemon forwards in AuthZRes.
func ContainerList(n int) string {
	items := make([]string, n)
	for i := range items {
		id := fmt.Sprintf("%064x", i+1)
		items[i] = `{"Id":"` + id + `","Names":["/runner-abc123-project-42-concurrent-` + strconv.Itoa(i) + `-build"],` +
			`"Image":"registry.example/ci/golang:1.26","ImageID":"sha256:` + fmt.Sprintf("%064x", 7) + `",` +
			`"Command":"sh -c 'make test'","Created":1764000000,"Ports":[],"Labels":{"com.gitlab.ci.job":"123",` +
			`"com.gitlab.ci.pipeline":"456","com.gitlab.gitlab-runner.type":"build"},"State":"running",` +
			`"Status":"Up 3 minutes","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{"bridge":` +
			`{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"` + fmt.Sprintf("%064x", 9) + `","EndpointID":"` + id +
			`","Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,"IPv6Gateway":"","GlobalIPv6Address":"",` +
			`"GlobalIPv6PrefixLen":0,"MacAddress":"02:42:ac:11:00:02","DriverOpts":null}}},"Mounts":[]}`
	}
	return "[" + strings.Join(items, ",") + "]"
}

func create(body string) authorization.Request {
	return authorization.Request{
		RequestMethod: "POST",
		RequestURI:    "/v1.41/containers/create?name=runner-abc123-project-42-concurrent-0-build",
		RequestBody:   []byte(body),
		RequestHeaders: map[string]string{
			"Content-Length": strconv.Itoa(len(body)), "Content-Type": "application/json", "User-Agent": UserAgent,
		},
	}
}

// response is the AuthZRes for req with the handler's answer.
func response(req authorization.Request, status int, body string) *authorization.Request {
	res := req
	res.ResponseStatusCode = status
	res.ResponseBody = []byte(body)
	res.ResponseHeaders = responseHeaders
	return &res
}

// All returns every kind, the mix's first.
func All() []Request {
	get := authorization.Request{
		RequestMethod: "GET", RequestURI: "/v1.41/containers/json?all=1",
		RequestHeaders: map[string]string{"User-Agent": UserAgent},
	}
	created := `{"Id":"` + fmt.Sprintf("%064x", 42) + `","Warnings":[]}`
	allowed, denied, large := create(RealisticCreate("")), create(RealisticCreate(`,"Privileged":true`)), create(LargeCreate())
	cli := create(DockerCLICreate)
	return []Request{
		{Name: "get", Req: get, Res: response(get, 200, ContainerList(4)), Allow: true, Weight: 85},
		{Name: "create-allowed", Req: allowed, Res: response(allowed, 201, created), Allow: true, Weight: 10},
		{Name: "create-denied", Req: denied, Allow: false, Weight: 4},
		{Name: "create-large", Req: large, Res: response(large, 201, created), Allow: true, Weight: 1},
		{Name: "create-docker-cli", Req: cli, Res: response(cli, 201, created), Allow: true},
	}
}

// ByName returns the kind of that name; it panics for an unknown name
// (a typo in a benchmark).
func ByName(name string) Request {
	for _, r := range All() {
		if r.Name == name {
			return r
		}
	}
	panic("workload: no request kind " + strconv.Quote(name))
}
