#!/bin/sh
# demo.sh: show ci-authz enforcing on a private, throw-away Docker daemon.
#
# Run as root, after `make build` (make demo does both). It
#   - installs docker.io and busybox-static with apt-get if they are missing
#     (without starting the host's docker service),
#   - starts ci-authz as a legacy plugin with the built-in default policy,
#   - starts a private dockerd that uses it (own data-root, exec-root, socket
#     and config file in a temp dir; no bridge, no iptables),
#   - imports a tiny busybox image (no registry needed),
#   - shows, through the real docker CLI, what is denied and what runs,
#   - prints the plugin's audit log of those decisions,
#   - and removes everything it started (trap on EXIT).
# The host's Docker daemon, /etc/docker and /etc/ci-authz are not touched.
# Exit status 0 means every expectation held.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BIN=${CI_AUTHZ_BIN:-$root/bin/ci-authz}
NAME=ci-authz-demo-$$
SOCK=/run/docker/plugins/$NAME.sock
IMAGE=ci-authz-demo-busybox:latest

if [ -t 1 ]; then B=$(printf '\033[1m'); G=$(printf '\033[32m'); R=$(printf '\033[31m'); N=$(printf '\033[0m'); else B= G= R= N=; fi
say() { printf '%s\n' "$*"; }
heading() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
die() { printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it starts a private dockerd): sudo make demo"
[ -x "$BIN" ] || die "$BIN not found; run 'make build' first (or 'make demo')"

# --- tools -----------------------------------------------------------------
busybox=
for p in /bin/busybox /usr/bin/busybox; do [ -x "$p" ] && busybox=$p && break; done
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1 || [ -z "$busybox" ]; then
	command -v apt-get >/dev/null 2>&1 || die "dockerd, docker and busybox are needed and there is no apt-get to install them"
	heading "Installing docker.io and busybox-static (apt-get)"
	# Keep the package's postinst from starting the host's docker service.
	made_policy_rc=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy_rc=1
	fi
	rc=0
	{ DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io busybox-static; } || rc=$?
	[ -n "$made_policy_rc" ] && rm -f /usr/sbin/policy-rc.d
	[ "$rc" = 0 ] || die "apt-get install docker.io busybox-static failed"
	for p in /bin/busybox /usr/bin/busybox; do [ -x "$p" ] && busybox=$p && break; done
	[ -n "$busybox" ] || die "busybox still missing"
fi

# --- private state and cleanup ---------------------------------------------
tmp=$(mktemp -d /tmp/ci-authz-demo.XXXXXX)
chmod 711 "$tmp"
DOCKERD_PID=
PLUGIN_PID=

stop_pid() { # stop_pid PID WHAT: SIGTERM, wait up to 20 s, then SIGKILL
	[ -n "$1" ] || return 0
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	if kill -0 "$1" 2>/dev/null; then
		say "demo: $2 (pid $1) did not stop; SIGKILL" >&2
		kill -KILL "$1" 2>/dev/null || true
	fi
}

unmount_under() { # lazily unmount everything at or below $1, deepest first
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print length($5) " " $5 }' /proc/self/mountinfo |
		sort -rn | cut -d' ' -f2- | while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	set +e
	stop_pid "$DOCKERD_PID" dockerd
	stop_pid "$PLUGIN_PID" "ci-authz serve"
	# containerd and shims started by our dockerd name our temp dir.
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = "$$" ] && continue
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$tmp/"; then kill -KILL "$pid" 2>/dev/null; fi
	done
	unmount_under "$tmp"
	rm -f "$SOCK"
	rm -rf "$tmp"
	if [ "$rc" = 0 ]; then
		printf '\n%sdemo: every expectation held; private daemon and plugin stopped, %s removed.%s\n' "$G" "$tmp" "$N"
	else
		printf '\n%sdemo: FAILED (exit %s); private daemon and plugin stopped, %s removed.%s\n' "$R" "$rc" "$tmp" "$N" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The docker CLI only ever talks to the private daemon.
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH CI_AUTHZ_MODE CI_AUTHZ_LOG_LEVEL
export DOCKER_CONFIG="$tmp/docker-cli"
mkdir -p "$DOCKER_CONFIG"
HOST=unix://$tmp/docker.sock
dk() { docker -H "$HOST" "$@"; }

# --- ci-authz, with the embedded default policy ----------------------------
heading "Starting ci-authz (legacy plugin '$NAME', built-in default policy)"
# An explicit copy of the embedded default, so that a policy in
# /etc/ci-authz on this host cannot change what the demo shows.
"$BIN" policy default >"$tmp/policy.yaml"
"$BIN" validate "$tmp/policy.yaml" >/dev/null || die "ci-authz validate rejects its own default policy"
mkdir -p /run/docker/plugins
"$BIN" serve --policy "$tmp/policy.yaml" --socket "$SOCK" --log-format json --log-file "$tmp/ci-authz.log" \
	>"$tmp/ci-authz.out" 2>&1 &
PLUGIN_PID=$!
i=0
until [ -S "$SOCK" ]; do
	kill -0 "$PLUGIN_PID" 2>/dev/null || { cat "$tmp/ci-authz.out" "$tmp/ci-authz.log" >&2 2>/dev/null; die "ci-authz serve exited"; }
	[ $i -lt 100 ] || die "ci-authz did not create $SOCK"
	sleep 0.1; i=$((i + 1))
done
say "listening on $SOCK (pid $PLUGIN_PID), log $tmp/ci-authz.log"

# --- private dockerd --------------------------------------------------------
heading "Starting a private dockerd that uses it"
printf '{\n  "authorization-plugins": ["%s"],\n  "bridge": "none",\n  "iptables": false\n}\n' "$NAME" >"$tmp/daemon.json"
dockerd --config-file "$tmp/daemon.json" --data-root "$tmp/root" --exec-root "$tmp/exec" \
	-H "$HOST" --pidfile "$tmp/docker.pid" >"$tmp/dockerd.log" 2>&1 &
DOCKERD_PID=$!
i=0
until dk version >/dev/null 2>&1; do
	kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -n 20 "$tmp/dockerd.log" >&2; die "dockerd exited"; }
	[ $i -lt 300 ] || { tail -n 20 "$tmp/dockerd.log" >&2; die "dockerd did not answer within 60 s"; }
	sleep 0.2; i=$((i + 1))
done
say "dockerd $(dk version --format '{{.Server.Version}}') on $HOST (pid $DOCKERD_PID), config $tmp/daemon.json"

# --- image -----------------------------------------------------------------
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/tmp" "$tmp/rootfs/etc"
cp "$busybox" "$tmp/rootfs/bin/busybox"
for a in sh true echo cat ls id; do ln -s busybox "$tmp/rootfs/bin/$a"; done
tar -C "$tmp/rootfs" -c . | dk import - "$IMAGE" >/dev/null || die "docker import failed"
say "imported $IMAGE (busybox only)"

# --- the show ----------------------------------------------------------------
failures=0
fail() { printf '%s   FAIL: %s%s\n' "$R" "$*" "$N"; failures=$((failures + 1)); }
ok() { printf '%s   OK: %s%s\n' "$G" "$*" "$N"; }

# expect_denied RULE TITLE docker-args...
expect_denied() {
	rule=$1 title=$2
	shift 2
	heading "$title"
	say "\$ docker $*"
	set +e
	out=$(dk "$@" 2>&1)
	rc=$?
	set -e
	printf '%s\n' "$out" | grep -v '^$' | grep -v "^Run 'docker" | sed 's/^/   /'
	if [ "$rc" != 0 ] && printf '%s' "$out" | grep -qF "authorization denied by plugin $NAME: [$rule]"; then
		ok "denied by ci-authz under [$rule]"
	else
		fail "expected a denial under [$rule] (exit $rc)"
	fi
}

expect_denied privileged "Denied: a privileged container (docker run --privileged)" \
	run --rm --privileged "$IMAGE" true
expect_denied hostSockets "Denied: mounting the Docker socket (-v /var/run/docker.sock:...)" \
	run --rm -v /var/run/docker.sock:/var/run/docker.sock "$IMAGE" true
expect_denied capabilities "Denied: an extra capability (--cap-add SYS_ADMIN)" \
	run --rm --cap-add SYS_ADMIN "$IMAGE" true

heading "Allowed: an ordinary container"
msg="hello from a container ci-authz let through"
say "\$ docker run --rm $IMAGE echo \"$msg\""
set +e
out=$(dk run --rm "$IMAGE" echo "$msg" 2>&1)
rc=$?
set -e
printf '%s\n' "$out" | sed 's/^/   /'
if [ "$rc" = 0 ] && [ "$out" = "$msg" ]; then ok "ran and printed its output"; else fail "expected exit 0 and the message (exit $rc)"; fi

# --- the audit log -----------------------------------------------------------
heading "ci-authz's log of these decisions ($tmp/ci-authz.log)"
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
n=0
for want in privileged hostSockets capabilities; do
	line=$(grep '"decision":"deny"' "$tmp/ci-authz.log" | grep -F "\"rule\":\"$want\"" | tail -n 1 || true)
	if [ -z "$line" ]; then
		fail "no deny line for rule $want in the log"
		continue
	fi
	n=$((n + 1))
	printf '   %-6s %-13s %-26s %s\n' "$(printf '%s' "$line" | field decision)" "$(printf '%s' "$line" | field rule)" \
		"$(printf '%s' "$line" | field field)" "$(printf '%s' "$line" | field value)"
done
[ "$n" = 3 ] && ok "one deny line per denied request, with rule, field and value"
say "   (plain allows are not logged; serve --log-level debug logs every decision)"

if [ "$failures" != 0 ]; then
	say "--- last lines of the ci-authz log:"; tail -n 5 "$tmp/ci-authz.log" 2>/dev/null || true
	say "--- last lines of the dockerd log:"; tail -n 5 "$tmp/dockerd.log" 2>/dev/null || true
	die "$failures expectation(s) did not hold (see FAIL above)"
fi
exit 0
