// Package dockercli reads docker CLI command lines (docker run, create and
// exec, and the create options a CI system passes through) into the
// request the docker CLI would send, in the shape the checks judge, and
// remembers which argument set which request field.
package dockercli

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/spf13/pflag"

	"github.com/ci-authz/ci-authz/internal/checks"
)

// Command is one docker command line that creates a container or an exec.
type Command struct {
	// Verb is "run", "create" or "exec", or a daemon administration
	// command such as "plugin disable".
	Verb string
	// Image is the image of run and create ("" for create options).
	Image string
	// Request is what the CLI would send, ready for checks.Run. Its host
	// configuration has the JSON path "HostConfig", as in a create body.
	Request *checks.Request
	// Hosts are the -H/--host values given before the subcommand.
	Hosts []Arg
	// Origins say which argument set which request field.
	Origins []Origin
	// Ignored are values the docker CLI would refuse; they are left out.
	Ignored []string
}

// Arg is an argument value and the index of the argument word it came from.
type Arg struct {
	Value string
	Index int
}

// Origin ties a request field (as checks name it, e.g.
// "HostConfig.Binds[0]") to the argument that set it.
type Origin struct {
	Field string
	Index int
}

// Origin returns the index of the argument that set field, the one whose
// field is the longest prefix of it ("HostConfig.Mounts[0]" for
// "HostConfig.Mounts[0].Source").
func (c *Command) Origin(field string) (int, bool) {
	best, idx := -1, 0
	for _, o := range c.Origins {
		if HasFieldPrefix(field, o.Field) && len(o.Field) > best {
			best, idx = len(o.Field), o.Index
		}
	}
	return idx, best >= 0
}

// HasFieldPrefix reports whether prefix names field or a part of it:
// "HostConfig.Binds[1]" is a prefix of "HostConfig.Binds[1]" and
// "HostConfig.Binds[1].x", not of "HostConfig.Binds[10]".
func HasFieldPrefix(field, prefix string) bool {
	if !strings.HasPrefix(field, prefix) {
		return false
	}
	rest := field[len(prefix):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// Parse reads the words after "docker" (or after the docker binary's
// path). It returns nil and no error for commands that create nothing
// and administer nothing (docker build, docker ps...).
func Parse(args []string) (*Command, error) {
	global := newFlagSet(globalFlags)
	var hosts []Arg
	loc := newLocator(global, args, 0)
	err := global.ParseAll(args, func(f *pflag.Flag, v string) error {
		i := loc.find(f)
		if f.Name == "host" {
			hosts = append(hosts, Arg{v, i})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docker: %v", err)
	}
	rest := global.Args()
	at := len(args) - len(rest)
	if len(rest) > 1 && rest[0] == "container" {
		rest, at = rest[1:], at+1
	}
	if len(rest) == 0 {
		return nil, nil
	}
	var c *Command
	switch rest[0] {
	case "run", "create":
		c, err = parseCreate(rest[0], rest[1:], at+1, hosts, true)
	case "exec":
		c, err = parseExec(rest[1:], at+1, hosts)
	case "plugin", "swarm", "node", "service", "stack":
		c = parseAdmin(rest, at, hosts)
	default:
		return nil, nil
	}
	return c, err
}

// ParseCreateOptions reads docker create options without an image, such as
// GitHub Actions' container.options, which the runner passes to docker
// create.
func ParseCreateOptions(args []string) (*Command, error) {
	return parseCreate("create", args, 0, nil, false)
}

func parseCreate(verb string, args []string, offset int, hosts []Arg, wantImage bool) (*Command, error) {
	fs := newFlagSet(containerFlags)
	b := newCreateBuilder(verb)
	b.c.Hosts = hosts
	loc := newLocator(fs, args, offset)
	err := fs.ParseAll(args, func(f *pflag.Flag, v string) error {
		b.add(f.Name, v, loc.find(f))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docker %s: %v", verb, err)
	}
	if wantImage {
		if fs.NArg() == 0 {
			return nil, fmt.Errorf("docker %s: no image", verb)
		}
		b.c.Image = fs.Arg(0)
	}
	return b.finish(), nil
}

func parseExec(args []string, offset int, hosts []Arg) (*Command, error) {
	fs := newFlagSet(execFlags)
	e := &container.ExecCreateRequest{}
	c := &Command{Verb: "exec", Request: &checks.Request{Exec: e}, Hosts: hosts}
	loc := newLocator(fs, args, offset)
	err := fs.ParseAll(args, func(f *pflag.Flag, v string) error {
		i := loc.find(f)
		switch f.Name {
		case "privileged":
			if on, err := strconv.ParseBool(v); err == nil {
				e.Privileged = on
				c.Origins = append(c.Origins, Origin{"Privileged", i})
			}
		case "user":
			e.User = v
			c.Origins = append(c.Origins, Origin{"User", i})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docker exec: %v", err)
	}
	return c, nil
}

// adminEndpoints are the API calls of the docker commands that change
// the daemon itself (route.DaemonAdmin), "{name}" standing for the
// command's first argument.
var adminEndpoints = map[string]struct{ endpoint, family string }{
	"plugin install":   {"POST /plugins/pull", "plugins"},
	"plugin create":    {"POST /plugins/create", "plugins"},
	"plugin enable":    {"POST /plugins/{name}/enable", "plugins"},
	"plugin disable":   {"POST /plugins/{name}/disable", "plugins"},
	"plugin set":       {"POST /plugins/{name}/set", "plugins"},
	"plugin upgrade":   {"POST /plugins/{name}/upgrade", "plugins"},
	"plugin push":      {"POST /plugins/{name}/push", "plugins"},
	"plugin rm":        {"DELETE /plugins/{name}", "plugins"},
	"plugin remove":    {"DELETE /plugins/{name}", "plugins"},
	"swarm init":       {"POST /swarm/init", "swarm"},
	"swarm join":       {"POST /swarm/join", "swarm"},
	"swarm update":     {"POST /swarm/update", "swarm"},
	"swarm ca":         {"POST /swarm/update", "swarm"},
	"swarm unlock":     {"POST /swarm/unlock", "swarm"},
	"node update":      {"POST /nodes/{name}/update", "nodes"},
	"node promote":     {"POST /nodes/{name}/update", "nodes"},
	"node demote":      {"POST /nodes/{name}/update", "nodes"},
	"service create":   {"POST /services/create", "services"},
	"service update":   {"POST /services/{name}/update", "services"},
	"service scale":    {"POST /services/{name}/update", "services"},
	"service rollback": {"POST /services/{name}/update", "services"},
	"stack deploy":     {"POST /services/create", "services"},
	"stack up":         {"POST /services/create", "services"},
}

// parseAdmin reads docker plugin/swarm/node/service/stack commands into the
// daemon administration request they send; read-only ones (ls, inspect,
// ps) give nil.
func parseAdmin(args []string, at int, hosts []Arg) *Command {
	if len(args) < 2 {
		return nil
	}
	verb := args[0] + " " + args[1]
	ep, ok := adminEndpoints[verb]
	if !ok {
		return nil
	}
	name := "{name}"
	for _, a := range args[2:] {
		if !strings.HasPrefix(a, "-") {
			name = a
			break
		}
	}
	return &Command{
		Verb:    verb,
		Request: &checks.Request{AdminAction: strings.Replace(ep.endpoint, "{name}", name, 1), AdminFamily: ep.family},
		Hosts:   hosts,
		Origins: []Origin{{"endpoint", at + 1}},
	}
}

// createBuilder turns flag occurrences into a create request the way the
// CLI's parse() does (cli/command/container/opts.go).
type createBuilder struct {
	c         *Command
	hc        *container.HostConfig
	apiSocket int // index of --use-api-socket, or -1
}

func newCreateBuilder(verb string) *createBuilder {
	hc := &container.HostConfig{}
	return &createBuilder{
		c: &Command{Verb: verb, Request: &checks.Request{
			HostConfigs: []checks.HostConfig{{Path: "HostConfig", HostConfig: hc}},
		}},
		hc:        hc,
		apiSocket: -1,
	}
}

func (b *createBuilder) origin(field string, i int) {
	b.c.Origins = append(b.c.Origins, Origin{"HostConfig." + field, i})
}

func (b *createBuilder) ignore(flag, value, why string) {
	b.c.Ignored = append(b.c.Ignored, fmt.Sprintf("--%s %s: %s", flag, value, why))
}

// add applies one occurrence of a flag; i is its argument index.
func (b *createBuilder) add(name, v string, i int) {
	hc := b.hc
	switch name {
	case "privileged":
		on, err := strconv.ParseBool(v)
		if err != nil {
			b.ignore(name, v, "not a boolean")
			return
		}
		hc.Privileged = on
		b.origin("Privileged", i)
	case "use-api-socket":
		if on, _ := strconv.ParseBool(v); on {
			b.apiSocket = i
		} else {
			b.apiSocket = -1
		}
	case "volume":
		// The CLI splits -v like Compose (loader.ParseVolume) and sends
		// every entry with a source as a Binds string, as written.
		vol, err := format.ParseVolume(v)
		if err != nil {
			b.ignore(name, v, err.Error())
			return
		}
		if vol.Source != "" {
			b.origin(fmt.Sprintf("Binds[%d]", len(hc.Binds)), i)
			hc.Binds = append(hc.Binds, v)
		}
	case "mount":
		m, err := parseMount(v)
		if err != nil {
			b.ignore(name, v, err.Error())
			return
		}
		b.origin(fmt.Sprintf("Mounts[%d]", len(hc.Mounts)), i)
		hc.Mounts = append(hc.Mounts, m)
	case "cap-add":
		b.origin(fmt.Sprintf("CapAdd[%d]", len(hc.CapAdd)), i)
		hc.CapAdd = append(hc.CapAdd, v)
	case "cap-drop":
		b.origin(fmt.Sprintf("CapDrop[%d]", len(hc.CapDrop)), i)
		hc.CapDrop = append(hc.CapDrop, v)
	case "device":
		b.device(v, i)
	case "gpus":
		b.origin(fmt.Sprintf("DeviceRequests[%d]", len(hc.DeviceRequests)), i)
		hc.DeviceRequests = append(hc.DeviceRequests, container.DeviceRequest{Count: -1, Capabilities: [][]string{{"gpu"}}, Options: map[string]string{"gpus": v}})
	case "device-cgroup-rule":
		b.origin(fmt.Sprintf("DeviceCgroupRules[%d]", len(hc.DeviceCgroupRules)), i)
		hc.DeviceCgroupRules = append(hc.DeviceCgroupRules, v)
	case "security-opt":
		if v == "systempaths=unconfined" {
			// Handled by the CLI: it sends empty MaskedPaths and
			// ReadonlyPaths instead (parseSystemPaths).
			hc.MaskedPaths, hc.ReadonlyPaths = []string{}, []string{}
			b.origin("MaskedPaths", i)
			b.origin("ReadonlyPaths", i)
			return
		}
		b.origin(fmt.Sprintf("SecurityOpt[%d]", len(hc.SecurityOpt)), i)
		hc.SecurityOpt = append(hc.SecurityOpt, v)
	case "sysctl":
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			b.ignore(name, v, "not key=value")
			return
		}
		if hc.Sysctls == nil {
			hc.Sysctls = map[string]string{}
		}
		hc.Sysctls[k] = val
		b.origin("Sysctls."+k, i)
	case "annotation":
		k, val, _ := strings.Cut(v, "=")
		if hc.Annotations == nil {
			hc.Annotations = map[string]string{}
		}
		hc.Annotations[k] = val
		b.origin("Annotations."+k, i)
	case "tmpfs":
		k, val, _ := strings.Cut(v, ":")
		if hc.Tmpfs == nil {
			hc.Tmpfs = map[string]string{}
		}
		hc.Tmpfs[k] = val
		b.origin("Tmpfs", i)
	case "volumes-from":
		b.origin(fmt.Sprintf("VolumesFrom[%d]", len(hc.VolumesFrom)), i)
		hc.VolumesFrom = append(hc.VolumesFrom, v)
	case "group-add":
		b.origin(fmt.Sprintf("GroupAdd[%d]", len(hc.GroupAdd)), i)
		hc.GroupAdd = append(hc.GroupAdd, v)
	case "pid":
		hc.PidMode = container.PidMode(v)
		b.origin("PidMode", i)
	case "ipc":
		hc.IpcMode = container.IpcMode(v)
		b.origin("IpcMode", i)
	case "uts":
		hc.UTSMode = container.UTSMode(v)
		b.origin("UTSMode", i)
	case "userns":
		hc.UsernsMode = container.UsernsMode(v)
		b.origin("UsernsMode", i)
	case "cgroupns":
		hc.CgroupnsMode = container.CgroupnsMode(v)
		b.origin("CgroupnsMode", i)
	case "cgroup-parent":
		hc.CgroupParent = v
		b.origin("CgroupParent", i)
	case "runtime":
		hc.Runtime = v
		b.origin("Runtime", i)
	case "net", "network":
		// NetworkOpt.NetworkMode: the first --network names the mode; the
		// advanced syntax names it with name=.
		if hc.NetworkMode != "" {
			return
		}
		hc.NetworkMode = container.NetworkMode(networkName(v))
		b.origin("NetworkMode", i)
	}
}

// device adds --device the way the CLI reads it on a Linux daemon: a CDI
// name becomes a device request, anything else "src[:dst][:perms]".
func (b *createBuilder) device(v string, i int) {
	hc := b.hc
	if IsCDIName(v) {
		b.origin(fmt.Sprintf("DeviceRequests[%d]", len(hc.DeviceRequests)), i)
		hc.DeviceRequests = append(hc.DeviceRequests, container.DeviceRequest{Driver: "cdi", DeviceIDs: []string{v}})
		return
	}
	d, err := parseLinuxDevice(v)
	if err != nil {
		b.ignore("device", v, err.Error())
		return
	}
	b.origin(fmt.Sprintf("Devices[%d]", len(hc.Devices)), i)
	hc.Devices = append(hc.Devices, d)
}

func (b *createBuilder) finish() *Command {
	if b.apiSocket >= 0 {
		// create.go: --use-api-socket binds the socket of the daemon the CLI
		// talks to (unix only) at /var/run/docker.sock.
		sock := "/var/run/docker.sock"
		for _, h := range b.c.Hosts {
			if p, ok := strings.CutPrefix(h.Value, "unix://"); ok {
				sock = p
			}
		}
		b.origin(fmt.Sprintf("Mounts[%d]", len(b.hc.Mounts)), b.apiSocket)
		b.hc.Mounts = append(b.hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: sock, Target: "/var/run/docker.sock"})
	}
	return b.c
}

// networkName is NetworkOpt's reading of a --network value: "name" or the
// CSV form "name=n,alias=a".
func networkName(v string) string {
	if !strings.Contains(v, "=") {
		return v
	}
	for _, field := range strings.Split(v, ",") {
		if k, val, ok := strings.Cut(field, "="); ok && strings.ToLower(k) == "name" {
			return val
		}
	}
	return v
}

// IsCDIName is the CDI parser's IsQualifiedName: vendor/class=name.
func IsCDIName(v string) bool {
	kind, name, ok := strings.Cut(v, "=")
	return ok && name != "" && strings.Contains(kind, "/") && !strings.Contains(kind, ":")
}

// parseLinuxDevice is the CLI's parseLinuxDevice.
func parseLinuxDevice(device string) (container.DeviceMapping, error) {
	var src, dst string
	permissions := "rwm"
	arr := strings.SplitN(device, ":", 4)
	switch len(arr) {
	case 3:
		permissions = arr[2]
		fallthrough
	case 2:
		if validDeviceMode(arr[1]) {
			permissions = arr[1]
		} else {
			dst = arr[1]
		}
		fallthrough
	case 1:
		src = arr[0]
	default:
		return container.DeviceMapping{}, fmt.Errorf("invalid device specification: %s", device)
	}
	if src == "" {
		return container.DeviceMapping{}, fmt.Errorf("bad format for path: %s", device)
	}
	if dst == "" {
		dst = src
	}
	return container.DeviceMapping{PathOnHost: src, PathInContainer: path.Clean(dst), CgroupPermissions: permissions}, nil
}

func validDeviceMode(mode string) bool {
	if mode == "" {
		return false
	}
	seen := map[rune]bool{}
	for _, c := range mode {
		if !strings.ContainsRune("rwm", c) || seen[c] {
			return false
		}
		seen[c] = true
	}
	return true
}

// locator finds the argument word of each flag occurrence. pflag reports
// occurrences in order, so a cursor finds them: a long flag is its own
// word; a shorthand is a letter of a "-abc" cluster, which can hold several
// (up to the first that takes a value: the rest of the word is its value).
type locator struct {
	fs     *pflag.FlagSet
	args   []string
	offset int
	cur    int
	used   map[int]string // shorthand letters already matched in a cluster
}

func newLocator(fs *pflag.FlagSet, args []string, offset int) *locator {
	return &locator{fs: fs, args: args, offset: offset, used: map[int]string{}}
}

func (l *locator) find(f *pflag.Flag) int {
	for j := l.cur; j < len(l.args); j++ {
		a := l.args[j]
		if a == "--"+f.Name || strings.HasPrefix(a, "--"+f.Name+"=") {
			l.cur = j + 1
			return l.offset + j
		}
		if f.Shorthand != "" && strings.Contains(l.cluster(a), f.Shorthand) && !strings.Contains(l.used[j], f.Shorthand) {
			l.used[j] += f.Shorthand
			l.cur = j
			return l.offset + j
		}
	}
	return l.offset + min(l.cur, max(len(l.args)-1, 0))
}

// cluster returns the shorthand letters of a "-abc" word.
func (l *locator) cluster(a string) string {
	if len(a) < 2 || a[0] != '-' || a[1] == '-' {
		return ""
	}
	for i := 1; i < len(a); i++ {
		if a[i] >= 0x80 { // pflag reads shorthands byte by byte; no flag is one
			return a[1:i]
		}
		f := l.fs.ShorthandLookup(a[i : i+1])
		if f == nil || f.NoOptDefVal == "" { // unknown, or takes a value
			return a[1 : i+1]
		}
	}
	return a[1:]
}
