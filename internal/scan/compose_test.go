package scan

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
)

// TestComposeRequest checks that every service key that reaches the host
// becomes the HostConfig field docker compose sends, placed at its line,
// whether or not a rule judges that field yet.
func TestComposeRequest(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  all:
    image: x
    devices:
      - /dev/kvm
      - source: /dev/sda
        target: /dev/xvda
        permissions: r
      - vendor.com/gpu=all
    pid: host
    ipc: host
    network_mode: service:other
    uts: host
    userns_mode: host
    cgroup: host
    cgroup_parent: /escape
    runtime: runsc
    security_opt: [seccomp=unconfined, apparmor=unconfined]
    sysctls:
      net.ipv4.ip_forward: 1
    volumes_from: [other]
    group_add: [docker]
    device_cgroup_rules: ['b 8:* rwm']
    gpus: all
    annotations:
      run.oci.keep_original_groups: "1"
    cap_drop: [NET_RAW]
    configs:
      - source: hostcfg
        target: /etc/app.conf
  other:
    image: y
    sysctls:
      - kernel.shm_rmid_forced=1
configs:
  hostcfg:
    file: /etc/passwd
`
	path := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(path, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	jobs, _, problems := composeJobs([]string{path})
	for _, p := range problems {
		t.Errorf("problem: %+v", p)
	}
	if len(jobs) != 2 {
		t.Fatalf("want 2 jobs, got %d", len(jobs))
	}
	all, other := jobs[0], jobs[1]
	hc := all.req.HostConfigs[0].HostConfig
	want := &container.HostConfig{
		CapDrop:      []string{"NET_RAW"},
		NetworkMode:  "container:other",
		IpcMode:      "host",
		PidMode:      "host",
		UTSMode:      "host",
		UsernsMode:   "host",
		CgroupnsMode: "host",
		Runtime:      "runsc",
		SecurityOpt:  []string{"seccomp=unconfined", "apparmor=unconfined"},
		Sysctls:      map[string]string{"net.ipv4.ip_forward": "1"},
		VolumesFrom:  []string{"other"},
		GroupAdd:     []string{"docker"},
		Annotations:  map[string]string{"run.oci.keep_original_groups": "1"},
		Mounts:       []mount.Mount{{Type: mount.TypeBind, Source: "/etc/passwd", Target: "/etc/app.conf", ReadOnly: true}},
		Resources: container.Resources{
			CgroupParent: "/escape",
			Devices: []container.DeviceMapping{
				{PathOnHost: "/dev/kvm", PathInContainer: "/dev/kvm", CgroupPermissions: "rwm"},
				{PathOnHost: "/dev/sda", PathInContainer: "/dev/xvda", CgroupPermissions: "r"},
			},
			DeviceCgroupRules: []string{"b 8:* rwm"},
			DeviceRequests: []container.DeviceRequest{
				{Driver: "cdi", DeviceIDs: []string{"vendor.com/gpu=all"}},
				{Count: -1, Capabilities: [][]string{{"gpu"}}},
			},
		},
	}
	if !reflect.DeepEqual(hc, want) {
		t.Errorf("HostConfig\n got %+v\nwant %+v", hc, want)
	}
	lines := map[string]int{}
	for _, o := range all.origins {
		lines[o.field] = o.loc.Line
	}
	for field, line := range map[string]int{
		"HostConfig.Devices[0]": 5, "HostConfig.Devices[1]": 6, "HostConfig.DeviceRequests[0]": 9,
		"HostConfig.PidMode": 10, "HostConfig.IpcMode": 11, "HostConfig.NetworkMode": 12,
		"HostConfig.UTSMode": 13, "HostConfig.UsernsMode": 14, "HostConfig.CgroupnsMode": 15,
		"HostConfig.CgroupParent": 16, "HostConfig.Runtime": 17, "HostConfig.SecurityOpt[1]": 18,
		"HostConfig.Sysctls.net.ipv4.ip_forward": 20, "HostConfig.VolumesFrom[0]": 21,
		"HostConfig.GroupAdd[0]": 22, "HostConfig.DeviceCgroupRules[0]": 23,
		"HostConfig.DeviceRequests[1]": 24, "HostConfig.Annotations.run.oci.keep_original_groups": 26,
		"HostConfig.Mounts[0]": 37,
	} {
		if lines[field] != line {
			t.Errorf("%s at line %d, want %d", field, lines[field], line)
		}
	}
	if o := other.origins; len(o) != 1 || o[0].field != "HostConfig.Sysctls.kernel.shm_rmid_forced" || o[0].loc.Line != 34 {
		t.Errorf("list-form sysctls: %+v", o)
	}
}

func TestComposeErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "compose.yaml")
	os.WriteFile(bad, []byte("services:\n  x:\n    image: x\n    privileged: maybe\n"), 0o644)
	r := Run([]string{bad, filepath.Join(dir, "docker-compose.missing.yml")}, nil)
	if !r.Failed() || len(r.Problems) != 2 {
		t.Fatalf("want two problems, got %+v", r.Problems)
	}
}
