#!/usr/bin/env bash
# `make up`: a single-master cluster on this host, started in the background.
# State: /var/lib/gantry (data), /var/log/gantry (logs), /run/gantry (pid files), /etc/gantry (kubeconfig).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

mkdir -p /var/lib/gantry /var/log/gantry /run/gantry /etc/gantry
pidfile=/run/gantry/master.pid

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "gantry master is already running (pid $(cat "$pidfile"))"
else
  setsid nohup node "$repo/dist/cli/gantry.js" master \
    --data-dir /var/lib/gantry/master \
    --admin-kubeconfig /etc/gantry/admin.conf \
    >>/var/log/gantry/master.log 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "started gantry master (pid $!, log /var/log/gantry/master.log)"
fi

for _ in $(seq 1 120); do
  if curl -ksf https://127.0.0.1:6443/readyz >/dev/null 2>&1 && [ -s /etc/gantry/admin.conf ]; then
    echo "cluster is ready"
    echo "export KUBECONFIG=/etc/gantry/admin.conf"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "gantry master exited; last log lines:" >&2
    tail -n 30 /var/log/gantry/master.log >&2
    exit 1
  fi
  sleep 0.5
done
echo "gantry master did not become ready in 60s; see /var/log/gantry/master.log" >&2
exit 1
