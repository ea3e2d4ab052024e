#!/usr/bin/env bash
# End-to-end check of `make up` / `make down` on this machine, run by hand (as root):
#   bash test/make-up-e2e.sh
# It uses make up's fixed paths and ports (/var/lib/gantry, /run/gantry, :6443, :10250, :5000),
# so it is not part of `make test`; run it where no other `make up` cluster is running. It ends
# with `make down` (cluster state in /var/lib/gantry is kept, as make down keeps it).
#
#   1. make up; right away the agent answers and the master renewed the node's Lease after this
#      agent started (not a Ready condition left in etcd by an earlier run);
#   2. a pod runs; kill -9 of the agent and of the master: both are back within a few seconds,
#      the API answers, the node is Ready again with a fresh Lease, the pod's container is the
#      same runc container and its restartCount is still 0;
#   3. make up again while everything runs: fine, and nothing is restarted;
#   4. make down: no gantry process, supervisor, etcd member or container is left, nor the
#      gantry command; make up right after it (the old Ready still in etcd) is ready only once the
#      new agent is.
set -euo pipefail
cd "$(dirname "$0")/.."
export KUBECONFIG=/etc/gantry/admin.conf
node_name=$(hostname)
runc_root=/run/gantry/agent/runc
gantry_js=$(pwd)/dist/cli/gantry.js
source scripts/daemons.sh   # process_start_ns

step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# daemon_pid ROLE: the pid of this checkout's `gantry ROLE` itself (not a supervisor whose command
# line names it, nor another checkout's test daemons).
daemon_pid() {
  local pid argv
  for pid in $(pgrep -f "$gantry_js $1 " || true); do
    mapfile -t argv < <(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null)
    if [ "${argv[1]:-}" = "$gantry_js" ] && [ "${argv[2]:-}" = "$1" ]; then echo "$pid"; return 0; fi
  done
  return 1
}

# The agent that runs now answers, and the master renewed the node Lease after it started.
check_fresh() {
  local pid since renew
  pid=$(daemon_pid agent) || fail "no gantry agent process after $1"
  since=$(process_start_ns "$pid")
  timeout 2 bash -c "</dev/tcp/127.0.0.1/10250" 2>/dev/null || fail "the agent (pid $pid) does not answer on 127.0.0.1:10250 right after $1"
  renew=$(kubectl get lease -n kube-node-lease "$node_name" -o jsonpath='{.spec.renewTime}')
  [ -n "$renew" ] && [ "$(date -d "$renew" +%s%N)" -gt "$since" ] || fail "after $1 the node Lease was last renewed at ${renew:-never}, before the agent (pid $pid) started"
  [ "$(kubectl get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] || fail "node not Ready after $1"
  echo "fresh: agent pid $pid answers; Lease renewed $renew"
}

containers() { runc --root "$runc_root" list -q 2>/dev/null | sort | tr '\n' ' '; }

cleanup() {
  kubectl delete pod gantry-make-up-e2e --ignore-not-found --wait=false >/dev/null 2>&1 || true
  make -s down >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "make up"
make -s up
check_fresh "make up"

step "a pod"
kubectl delete pod gantry-make-up-e2e --ignore-not-found >/dev/null
kubectl run gantry-make-up-e2e --image=127.0.0.1:5000/gantry/busybox:1 -- sleep 3600 >/dev/null
kubectl wait --for=condition=Ready pod/gantry-make-up-e2e --timeout=90s >/dev/null
before=$(containers)
[ -n "$before" ] || fail "no runc container for the pod"
echo "containers: $before"

step "kill -9 of the agent and the master"
agent=$(daemon_pid agent) && master=$(daemon_pid master) || fail "daemons not found"
t0=$(date +%s%N)
kill -KILL "$agent" "$master"
back=""
for _ in $(seq 1 100); do
  a=$(daemon_pid agent || true) m=$(daemon_pid master || true)
  if [ -n "$a" ] && [ -n "$m" ] && [ "$a" != "$agent" ] && [ "$m" != "$master" ]; then back=1; break; fi
  sleep 0.05
done
[ -n "$back" ] || fail "the daemons were not restarted within 5 s"
echo "restarted after $(ms_since "$t0") ms: agent $a, master $m"
for _ in $(seq 1 300); do curl -ksf https://127.0.0.1:6443/readyz >/dev/null 2>&1 && break; sleep 0.1; done
curl -ksf https://127.0.0.1:6443/readyz >/dev/null || fail "the API did not answer within 30 s of the restart"
echo "API answers after $(ms_since "$t0") ms"
ok=""
for _ in $(seq 1 120); do
  if (check_fresh "the restart" >/dev/null 2>&1); then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] || check_fresh "the restart"
echo "node Ready with a Lease renewed by the new agent after $(ms_since "$t0") ms"
[ "$(containers)" = "$before" ] || fail "containers changed: before $before, after $(containers)"
restarts=$(kubectl get pod gantry-make-up-e2e -o jsonpath='{.status.containerStatuses[0].restartCount}')
[ "$restarts" = 0 ] || fail "restartCount is $restarts"
echo "same containers ($before), restartCount 0"

step "make up again while everything runs"
agent=$(daemon_pid agent)
make -s up
[ "$(daemon_pid agent)" = "$agent" ] || fail "the second make up restarted the agent"
check_fresh "the second make up"

step "make down"
kubectl delete pod gantry-make-up-e2e --wait=false >/dev/null
make -s down
left=$(pgrep -af "gantry.js (supervise|master|agent) .*(/var/lib/gantry|/run/gantry)|etcd .*--data-dir=/var/lib/gantry|--root=$runc_root" || true)
[ -z "$left" ] || fail "left running after make down: $left"
[ ! -e /usr/local/bin/gantry ] || fail "/usr/local/bin/gantry is still there"
ls /run/gantry/*.pid >/dev/null 2>&1 && fail "pid files left: $(ls /run/gantry/*.pid)"
nft list table ip gantry >/dev/null 2>&1 && fail "the service proxy's nft table ip gantry is still there"
for link in gantry0 gantry-sink; do ip link show "$link" >/dev/null 2>&1 && fail "interface $link is still there"; done
[ -z "$(ip route show table all proto 157)" ] || fail "Gantry's routes (proto 157) are still there: $(ip route show table all proto 157)"
echo "nothing left running; no nft table, bridge or route of Gantry's"

step "make up right after make down (the previous Ready is still in etcd)"
make -s up
check_fresh "make up after make down"
command -v gantry >/dev/null || fail "gantry is not on PATH"
echo "PASS"
