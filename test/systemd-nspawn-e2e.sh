#!/usr/bin/env bash
# The units `gantry install` writes, under a real systemd: boots systemd as PID 1 of a container
# (systemd-nspawn of this host's own /usr, read-only, with a throwaway root and a private network)
# and checks, inside it:
#   - `gantry install master` / `gantry install agent` enable and start the units; a pod runs;
#   - kill -9 of the agent's main process: systemd restarts it, the node is Ready again with a
#     Lease renewed after the new agent started, the pod's container is the same, restartCount 0
#     and its conmon lives on (conmon is in the agent unit's cgroup: KillMode=process);
#   - `systemctl restart gantry-agent`: the same;
#   - kill -9 of the master's main process: restarted, the API answers, the pod is still there;
#   - `systemctl stop gantry-agent`: the container keeps running;
#   - `gantry uninstall agent|master`: both inactive, unit files gone, no gantry or etcd left;
#   - `make up` (scripts/up.sh) with systemd as PID 1 installs and starts the units and is ready
#     only once the new agent is (the Node is still Ready in etcd from the steps before);
#     `make down` (scripts/down.sh) stops and removes them.
# Run by hand as root (`apt-get install systemd-container` first): bash test/systemd-nspawn-e2e.sh
# Everything it starts is stopped, and the cgroups it made are removed, also on failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gantry_js=$repo/dist/cli/gantry.js
machine=gantry-nspawn-$$
cgroup_parent=/gantry-nspawn-$$
command -v systemd-nspawn >/dev/null || { echo "needs systemd-nspawn: apt-get install systemd-container" >&2; exit 2; }
[ -f "$gantry_js" ] || { echo "build first (make build)" >&2; exit 2; }

step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

boot_log=$(mktemp)
# --keep-unit: no systemd on the host to ask for a scope; --register=no: no machined either;
# @keyring: runc gives each container a session keyring (keyctl), which nspawn filters by default;
# /usr is the host's, read-only: make up writes /usr/local/bin/gantry to a tmpfs instead.
systemd-nspawn --directory=/ --volatile=yes --register=no --keep-unit --private-network -M "$machine" \
  --bind-ro="$repo" --tmpfs=/usr/local/bin --system-call-filter=@keyring -b --console=pipe >"$boot_log" 2>&1 &
nspawn_pid=$!
leader=""

c() { nsenter -t "$leader" -a "$@"; }
k() { c env KUBECONFIG=/etc/gantry/admin.conf kubectl "$@" 2> >(grep -v "Ignoring extra certs" >&2); }

cleanup() {
  set +e
  if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
    # Containers first (the agent leaves them running), then power the machine off.
    for id in $(c runc --root /run/gantry/agent/runc list -q 2>/dev/null); do c runc --root /run/gantry/agent/runc delete --force "$id"; done
    c systemctl poweroff >/dev/null 2>&1
  fi
  for _ in $(seq 1 40); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$nspawn_pid" 2>/dev/null; then
    # SIGKILL to a container's PID 1 ends everything in its PID namespace.
    for p in $leader $(pgrep -P "$nspawn_pid"); do kill -KILL "$p" 2>/dev/null; done
    sleep 1
    kill -KILL "$nspawn_pid" 2>/dev/null
  fi
  wait "$nspawn_pid" 2>/dev/null
  # The cgroups the container's systemd made (nspawn puts it under /payload of our cgroup) and
  # the pods' parent, in every hierarchy.
  for dir in /sys/fs/cgroup/*/payload /sys/fs/cgroup/*"$cgroup_parent"; do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
  rm -f "$boot_log"
}
trap cleanup EXIT

step "boot systemd in $machine"
# nspawn forks a short-lived helper first; the container's PID 1 is the child that runs systemd.
for _ in $(seq 1 300); do
  for p in $(pgrep -P "$nspawn_pid" || true); do
    [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/lib/systemd/systemd ] && leader=$p
  done
  [ -n "$leader" ] && break
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$leader" ] || fail "systemd-nspawn did not start a container: $(cat "$boot_log")"
state=""
for _ in $(seq 1 120); do
  state=$(c systemctl is-system-running 2>/dev/null || true)
  [[ $state =~ ^(starting|running|degraded)$ ]] && break
  sleep 0.5
done
[[ $state =~ ^(starting|running|degraded)$ ]] || fail "systemd in the container does not answer (state: ${state:-none})"
# The container has loopback only: systemd-networkd-wait-online would hold network-online.target
# (which the units are ordered after) for its full two-minute timeout.
c systemctl stop systemd-networkd-wait-online.service >/dev/null 2>&1 || true
[ "$(c readlink /proc/1/exe)" = /usr/lib/systemd/systemd ] || fail "PID 1 in the container is not systemd"
echo "systemd is PID 1 in the container ($state); host pid $leader"
# The empty root enables every unit of /usr on first boot; these would compete for our ports.
c systemctl disable --now etcd.service docker-registry.service >/dev/null 2>&1 || true
# nspawn mounts the cgroup v1 controllers read-only; runc must create the pods' cgroups there (on a
# host they are writable), so make them writable in the container's mount namespace only.
# (awk is an /etc/alternatives link, absent from the empty /etc: read the mounts from the host side.)
for h in $(awk '$3 == "cgroup" && $4 ~ /^ro/ {print $2}' "/proc/$leader/mounts"); do c mount -o remount,bind,rw "$h"; done

step "gantry install master, gantry install agent"
c node "$gantry_js" install master -- --data-dir /var/lib/gantry/master --admin-kubeconfig /etc/gantry/admin.conf
for _ in $(seq 1 120); do c curl -ksf https://127.0.0.1:6443/readyz >/dev/null 2>&1 && break; sleep 0.5; done
c curl -ksf https://127.0.0.1:6443/readyz >/dev/null || fail "the master did not answer: $(c journalctl -u gantry-master -n 20 --no-pager)"
c node "$gantry_js" install agent -- --node-name "$machine" --node-ip 127.0.0.1 --listen-address 127.0.0.1 \
  --cgroup-parent "$cgroup_parent" --master https://127.0.0.1:6443 \
  --token-file /var/lib/gantry/master/agent.token --master-ca /var/lib/gantry/master/pki/ca.crt
c systemctl cat gantry-agent.service | grep -E "^(ExecStart|KillMode|Delegate|Restart)="

# node_fresh: the node is Ready and its Lease was renewed after the agent's main process started.
node_fresh() {
  local pid since renew
  pid=$(c systemctl show -p MainPID --value gantry-agent)
  [ "$pid" != 0 ] || return 1
  since=$(c date -d "$(c ps -o lstart= -p "$pid")" +%s)
  renew=$(k get lease -n kube-node-lease "$machine" -o jsonpath='{.spec.renewTime}' 2>/dev/null) || return 1
  [ -n "$renew" ] && [ "$(date -d "$renew" +%s)" -gt "$since" ] || return 1
  [ "$(k get node "$machine" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
wait_node_fresh() {
  for _ in $(seq 1 120); do node_fresh && return 0; sleep 0.5; done
  fail "node not Ready with a fresh Lease after $1: $(c journalctl -u gantry-agent -n 20 --no-pager)"
}
wait_node_fresh "install"
echo "node $machine Ready"

step "a pod"
c sh -c 'mkdir -p /var/lib/gantry/registry && printf "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/gantry/registry\nhttp:\n  addr: 127.0.0.1:5000\n" >/etc/gantry/registry.yml'
c systemd-run --quiet --unit gantry-check-registry /usr/bin/docker-registry serve /etc/gantry/registry.yml
for _ in $(seq 1 40); do c curl -sf http://127.0.0.1:5000/v2/ >/dev/null && break; sleep 0.25; done
c node "$repo/dist/test/images/demo.js" http://127.0.0.1:5000
k run sleeper --image=127.0.0.1:5000/gantry/busybox:1 -- sleep 3600 >/dev/null
k wait --for=condition=Ready pod/sleeper --timeout=120s >/dev/null || fail "pod not Ready: $(k describe pod sleeper | tail -5)"
containers() { c runc --root /run/gantry/agent/runc list -q | sort | tr '\n' ' '; }
before=$(containers)
cid=${before%% *}
conmon=$(c cat "/var/lib/gantry/agent/runtime/containers/$cid/conmon.pid")
echo "container $cid, conmon pid $conmon in $(c grep name=systemd "/proc/$conmon/cgroup")"

same_pod() {
  [ "$(containers)" = "$before" ] || fail "containers changed after $1: $before → $(containers)"
  [ "$(k get pod sleeper -o jsonpath='{.status.containerStatuses[0].restartCount}')" = 0 ] || fail "restartCount changed after $1"
  c kill -0 "$conmon" || fail "conmon $conmon died with $1"
  [ "$(c runc --root /run/gantry/agent/runc state "$cid" | grep -o '"status": "[a-z]*"')" = '"status": "running"' ] || fail "container not running after $1"
  echo "after $1: same container, restartCount 0, conmon $conmon alive"
}

# kill_main ROLE: kill -9 of the unit's main process; waits for systemd to start a new one.
kill_main() {
  local main new t0
  main=$(c systemctl show -p MainPID --value "gantry-$1")
  t0=$(date +%s%N)
  c kill -KILL "$main"
  for _ in $(seq 1 100); do new=$(c systemctl show -p MainPID --value "gantry-$1"); [ "$new" != 0 ] && [ "$new" != "$main" ] && break; sleep 0.05; done
  [ "$new" != 0 ] && [ "$new" != "$main" ] || fail "systemd did not restart gantry-$1 within 5 s"
  echo "restarted by systemd after $(ms_since "$t0") ms (MainPID $main → $new, NRestarts $(c systemctl show -p NRestarts --value "gantry-$1"))"
  killed_at=$t0
}

step "kill -9 of the agent"
kill_main agent
t0=$killed_at
wait_node_fresh "kill -9 of the agent"
echo "node Ready with a fresh Lease after $(ms_since "$t0") ms"
same_pod "kill -9 of the agent"

step "systemctl restart gantry-agent"
c systemctl restart gantry-agent
wait_node_fresh "systemctl restart"
same_pod "systemctl restart gantry-agent"

step "kill -9 of the master"
kill_main master
t0=$killed_at
for _ in $(seq 1 120); do c curl -ksf https://127.0.0.1:6443/readyz >/dev/null 2>&1 && break; sleep 0.5; done
c curl -ksf https://127.0.0.1:6443/readyz >/dev/null || fail "the API did not come back"
echo "API answers after $(ms_since "$t0") ms"
wait_node_fresh "kill -9 of the master"
same_pod "kill -9 of the master"

step "systemctl stop gantry-agent: the container keeps running"
c systemctl stop gantry-agent
[ "$(c systemctl is-active gantry-agent || true)" = inactive ] || fail "gantry-agent still active"
same_pod "systemctl stop gantry-agent"

step "gantry uninstall agent, gantry uninstall master"
c node "$gantry_js" uninstall agent
c node "$gantry_js" uninstall master
for u in agent master; do
  [ "$(c systemctl is-active "gantry-$u" || true)" = inactive ] || fail "gantry-$u still active"
  c test ! -e "/etc/systemd/system/gantry-$u.service" || fail "gantry-$u.service still there"
done
left=$(c pgrep -af "gantry.js (master|agent)|/usr/bin/etcd" || true)
[ -z "$left" ] || fail "left running: $left"
echo "both units stopped and removed; no gantry or etcd process left"

step "make up with systemd as PID 1"
c bash "$repo/scripts/up.sh"
for u in agent master; do [ "$(c systemctl is-active "gantry-$u")" = active ] || fail "make up did not start gantry-$u"; done
node_fresh || fail "make up returned before the new agent was Ready with a fresh Lease"
c gantry --help >/dev/null || fail "gantry is not on PATH after make up"
kill_main agent
wait_node_fresh "kill -9 of the agent started by make up"
echo "units started by make up; the agent came back after kill -9"

step "make down with systemd as PID 1"
c bash "$repo/scripts/down.sh"
for u in agent master; do
  [ "$(c systemctl is-active "gantry-$u" || true)" = inactive ] || fail "gantry-$u still active after make down"
  c test ! -e "/etc/systemd/system/gantry-$u.service" || fail "gantry-$u.service still there after make down"
done
c test ! -e /usr/local/bin/gantry || fail "/usr/local/bin/gantry still there after make down"
left=$(c pgrep -af "gantry.js (master|agent)|/usr/bin/etcd|conmon" || true)
[ -z "$left" ] || fail "left running after make down: $left"
echo "make down stopped and removed the units; nothing left running"
echo "PASS"
