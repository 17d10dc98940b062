// Package e2e holds the end-to-end tests of ci-authz against a real dockerd.
//
// The tests live in files with the build tag "e2e" and need root, dockerd,
// containerd, runc, the docker CLI and busybox-static:
//
//	make e2e
//	# or, from the repository root (builds bin/ci-authz and build/plugin itself):
//	sudo go test -tags e2e -count=1 -timeout 9m -v ./e2e/
//
// Every daemon the suite starts is private (own data-root, exec-root, socket,
// config file, no bridge, no iptables) and lives in a temporary directory; the
// host's Docker daemon and /etc/docker are never touched. Outside CI (CI !=
// "true") the suite skips when it is not root or cannot set up dockerd; in CI it
// fails instead.
package e2e
