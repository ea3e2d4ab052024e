#!/usr/bin/env bash
# `make up`: a single-master cluster on this host, started in the background.
# State: /var/lib/gantry (data), /var/log/gantry (logs), /run/gantry (pid files), /etc/gantry (kubeconfig).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

mkdir -p /var/lib/gantry /var/log/gantry /run/gantry /etc/gantry

# start NAME PIDFILE LOG CMD...: runs CMD in the background unless PIDFILE names a live process.
start() {
  local name=$1 pidfile=$2 log=$3
  shift 3
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$name is already running (pid $(cat "$pidfile"))"
    return
  fi
  setsid nohup "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "started $name (pid $!, log $log)"
}

# A local OCI registry on loopback, holding the demo images (no internet needed).
cat >/etc/gantry/registry.yml <<'YAML'
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/gantry/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
start "registry" /run/gantry/registry.pid /var/log/gantry/registry.log /usr/bin/docker-registry serve /etc/gantry/registry.yml
for _ in $(seq 1 40); do curl -sf http://127.0.0.1:5000/v2/ >/dev/null && break; sleep 0.25; done
node "$repo/dist/test/images/demo.js" http://127.0.0.1:5000

pidfile=/run/gantry/master.pid

start "gantry master" "$pidfile" /var/log/gantry/master.log \
  node "$repo/dist/cli/gantry.js" master --data-dir /var/lib/gantry/master --admin-kubeconfig /etc/gantry/admin.conf

for _ in $(seq 1 120); do
  if curl -ksf https://127.0.0.1:6443/readyz >/dev/null 2>&1 && [ -s /etc/gantry/admin.conf ] && [ -s /var/lib/gantry/master/agent.token ]; then
    break
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "gantry master exited; last log lines:" >&2
    tail -n 30 /var/log/gantry/master.log >&2
    exit 1
  fi
  sleep 0.5
done

# The local agent: this host is the cluster's node. Masters dial it on loopback.
node_name=$(hostname)
start "gantry agent" /run/gantry/agent.pid /var/log/gantry/agent.log \
  node "$repo/dist/cli/gantry.js" agent --node-name "$node_name" --node-ip 127.0.0.1 --listen-address 127.0.0.1 \
  --master https://127.0.0.1:6443 --token-file /var/lib/gantry/master/agent.token --master-ca /var/lib/gantry/master/pki/ca.crt

for _ in $(seq 1 120); do
  if KUBECONFIG=/etc/gantry/admin.conf kubectl get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True; then
    echo "cluster is ready: node $node_name is Ready"
    echo "export KUBECONFIG=/etc/gantry/admin.conf"
    exit 0
  fi
  if ! kill -0 "$(cat /run/gantry/agent.pid)" 2>/dev/null; then
    echo "gantry agent exited; last log lines:" >&2
    tail -n 30 /var/log/gantry/agent.log >&2
    exit 1
  fi
  sleep 0.5
done
echo "the cluster did not become ready in 60s; see /var/log/gantry/*.log" >&2
exit 1
