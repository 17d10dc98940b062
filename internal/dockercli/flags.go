package dockercli

import (
	"io"

	"github.com/spf13/pflag"
)

// flagDef is one docker CLI flag: its name, one-letter shorthand and
// whether it is a boolean (takes no separate value word).
type flagDef struct {
	name, short string
	bool        bool
}

// The flag sets below are copied from the docker CLI v28
// (cli/command/container/opts.go addFlags, run.go, create.go, exec.go and
// cli/flags/options.go): the CLI's own flag parsing is in unexported
// functions of a package that pulls in the whole docker/docker module, so
// ci-authz declares the same names with spf13/pflag, the library the CLI
// parses with, and lets pflag split the words exactly as the CLI does
// (clusters like -itv, --flag=value, no interspersed flags after the
// image). TestFlagsMatchDockerHelp checks the list against `docker run
// --help` when a docker CLI is installed.

// globalFlags come between "docker" and the subcommand.
var globalFlags = []flagDef{
	{"config", "", false}, {"context", "c", false}, {"debug", "D", true},
	{"host", "H", false}, {"log-level", "l", false}, {"tls", "", true},
	{"tlscacert", "", false}, {"tlscert", "", false}, {"tlskey", "", false},
	{"tlsverify", "", true}, {"version", "v", true}, {"help", "", true},
}

// containerFlags are the flags of docker run and docker create (run's
// -d, --sig-proxy and --detach-keys included: a superset is harmless).
var containerFlags = []flagDef{
	// run and create
	{"detach", "d", true}, {"sig-proxy", "", true}, {"name", "", false},
	{"detach-keys", "", false}, {"pull", "", false}, {"quiet", "q", true},
	{"use-api-socket", "", true}, {"help", "", true}, {"platform", "", false},
	{"disable-content-trust", "", true},
	// general
	{"attach", "a", false}, {"device-cgroup-rule", "", false}, {"device", "", false},
	{"gpus", "", false}, {"env", "e", false}, {"env-file", "", false},
	{"entrypoint", "", false}, {"group-add", "", false}, {"hostname", "h", false},
	{"domainname", "", false}, {"interactive", "i", true}, {"label", "l", false},
	{"label-file", "", false}, {"read-only", "", true}, {"restart", "", false},
	{"stop-signal", "", false}, {"stop-timeout", "", false}, {"sysctl", "", false},
	{"tty", "t", true}, {"ulimit", "", false}, {"user", "u", false},
	{"workdir", "w", false}, {"rm", "", true},
	// security
	{"cap-add", "", false}, {"cap-drop", "", false}, {"privileged", "", true},
	{"security-opt", "", false}, {"userns", "", false}, {"cgroupns", "", false},
	// network
	{"add-host", "", false}, {"dns", "", false}, {"dns-opt", "", false},
	{"dns-option", "", false}, {"dns-search", "", false}, {"expose", "", false},
	{"ip", "", false}, {"ip6", "", false}, {"link", "", false},
	{"link-local-ip", "", false}, {"mac-address", "", false}, {"publish", "p", false},
	{"publish-all", "P", true}, {"net", "", false}, {"network", "", false},
	{"net-alias", "", false}, {"network-alias", "", false},
	// logging and storage
	{"log-driver", "", false}, {"volume-driver", "", false}, {"log-opt", "", false},
	{"storage-opt", "", false}, {"tmpfs", "", false}, {"volumes-from", "", false},
	{"volume", "v", false}, {"mount", "", false},
	// health
	{"health-cmd", "", false}, {"health-interval", "", false}, {"health-retries", "", false},
	{"health-timeout", "", false}, {"health-start-period", "", false},
	{"health-start-interval", "", false}, {"no-healthcheck", "", true},
	// resources
	{"blkio-weight", "", false}, {"blkio-weight-device", "", false}, {"cidfile", "", false},
	{"cpuset-cpus", "", false}, {"cpuset-mems", "", false}, {"cpu-count", "", false},
	{"cpu-percent", "", false}, {"cpu-period", "", false}, {"cpu-quota", "", false},
	{"cpu-rt-period", "", false}, {"cpu-rt-runtime", "", false}, {"cpu-shares", "c", false},
	{"cpus", "", false}, {"device-read-bps", "", false}, {"device-read-iops", "", false},
	{"device-write-bps", "", false}, {"device-write-iops", "", false},
	{"io-maxbandwidth", "", false}, {"io-maxiops", "", false}, {"kernel-memory", "", false},
	{"memory", "m", false}, {"memory-reservation", "", false}, {"memory-swap", "", false},
	{"memory-swappiness", "", false}, {"oom-kill-disable", "", true},
	{"oom-score-adj", "", false}, {"pids-limit", "", false},
	// low-level execution
	{"cgroup-parent", "", false}, {"ipc", "", false}, {"isolation", "", false},
	{"pid", "", false}, {"shm-size", "", false}, {"uts", "", false},
	{"runtime", "", false}, {"init", "", true}, {"annotation", "", false},
}

// execFlags are the flags of docker exec.
var execFlags = []flagDef{
	{"detach", "d", true}, {"detach-keys", "", false}, {"env", "e", false},
	{"env-file", "", false}, {"interactive", "i", true}, {"privileged", "", true},
	{"tty", "t", true}, {"user", "u", false}, {"workdir", "w", false},
	{"help", "", true},
}

// newFlagSet declares defs on a pflag set that stops at the first
// non-flag word, like every docker command that takes one.
func newFlagSet(defs []flagDef) *pflag.FlagSet {
	fs := pflag.NewFlagSet("docker", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	fs.Usage = func() {}
	for _, d := range defs {
		if d.bool {
			fs.BoolP(d.name, d.short, false, "")
		} else {
			fs.StringP(d.name, d.short, "", "")
		}
	}
	return fs
}
