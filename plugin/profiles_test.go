package plugin

import (
	"testing"

	"github.com/docker/go-plugins-helpers/authorization"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// ordinaryJobs are create bodies of ordinary CI jobs, as the docker CLI
// sends them; baseline must allow every one.
var ordinaryJobs = []decideCase{
	{"plain run", create(`{"Image":"golang:1.26","Cmd":["go","test","./..."],"Env":["CI=true","GOFLAGS=-mod=readonly"],"Labels":{"job":"42"},"HostConfig":{"NetworkMode":"default","AutoRemove":true}}`), "", nil},
	{"data binds", create(`{"Image":"x","HostConfig":{"Binds":["/builds/p:/builds/p","/srv/cache/go:/root/go:rw","/home/runner/work:/__w","/etc/localtime:/etc/localtime:ro"],"Mounts":[{"Type":"bind","Source":"/var/cache/ci","Target":"/c","ReadOnly":true}]}}`), "", nil},
	{"default caps", create(`{"Image":"x","HostConfig":{"CapAdd":["CHOWN","NET_BIND_SERVICE"],"CapDrop":["ALL"]}}`), "", nil},
	{"named volumes", create(`{"Image":"x","HostConfig":{"Binds":["cache:/cache"],"Mounts":[{"Type":"volume","Source":"deps","Target":"/deps"}]}}`), "", nil},
	{"bridge and user networks", create(`{"Image":"x","HostConfig":{"NetworkMode":"bridge"},"NetworkingConfig":{"EndpointsConfig":{"ci-net":{"Aliases":["db"]}}}}`), "", nil},
	{"host network", create(`{"Image":"x","HostConfig":{"NetworkMode":"host"}}`), "", nil},
	{"init, ulimits, tmpfs, shm, pids", create(`{"Image":"x","HostConfig":{"Init":true,"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],"Tmpfs":{"/t":"size=64m"},"ShmSize":268435456,"PidsLimit":512,"Memory":1073741824,"NanoCpus":2000000000,"ReadonlyRootfs":true}}`), "", nil},
	{"no-new-privileges, safe sysctl, runc", create(`{"Image":"x","HostConfig":{"SecurityOpt":["no-new-privileges"],"Sysctls":{"net.ipv4.tcp_syncookies":"1"},"Runtime":"runc"}}`), "", nil},
	{"runner cache container", create(`{"Image":"x","HostConfig":{"VolumesFrom":["runner-cache-123:rw"]}}`), "", nil},
	{"exec", jsonReq("POST", "/v1.41/containers/job/exec", `{"Cmd":["sh"],"User":"root","Env":["A=1"]}`), "", nil},
	{"local volume", jsonReq("POST", "/v1.41/volumes/create", `{"Name":"cache","Driver":"local"}`), "", nil},
}

func TestBaselineAllowsOrdinaryJobs(t *testing.T) {
	runDecideCases(t, policy.Default(), ordinaryJobs)
}

func TestBaselineDenies(t *testing.T) {
	runDecideCases(t, policy.Default(), []decideCase{
		{"pid host", create(`{"Image":"x","HostConfig":{"PidMode":"host"}}`), "hostNamespaces", []string{"HostConfig.PidMode=host", "Instead: drop --pid host"}},
		{"device", create(`{"Image":"x","HostConfig":{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}}`), "devices", []string{"HostConfig.Devices[0].PathOnHost=/dev/sda"}},
		{"device cgroup rule", create(`{"Image":"x","HostConfig":{"DeviceCgroupRules":["b 8:* rwm"]}}`), "deviceCgroupRules", nil},
		{"gpus", create(`{"Image":"x","HostConfig":{"DeviceRequests":[{"Count":-1,"Capabilities":[["gpu"]]}]}}`), "deviceRequests", nil},
		{"seccomp unconfined, legacy separator", create(`{"Image":"x","HostConfig":{"SecurityOpt":["seccomp:unconfined"]}}`), "securityOpt", []string{"every system call"}},
		{"systempaths unconfined", create(`{"Image":"x","HostConfig":{"MaskedPaths":[],"ReadonlyPaths":[]}}`), "systemPaths", []string{"Also denied: [systemPaths] HostConfig.ReadonlyPaths"}},
		{"sysctl", create(`{"Image":"x","HostConfig":{"Sysctls":{"kernel.shmmax":"1"}}}`), "sysctls", nil},
		{"cgroup parent", create(`{"Image":"x","HostConfig":{"CgroupParent":"/"}}`), "cgroups", nil},
		{"runtime", create(`{"Image":"x","HostConfig":{"Runtime":"io.containerd.evil.v1"}}`), "runtime", nil},
		{"etc bind", create(`{"Image":"x","HostConfig":{"Binds":["/etc:/host-etc"]}}`), "sensitivePaths", []string{"HostConfig.Binds[0]=/etc:/host-etc"}},
		{"top-level fields too", create(`{"Image":"x","PidMode":"host","Sysctls":{"kernel.msgmax":"1"}}`), "hostNamespaces", []string{"Also denied: [sysctls] Sysctls.kernel.msgmax"}},
		{"lowercase keys", create(`{"image":"x","hostconfig":{"securityopt":["apparmor=unconfined"]}}`), "securityOpt", nil},
	})
}

func TestRestricted(t *testing.T) {
	p, err := policy.Parse([]byte("profile: restricted\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runDecideCases(t, p, []decideCase{
		{"plain run", ordinaryJobs[0].req, "", nil},
		{"data binds", ordinaryJobs[1].req, "", nil},
		{"host network", create(`{"Image":"x","HostConfig":{"NetworkMode":"host"}}`), "hostNetwork", []string{"HostConfig.NetworkMode=host"}},
		{"volumes-from", create(`{"Image":"x","HostConfig":{"VolumesFrom":["other"]}}`), "volumesFrom", nil},
		{"another job's pid namespace", create(`{"Image":"x","HostConfig":{"PidMode":"container:job2"}}`), "sharedNamespaces", nil},
	})
}

func buildReq(uri, ctype string) *authorization.Request {
	return &authorization.Request{RequestMethod: "POST", RequestURI: uri, RequestHeaders: map[string]string{"Content-Type": ctype}}
}

func TestEndpointsBaseline(t *testing.T) {
	runDecideCases(t, policy.Default(), []decideCase{
		{"update limits", jsonReq("POST", "/v1.41/containers/job/update", `{"Memory":536870912,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}`), "", nil},
		{"update with a device", jsonReq("POST", "/v1.41/containers/job/update", `{"Devices":[{"PathOnHost":"/dev/sda"}]}`), "devices", []string{"Devices[0].PathOnHost=/dev/sda"}},
		{"update with a cgroup parent", jsonReq("POST", "/v1.41/containers/job/update", `{"CgroupParent":"/"}`), "cgroups", nil},
		{"update without body", jsonReq("POST", "/v1.41/containers/job/update", ``), "malformedRequest", []string{"container update"}},
		{"update not json", jsonReq("POST", "/v1.41/containers/job/update", `Memory=1`), "malformedRequest", nil},
		{"classic build", buildReq("/v1.41/build?t=app&networkmode=default", "application/x-tar"), "", nil},
		{"classic build, host network", buildReq("/v1.41/build?networkmode=host", "application/x-tar"), "", nil},
		{"classic build, cgroup parent", buildReq("/v1.41/build?cgroupparent=/", "application/x-tar"), "cgroups", []string{"cgroupparent=/"}},
		{"classic build, first value counts", buildReq("/v1.41/build?cgroupparent=&cgroupparent=/", "application/x-tar"), "", nil},
		{"classic build, key case", buildReq("/v1.41/build?CgroupParent=/", "application/x-tar"), "", nil}, // the daemon reads only "cgroupparent"
		{"classic build, form body", buildReq("/v1.41/build?remote=https://example.com/ctx.tar", "application/x-www-form-urlencoded"), "malformedRequest",
			[]string{"form body", "Instead: send the build context as application/x-tar"}},
		{"classic build, multipart body", buildReq("/v1.41/build", "multipart/form-data; boundary=x"), "malformedRequest", nil},
		{"classic build, bad query", buildReq("/v1.41/build?cgroupparent=x;y", "application/x-tar"), "malformedRequest", nil},
		{"buildkit", jsonReq("POST", "/v1.41/grpc", ``), "", nil},
		{"buildkit session", jsonReq("POST", "/session", ``), "", nil},
		{"checkpoint create", jsonReq("POST", "/v1.41/containers/job/checkpoints", `{"CheckpointID":"c","CheckpointDir":"/etc"}`), "checkpoints", nil},
		{"start from a checkpoint", jsonReq("POST", "/v1.41/containers/job/start?checkpoint=c&checkpoint-dir=/builds/cp", ``), "checkpoints", []string{"checkpoint=c"}},
		{"unknown endpoint", jsonReq("POST", "/v1.41/containers/job/snapshot", `{}`), "", nil},
	})
}

func TestEndpointsRestricted(t *testing.T) {
	p, err := policy.Parse([]byte("profile: restricted\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runDecideCases(t, p, []decideCase{
		{"classic build", buildReq("/v1.41/build?t=app", "application/x-tar"), "", nil},
		{"classic build, host network", buildReq("/v1.41/build?networkmode=host", "application/x-tar"), "hostNetwork", []string{"networkmode=host"}},
		{"buildkit", jsonReq("POST", "/v1.41/grpc", ``), "buildkit", []string{"endpoint=POST /grpc", "DOCKER_BUILDKIT=0"}},
		{"buildkit session", jsonReq("POST", "/session", ``), "buildkit", nil},
		{"unknown endpoint", jsonReq("POST", "/v1.41/containers/job/snapshot", `{}`), "unknownEndpoints", []string{"endpoint=POST /containers/job/snapshot"}},
		{"unknown method", jsonReq("PATCH", "/v1.41/containers/job", `{}`), "unknownEndpoints", nil},
		{"harmless", jsonReq("POST", "/v1.41/containers/job/kill", ``), "", nil},
		{"ping", &authorization.Request{RequestMethod: "HEAD", RequestURI: "/_ping"}, "", nil},
		{"network create", jsonReq("POST", "/v1.41/networks/create", `{"Name":"ci"}`), "", nil},
	})
}

func TestDecisionNamesTheEndpoint(t *testing.T) {
	for uri, want := range map[string]string{
		"/v1.41/containers/create":          "container create",
		"/v1.41/containers/create?name=%zz": "container create",
		"/v1.41/containers/./create":        "unroutable",
		"/v1.41/grpc":                       "BuildKit session",
		"/v1.41/containers/x/kill":          "other",
	} {
		if d := Decide(policy.Default(), jsonReq("POST", uri, `{}`)); d.Endpoint != want {
			t.Errorf("%s: endpoint %q, want %q", uri, d.Endpoint, want)
		}
	}
}
