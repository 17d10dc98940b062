package scan

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/volume"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/dockercli"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// scanCompose loads Compose files as one project, the way `docker compose
// -f a -f b` does (compose-go: merging, extends, include, interpolation
// from the environment and .env, every profile), turns each service into
// the container create request docker compose sends and each volume with
// driver options into its volume create request, and judges them.
func scanCompose(files []string, p *policy.Policy, r *Result) (read []string) {
	jobs, read, problems := composeJobs(files)
	r.Problems = append(r.Problems, problems...)
	for _, j := range jobs {
		r.judge(p, j)
	}
	return read
}

// composeJobs loads a Compose project and returns the requests docker
// compose would send for it, and the files it read besides files
// (includes, extends).
func composeJobs(files []string) ([]job, []string, []Problem) {
	var problems []Problem
	project, included, warnings, err := loadCompose(files)
	for _, w := range warnings {
		problems = append(problems, Problem{Location: Location{File: files[len(files)-1]}, Message: w, Warning: true})
	}
	if err != nil {
		msg := err.Error()
		for _, f := range files { // compose-go names files by absolute path
			if abs, aerr := filepath.Abs(f); aerr == nil {
				msg = strings.ReplaceAll(msg, abs, f)
			}
		}
		problems = append(problems, Problem{Location: Location{File: files[len(files)-1]}, Message: "not a valid Compose project: " + msg})
		return nil, nil, problems
	}
	l := &composeLocator{byPath: map[string]*yamlFile{}, env: project.Environment}
	for _, f := range append(slices.Clone(files), included...) {
		if yf := l.file(f); yf != nil {
			l.files = append(l.files, yf)
		}
	}
	var jobs []job
	names := project.ServiceNames()
	slices.Sort(names)
	for _, name := range names {
		jobs = append(jobs, serviceRequest(l, project, project.Services[name]).job)
	}
	for _, name := range sortedMapKeys(project.Volumes) {
		v := project.Volumes[name]
		if v.External || len(v.DriverOpts) == 0 {
			continue
		}
		at, key := l.findTop("volumes", name, "")
		j := job{kind: Compose, subject: fmt.Sprintf("volume %q", name), key: key, at: at,
			context: "docker compose creates this volume (POST /volumes/create) before the services that mount it",
			req:     &checks.Request{Volume: &volume.CreateRequest{Name: name, Driver: v.Driver, DriverOpts: v.DriverOpts}}}
		for k := range v.DriverOpts {
			loc, key := l.findTop("volumes", name, "driver_opts."+k)
			j.origins = append(j.origins, origin{field: "DriverOpts." + k, loc: loc, key: key})
		}
		jobs = append(jobs, j)
	}
	var read []string
	for _, p := range sortedMapKeys(l.byPath) {
		if l.byPath[p] != nil && !slices.Contains(files, p) {
			read = append(read, p)
		}
	}
	return jobs, read, problems
}

// loadCompose loads files with compose-go like the docker compose CLI. It
// also returns the files the project includes and compose-go's warnings
// (such as unset variables), which it would otherwise log.
func loadCompose(files []string) (*types.Project, []string, []string, error) {
	var included []string
	listener := func(event string, meta map[string]any) {
		if event != "include" {
			return
		}
		wd, _ := meta["workingdir"].(string)
		paths, _ := meta["path"].(types.StringList)
		for _, p := range paths {
			if !filepath.IsAbs(p) {
				p = filepath.Join(wd, p)
			}
			included = append(included, p)
		}
	}
	opts, err := cli.NewProjectOptions(files,
		cli.WithName("ci-authz-check"),
		cli.WithWorkingDirectory(filepath.Dir(files[0])),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
		// Relative bind sources stay relative: they name the checkout,
		// whose place on the CI host is unknown here.
		cli.WithResolvedPaths(false),
		// env_file and label_file name files a repository often leaves out
		// (secrets); they grant nothing.
		cli.WithoutEnvironmentResolution,
		cli.WithoutLabelsResolution,
		cli.WithLoadOptions(func(o *loader.Options) { o.Listeners = append(o.Listeners, listener) }),
	)
	if err != nil {
		return nil, nil, nil, err
	}
	var warnings []string
	restore := captureLogrus(&warnings)
	defer restore()
	project, err := opts.LoadProject(context.Background())
	return project, included, warnings, err
}

// captureLogrus collects what compose-go logs (it uses the standard
// logrus logger) instead of letting it reach the terminal.
func captureLogrus(into *[]string) func() {
	std := logrus.StandardLogger()
	out, hooks := std.Out, std.ReplaceHooks(logrus.LevelHooks{})
	std.SetOutput(io.Discard)
	std.AddHook(hookFunc(func(e *logrus.Entry) {
		if e.Level <= logrus.WarnLevel {
			*into = append(*into, e.Message)
		}
	}))
	return func() {
		std.SetOutput(out)
		std.ReplaceHooks(hooks)
	}
}

type hookFunc func(*logrus.Entry)

func (h hookFunc) Levels() []logrus.Level { return logrus.AllLevels }
func (h hookFunc) Fire(e *logrus.Entry) error {
	h(e)
	return nil
}

// serviceBuilder builds a service's create request and where each of its
// fields is written.
type serviceBuilder struct {
	l   *composeLocator
	svc string
	hc  *container.HostConfig
	job job
}

// origin records that field comes from the entry of key that match
// accepts (nil: the key's value).
func (b *serviceBuilder) origin(field, key string, match func(*yaml.Node) bool) {
	loc, k, ok := b.l.find(b.svc, key, match)
	if !ok {
		return
	}
	b.job.origins = append(b.job.origins, origin{field: "HostConfig." + field, loc: loc, key: k})
}

// serviceRequest turns a service into the container create request docker
// compose sends for it (docker/compose pkg/compose/create.go
// getCreateConfigs): the same HostConfig fields, bind and volume mounts
// as Mounts, file-based secrets and configs as read-only binds.
func serviceRequest(l *composeLocator, project *types.Project, s types.ServiceConfig) *serviceBuilder {
	hc := &container.HostConfig{}
	b := &serviceBuilder{l: l, svc: s.Name, hc: hc}
	at, key := l.findService(s.Name)
	b.job = job{kind: Compose, subject: fmt.Sprintf("service %q", s.Name), at: at, key: key,
		req: &checks.Request{HostConfigs: []checks.HostConfig{{Path: "HostConfig", HostConfig: hc}}}}
	equal := func(want string) func(*yaml.Node) bool {
		return func(n *yaml.Node) bool { return l.interp(str(n)) == want }
	}

	if s.Privileged {
		hc.Privileged = true
		b.origin("Privileged", "privileged", nil)
	}
	for _, c := range s.CapAdd {
		b.origin(fmt.Sprintf("CapAdd[%d]", len(hc.CapAdd)), "cap_add", equal(c))
		hc.CapAdd = append(hc.CapAdd, c)
	}
	hc.CapDrop = s.CapDrop
	for _, d := range s.Devices {
		match := func(n *yaml.Node) bool {
			if r := resolve(n); r.Kind == yaml.MappingNode {
				return l.interp(str(value(r, "source"))) == d.Source
			}
			src, _, _ := strings.Cut(l.interp(str(n)), ":")
			return src == d.Source
		}
		if dockercli.IsCDIName(d.Source) {
			b.origin(fmt.Sprintf("DeviceRequests[%d]", len(hc.DeviceRequests)), "devices", match)
			hc.DeviceRequests = append(hc.DeviceRequests, container.DeviceRequest{Driver: "cdi", DeviceIDs: []string{d.Source}})
			continue
		}
		perms := d.Permissions
		if perms == "" {
			perms = "rwm"
		}
		b.origin(fmt.Sprintf("Devices[%d]", len(hc.Devices)), "devices", match)
		hc.Devices = append(hc.Devices, container.DeviceMapping{PathOnHost: d.Source, PathInContainer: d.Target, CgroupPermissions: perms})
	}
	for _, g := range s.Gpus {
		// gpus: is a request for the "gpu" capability (docker compose
		// create.go, like docker run --gpus).
		if !slices.Contains(g.Capabilities, "gpu") {
			g.Capabilities = append(slices.Clone(g.Capabilities), "gpu")
		}
		b.origin(fmt.Sprintf("DeviceRequests[%d]", len(hc.DeviceRequests)), "gpus", nil)
		hc.DeviceRequests = append(hc.DeviceRequests, deviceRequest(g))
	}
	if s.Deploy != nil && s.Deploy.Resources.Reservations != nil {
		for _, g := range s.Deploy.Resources.Reservations.Devices {
			b.origin(fmt.Sprintf("DeviceRequests[%d]", len(hc.DeviceRequests)), "deploy", nil)
			hc.DeviceRequests = append(hc.DeviceRequests, deviceRequest(g))
		}
	}
	for _, r := range s.DeviceCgroupRules {
		b.origin(fmt.Sprintf("DeviceCgroupRules[%d]", len(hc.DeviceCgroupRules)), "device_cgroup_rules", equal(r))
		hc.DeviceCgroupRules = append(hc.DeviceCgroupRules, r)
	}
	for _, o := range s.SecurityOpt {
		b.origin(fmt.Sprintf("SecurityOpt[%d]", len(hc.SecurityOpt)), "security_opt", equal(o))
		hc.SecurityOpt = append(hc.SecurityOpt, o)
	}
	for _, v := range s.VolumesFrom {
		b.origin(fmt.Sprintf("VolumesFrom[%d]", len(hc.VolumesFrom)), "volumes_from", equal(v))
		hc.VolumesFrom = append(hc.VolumesFrom, v)
	}
	for _, g := range s.GroupAdd {
		b.origin(fmt.Sprintf("GroupAdd[%d]", len(hc.GroupAdd)), "group_add", equal(g))
		hc.GroupAdd = append(hc.GroupAdd, g)
	}
	for _, m := range []struct {
		set        *string
		value      string
		field, key string
	}{
		{(*string)(&hc.PidMode), s.Pid, "PidMode", "pid"},
		{(*string)(&hc.IpcMode), s.Ipc, "IpcMode", "ipc"},
		{(*string)(&hc.NetworkMode), s.NetworkMode, "NetworkMode", "network_mode"},
		{(*string)(&hc.UTSMode), s.Uts, "UTSMode", "uts"},
		{(*string)(&hc.UsernsMode), s.UserNSMode, "UsernsMode", "userns_mode"},
		{(*string)(&hc.CgroupnsMode), s.Cgroup, "CgroupnsMode", "cgroup"},
		{&hc.CgroupParent, s.CgroupParent, "CgroupParent", "cgroup_parent"},
		{&hc.Runtime, s.Runtime, "Runtime", "runtime"},
	} {
		if m.value != "" {
			// docker compose turns "service:x" into "container:<x's id>".
			*m.set = m.value
			if svc, ok := strings.CutPrefix(m.value, types.ServicePrefix); ok {
				*m.set = types.ContainerPrefix + svc
			}
			b.origin(m.field, m.key, nil)
		}
	}
	for _, k := range sortedMapKeys(s.Sysctls) {
		if hc.Sysctls == nil {
			hc.Sysctls = map[string]string{}
		}
		hc.Sysctls[k] = s.Sysctls[k]
		b.origin("Sysctls."+k, "sysctls", l.entryNamed(k))
	}
	for _, k := range sortedMapKeys(s.Annotations) {
		if hc.Annotations == nil {
			hc.Annotations = map[string]string{}
		}
		hc.Annotations[k] = s.Annotations[k]
		b.origin("Annotations."+k, "annotations", l.entryNamed(k))
	}
	for _, v := range s.Volumes {
		target := path.Clean(v.Target)
		match := func(n *yaml.Node) bool {
			if r := resolve(n); r.Kind == yaml.MappingNode {
				return path.Clean(l.interp(str(value(r, "target")))) == target
			}
			parsed, err := format.ParseVolume(l.interp(str(n)))
			return err == nil && path.Clean(parsed.Target) == target
		}
		m := mount.Mount{Type: mount.Type(v.Type), Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly}
		b.origin(fmt.Sprintf("Mounts[%d]", len(hc.Mounts)), "volumes", match)
		hc.Mounts = append(hc.Mounts, m)
	}
	for _, ref := range s.Secrets {
		def, ok := project.Secrets[ref.Source]
		b.fileMount(types.FileObjectConfig(def), ok, types.FileReferenceConfig(ref), "secrets", "/run/secrets/")
	}
	for _, ref := range s.Configs {
		def, ok := project.Configs[ref.Source]
		b.fileMount(types.FileObjectConfig(def), ok, types.FileReferenceConfig(ref), "configs", "/")
	}
	return b
}

// fileMount adds the read-only bind docker compose makes for a secret or
// config defined by a file (buildContainerSecretMounts,
// buildContainerConfigMounts); content and environment ones are copied in.
func (b *serviceBuilder) fileMount(def types.FileObjectConfig, ok bool, ref types.FileReferenceConfig, section, dir string) {
	if !ok || def.File == "" || bool(def.External) {
		return
	}
	target := ref.Target
	if target == "" {
		target = dir + ref.Source
	} else if !path.IsAbs(target) {
		target = dir + target
	}
	loc, key := b.l.findTop(section, ref.Source, "file")
	b.job.origins = append(b.job.origins, origin{field: fmt.Sprintf("HostConfig.Mounts[%d]", len(b.hc.Mounts)), loc: loc, key: key})
	b.hc.Mounts = append(b.hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: def.File, Target: target, ReadOnly: true})
}

func deviceRequest(d types.DeviceRequest) container.DeviceRequest {
	r := container.DeviceRequest{Driver: d.Driver, Count: int(d.Count), DeviceIDs: d.IDs}
	if len(d.Capabilities) > 0 {
		r.Capabilities = [][]string{d.Capabilities}
	}
	return r
}

func sortedMapKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// composeLocator finds where in the Compose files a value is written.
type composeLocator struct {
	files  []*yamlFile // in load order: later files override earlier ones
	byPath map[string]*yamlFile
	env    types.Mapping
}

// file reads a Compose file once; nil if it cannot be read (compose-go
// has already read it, so this does not happen in practice).
func (l *composeLocator) file(p string) *yamlFile {
	if f, ok := l.byPath[p]; ok {
		return f
	}
	f, err := readYAML(p)
	if err != nil {
		f = nil
	}
	l.byPath[p] = f
	return f
}

// interp interpolates a value like compose-go did, for comparing what is
// written with what was loaded.
func (l *composeLocator) interp(s string) string {
	out, err := template.Substitute(s, func(name string) (string, bool) {
		v, ok := l.env[name]
		return v, ok
	})
	if err != nil {
		return s
	}
	return out
}

// entryNamed matches "name=value" list entries.
func (l *composeLocator) entryNamed(name string) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		k, _, _ := strings.Cut(l.interp(str(n)), "=")
		return k == name
	}
}

// serviceRef is a service definition in one file.
type serviceRef struct {
	f    *yamlFile
	name string
}

// definitions lists where a service is defined: in every file, last file
// first (it overrides), then the services it extends, in order.
func (l *composeLocator) definitions(service string) []serviceRef {
	var queue, out []serviceRef
	for i := len(l.files) - 1; i >= 0; i-- {
		queue = append(queue, serviceRef{l.files[i], service})
	}
	seen := map[serviceRef]bool{}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if ref.f == nil || seen[ref] {
			continue
		}
		seen[ref] = true
		for _, doc := range ref.f.docs {
			if value(value(doc, "services"), ref.name) == nil {
				continue
			}
			out = append(out, ref)
			ext := value(value(value(doc, "services"), ref.name), "extends")
			switch {
			case ext == nil:
			case ext.Kind == yaml.ScalarNode:
				queue = append(queue, serviceRef{ref.f, l.interp(ext.Value)})
			default:
				base, file := l.interp(str(value(ext, "service"))), l.interp(str(value(ext, "file")))
				target := ref.f
				if file != "" {
					if !filepath.IsAbs(file) {
						file = filepath.Join(filepath.Dir(ref.f.path), file)
					}
					target = l.file(file)
				}
				queue = append(queue, serviceRef{target, base})
			}
		}
	}
	return out
}

// find locates the entry of key in a service that match accepts (nil:
// the key's value), searching the definitions in order. When no entry
// matches, the key itself is the best place.
func (l *composeLocator) find(service, key string, match func(*yaml.Node) bool) (Location, string, bool) {
	var fallback *Location
	var fallbackKey string
	for _, ref := range l.definitions(service) {
		for _, doc := range ref.f.docs {
			svc := value(value(doc, "services"), ref.name)
			e, ok := get(svc, key)
			if !ok {
				continue
			}
			prefix := "services." + ref.name + "." + key
			if match == nil {
				return nodeLoc(ref.f, e.value), prefix, true
			}
			v := resolve(e.value)
			if v.Kind == yaml.MappingNode { // sysctls, annotations: matched as "key=value"
				for _, kv := range pairs(v) {
					if match(&yaml.Node{Kind: yaml.ScalarNode, Value: kv.key.Value + "=" + str(kv.value)}) {
						return nodeLoc(ref.f, kv.key), prefix + "." + kv.key.Value, true
					}
				}
			}
			for i, it := range items(v) {
				if match(it) {
					return nodeLoc(ref.f, it), fmt.Sprintf("%s[%d]", prefix, i), true
				}
			}
			if fallback == nil {
				loc := nodeLoc(ref.f, e.key)
				fallback, fallbackKey = &loc, prefix
			}
		}
	}
	if fallback != nil {
		return *fallback, fallbackKey, true
	}
	return Location{}, "", false
}

// findService locates a service's name, in its last definition.
func (l *composeLocator) findService(service string) (Location, string) {
	for _, ref := range l.definitions(service) {
		for _, doc := range ref.f.docs {
			if e, ok := get(value(doc, "services"), ref.name); ok {
				return nodeLoc(ref.f, e.key), "services." + ref.name
			}
		}
	}
	return Location{File: l.files[len(l.files)-1].path, Line: 1, Column: 1}, "services." + service
}

// findTop locates a top-level resource (volumes, secrets, configs) entry,
// its dotted sub-key if given, last file first.
func (l *composeLocator) findTop(section, name, sub string) (Location, string) {
	key := section + "." + name
	for i := len(l.files) - 1; i >= 0; i-- {
		f := l.files[i]
		for _, doc := range f.docs {
			e, ok := get(value(doc, section), name)
			if !ok {
				continue
			}
			at := e.key
			node := resolve(e.value)
			for _, part := range strings.Split(sub, ".") {
				if part == "" {
					break
				}
				se, ok := get(node, part)
				if !ok {
					break
				}
				at, node = se.value, resolve(se.value)
			}
			if sub != "" {
				key += "." + sub
			}
			return nodeLoc(f, at), key
		}
	}
	return Location{File: l.files[len(l.files)-1].path, Line: 1, Column: 1}, key
}

func nodeLoc(f *yamlFile, n *yaml.Node) Location {
	return Location{File: f.path, Line: n.Line, Column: n.Column}
}
