#!/usr/bin/env bash
# `make up`: a single-master cluster on this host, started in the background.
# State: /var/lib/gantry (data), /var/log/gantry (logs), /run/gantry (pid files), /etc/gantry (kubeconfig).
# The master and the agent are kept running by systemd units where systemd is PID 1, and by
# `gantry supervise` elsewhere (scripts/daemons.sh); `gantry` goes on PATH (/usr/local/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source scripts/daemons.sh

mkdir -p /var/lib/gantry /var/log/gantry /run/gantry /etc/gantry
install_gantry_command "$repo"

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

run_daemon master --data-dir /var/lib/gantry/master --admin-kubeconfig /etc/gantry/admin.conf

for _ in $(seq 1 120); do
  if curl -ksf https://127.0.0.1:6443/readyz >/dev/null 2>&1 && [ -s /etc/gantry/admin.conf ] && [ -s /var/lib/gantry/master/agent.token ]; then
    break
  fi
  daemon_healthy master || exit 1
  sleep 0.5
done

# The local agent: this host is the cluster's node. Masters dial it on loopback.
node_name=$(hostname)
run_daemon agent --node-name "$node_name" --node-ip 127.0.0.1 --listen-address 127.0.0.1 \
  --master https://127.0.0.1:6443 --token-file /var/lib/gantry/master/agent.token --master-ca /var/lib/gantry/master/pki/ca.crt

if wait_node_ready "$node_name" 127.0.0.1:10250 120; then
  echo "cluster is ready: node $node_name is Ready"
  echo "export KUBECONFIG=/etc/gantry/admin.conf"
  exit 0
fi
echo "the cluster did not become ready in 120s; see /var/log/gantry/*.log" >&2
exit 1
