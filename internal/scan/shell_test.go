package scan

import (
	"testing"
)

func TestScanShell(t *testing.T) {
	script := `set -eu
SOCK=/var/run/docker.sock
export DOCKER_HOST=unix://$SOCK
docker build -t x .
sudo -E docker run --rm \
  -v "$SOCK:$SOCK" \
  --privileged $IMAGE make test
out=$(docker container create --cap-add SYS_ADMIN busybox)
sh -c "docker exec --privileged box true"
echo docker run --privileged x
`
	s := scanShell(script, map[string]string{"IMAGE": "golang:1.26"})
	if len(s.errs) != 0 {
		t.Fatalf("errors: %+v", s.errs)
	}
	if len(s.calls) != 3 {
		t.Fatalf("want 3 docker calls (run, create, exec), got %d: %+v", len(s.calls), s.calls)
	}
	run := s.calls[0]
	hc := run.cmd.Request.HostConfigs[0]
	if run.cmd.Image != "golang:1.26" || !hc.Privileged || len(hc.Binds) != 1 || hc.Binds[0] != "/var/run/docker.sock:/var/run/docker.sock" {
		t.Fatalf("run: image %q %+v", run.cmd.Image, hc.HostConfig)
	}
	if p := run.pos; p.Line() != 5 || p.Col() != 9 {
		t.Errorf("docker word at %d:%d, want 5:9", p.Line(), p.Col())
	}
	i, _ := run.cmd.Origin("HostConfig.Binds[0]")
	if p := run.argPos[i]; p.Line() != 6 || p.Col() != 3 {
		t.Errorf("-v at %d:%d, want 6:3", p.Line(), p.Col())
	}
	i, _ = run.cmd.Origin("HostConfig.Privileged")
	if p := run.argPos[i]; p.Line() != 7 || p.Col() != 3 {
		t.Errorf("--privileged at %d:%d, want 7:3", p.Line(), p.Col())
	}
	if c := s.calls[1]; c.cmd.Verb != "create" || c.pos.Line() != 8 {
		t.Errorf("create in $(...): %+v at line %d", c.cmd, c.pos.Line())
	}
	if c := s.calls[2]; c.cmd.Verb != "exec" || !c.cmd.Request.Exec.Privileged || c.pos.Line() != 9 {
		t.Errorf("exec in sh -c: %+v", c.cmd)
	}
	var host *assignment
	for k := range s.assigns {
		if s.assigns[k].name == "DOCKER_HOST" {
			host = &s.assigns[k]
		}
	}
	if host == nil || host.value != "unix:///var/run/docker.sock" || host.pos.Line() != 3 {
		t.Errorf("DOCKER_HOST assignment: %+v", host)
	}
}

func TestScanShellFallsBackToLines(t *testing.T) {
	script := "if [ x ]; then\ndocker run --privileged x\n{{ template }} ("
	s := scanShell(script, nil)
	if len(s.calls) != 1 || s.calls[0].pos.Line() != 2 {
		t.Fatalf("calls %+v", s.calls)
	}
	i, _ := s.calls[0].cmd.Origin("HostConfig.Privileged")
	if off := s.calls[0].argPos[i].Offset(); script[off:off+12] != "--privileged" {
		t.Errorf("offset %d is %q, not the flag", off, script[off:])
	}
	bad := scanShell("docker run --no-such-flag x", nil)
	if len(bad.errs) != 1 || len(bad.calls) != 0 {
		t.Fatalf("an unreadable docker run is reported: %+v", bad)
	}
}
