//go:build e2e

package e2e

// Swarm: tasks are created by the node's executor, not through the HTTP API,
// so a service's mounts and capabilities never reach an authorization plugin
// on the node. The only checkpoints are POST /swarm/init|join and
// POST /services/create|update.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBypassSwarmService(t *testing.T) {
	d, p := mustLegacy(t)
	lport, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dport, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r := d.docker("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", fmt.Sprintf("127.0.0.1:%d", lport), "--data-path-port", fmt.Sprint(dport))
	if r.code != 0 {
		if strings.Contains(r.stderr, deniedPrefix) {
			return // denied: nothing more to check
		}
		t.Fatalf("swarm init failed for another reason than authz: %s", r)
	}
	defer func() {
		if r := d.docker("swarm", "leave", "--force"); r.code != 0 {
			t.Errorf("swarm leave: %s", r)
		}
	}()
	t.Logf("step 1 allowed: `docker swarm init`")
	svc := uniq("svc")
	r = d.docker("service", "create", "--detach", "--name", svc, "--restart-condition", "none",
		"--mount", "type=bind,src=/run,dst=/h,readonly", "--cap-add", "SYS_ADMIN",
		image, "sh", "-c", "ls /h/docker/plugins; grep CapEff /proc/self/status")
	if r.code != 0 {
		wantDeniedCLI(t, r, p.name, "")
		return
	}
	defer d.docker("service", "rm", svc)
	// Wait (bounded) for the task container to finish, then read its output.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ps := d.docker("ps", "-a", "--filter", "label=com.docker.swarm.service.name="+svc, "--format", "{{.ID}} {{.Status}}")
		if f := strings.Fields(ps.stdout); len(f) >= 2 && f[1] == "Exited" {
			out := d.docker("logs", f[0]).stdout
			t.Errorf("BYPASS (hostSockets, capabilities): `docker swarm init` then `docker service create --mount type=bind,src=/run,dst=/h --cap-add SYS_ADMIN ...` runs a task with the host's /run and CAP_SYS_ADMIN; its output:\n%s", out)
			if !strings.Contains(out, p.name+".sock") {
				t.Logf("(the task did not list %s.sock)", p.name)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("BYPASS (hostSockets, capabilities): service with a /run bind and SYS_ADMIN was accepted (%s); its task did not finish within 60s", svc)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}
