#!/usr/bin/env bash
# `make down`: stops what `make up` started. Data in /var/lib/gantry is kept for the next `make up`.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

source "$(dirname "$0")/daemons.sh"

# The units or supervisors, as make up started them (daemons.sh); each stops its daemon.
stop_daemon agent
stop_daemon master
stop_pidfile /run/gantry/registry.pid "registry" 30

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
remove_gantry_command
exit 0
