#!/usr/bin/env bash
# `make down`: stops what `make up` started. Data in /var/lib/gantry is kept for the next `make up`.
set -uo pipefail

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

stop_pidfile /run/gantry/master.pid "gantry master"
stop_pidfile /run/gantry/registry.pid "registry"
# The master stops its etcd member on SIGTERM; a master that died hard leaves it behind.
pkill -TERM -f -- "--data-dir /var/lib/gantry/master/etcd" 2>/dev/null && echo "stopped a leftover etcd member"
exit 0
