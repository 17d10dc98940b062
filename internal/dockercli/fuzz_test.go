package dockercli

import (
	"strings"
	"testing"
)

// FuzzParse: any command line parses without panicking, and every origin
// points at one of its arguments.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"run --rm --privileged -itv /a:/b --mount type=bind,src=/run,dst=/h x sh",
		"-H unix:///x -Hx --host=y container create --use-api-socket --device vendor.com/gpu=all x",
		"exec -u 0 --privileged c sh", "plugin disable -f ci-authz", "run -v ::: --network name=host x",
		"run --sysctl a=b --security-opt systempaths=unconfined --gpus all x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		c, _ := Parse(args)
		if c == nil {
			return
		}
		for _, o := range c.Origins {
			if o.Index < 0 || o.Index >= len(args) {
				t.Fatalf("origin %+v outside the %d arguments of %q", o, len(args), line)
			}
		}
		for _, h := range c.Hosts {
			if h.Index < 0 || h.Index >= len(args) {
				t.Fatalf("host %+v outside the %d arguments of %q", h, len(args), line)
			}
		}
	})
}
