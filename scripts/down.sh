#!/usr/bin/env bash
# `make down`: stops what `make up` started. Data in /var/lib/gantry is kept for the next `make up`.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

stop_pidfile() {
  local pidfile=$1 name=$2
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

stop_pidfile /run/gantry/agent.pid "gantry agent"
stop_pidfile /run/gantry/master.pid "gantry master"
stop_pidfile /run/gantry/registry.pid "registry"

# The agent leaves containers running when it stops (so a restart adopts them); `make down`
# ends them too, with their mounts. Their desired state stays in etcd for the next `make up`.
runc_root=/run/gantry/agent/runc
if [ -d "$runc_root" ]; then
  for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
    runc --root "$runc_root" kill "$id" KILL 2>/dev/null
    runc --root "$runc_root" delete --force "$id" 2>/dev/null && echo "removed container $id"
  done
fi
pkill -KILL -f -- "--root=$runc_root" 2>/dev/null
# Unmount deepest first: overlays, tmpfs volumes and netns bind mounts of the agent.
grep -E " (/var/lib/gantry/agent|/run/gantry/agent)" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null
done
# The node network the agent programmed: the service proxy's nftables table and the pod network
# (each pod's CNI attachment: address lease, veth, hostPort rules; the gantry0 bridge; Gantry's
# routes, `proto 157`). The agent leaves it in place when it stops, so pods keep their network
# across restarts; `make down` removes it. Sysctls stay as they are.
if [ -f "$repo/dist/cli/gantry.js" ]; then
  node "$repo/dist/cli/gantry.js" agent cleanup-network --data-dir /var/lib/gantry/agent --run-dir /run/gantry/agent || echo "cleaning up the node network failed" >&2
fi
# The master stops its etcd member on SIGTERM; a master that died hard leaves it behind.
pkill -TERM -f -- "--data-dir /var/lib/gantry/master/etcd" 2>/dev/null && echo "stopped a leftover etcd member"
exit 0
