#!/usr/bin/env bash
# `make up`: a single-master cluster on this host, started in the background: `gantry init`, then
# `gantry join` of this host's agent with the command init printed.
# State: /var/lib/gantry (data), /var/log/gantry (logs), /run/gantry (pid files), /etc/gantry
# (admin.conf, agent.conf). The master and the agent are kept running by systemd units where
# systemd is PID 1, and by `gantry supervise` elsewhere (cli/daemon.ts, scripts/daemons.sh);
# `gantry` goes on PATH (/usr/local/bin).
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

# The master: `gantry init` creates the PKI (or reuses it), starts `gantry master` under its
# supervisor or unit (pid /run/gantry/master.pid, log /var/log/gantry/master.log), writes
# /etc/gantry/admin.conf, creates a bootstrap token and prints the join command.
init_out=$(node "$gantry_js" init --data-dir /var/lib/gantry/master --admin-kubeconfig /etc/gantry/admin.conf \
  --pid-file /run/gantry/master.pid --log-file /var/log/gantry/master.log) || {
  echo "gantry init failed; last lines of /var/log/gantry/master.log:" >&2
  tail -n 30 /var/log/gantry/master.log >&2
  exit 1
}
echo "$init_out"

# The local agent: this host is the cluster's node. Masters dial it on loopback. It joins with the
# printed command (TLS bootstrap with the token, then its own certificate); a node that joined
# this cluster before (same CA) just starts again with its identity in /etc/gantry/agent.conf.
node_name=$(hostname)
agent_args=(--node-name "$node_name" --node-ip 127.0.0.1 --listen-address 127.0.0.1)
if [ -s /etc/gantry/agent.conf ] && cmp -s /var/lib/gantry/agent/pki/ca.crt /var/lib/gantry/master/pki/ca.crt; then
  run_daemon agent --kubeconfig /etc/gantry/agent.conf "${agent_args[@]}"
else
  join_cmd=$(grep -m1 -E '^ *gantry join ' <<<"$init_out")
  read -r _ _ address _ token _ ca_hash <<<"$join_cmd"
  node "$gantry_js" join "$address" --token "$token" --discovery-token-ca-cert-hash "$ca_hash" \
    --kubeconfig /etc/gantry/agent.conf --pid-file /run/gantry/agent.pid --log-file /var/log/gantry/agent.log "${agent_args[@]}"
fi

# Ready only once THIS run's agent serves and the master heard from it (a Ready condition an
# earlier run left in etcd does not count).
if wait_node_ready "$node_name" 127.0.0.1:10250 120; then
  echo "cluster is ready: node $node_name is Ready"
  echo "export KUBECONFIG=/etc/gantry/admin.conf"
  exit 0
fi
echo "the cluster did not become ready in 120s; see /var/log/gantry/*.log" >&2
exit 1
