# Sourced by up.sh and down.sh: how `make up` keeps the gantry daemons running and how `make down`
# stops them. Where systemd is PID 1 each daemon is a unit (`gantry install <role>`, journal
# logs); elsewhere (this VM, containers) it runs under `gantry supervise`, whose pid is in
# /run/gantry/<role>.pid and whose log (the daemon's output and its own restart lines) is
# /var/log/gantry/<role>.log. Either way a daemon that dies is back within a few seconds.

gantry_js=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist/cli/gantry.js
gantry_wrapper=/usr/local/bin/gantry
wrapper_mark="# gantry command written by make up (scripts/daemons.sh); make down removes it"

systemd_is_pid1() { [ -d /run/systemd/system ]; }

# install_gantry_command: /usr/local/bin/gantry runs this checkout's build.
install_gantry_command() {
  if [ -e "$gantry_wrapper" ] && ! grep -qxF "$wrapper_mark" "$gantry_wrapper"; then
    echo "$gantry_wrapper exists and was not written by make up; leaving it alone" >&2
    return
  fi
  printf '#!/bin/sh\n%s\nexec %s %s "$@"\n' "$wrapper_mark" "$(command -v node)" "$gantry_js" >"$gantry_wrapper.tmp"
  chmod 755 "$gantry_wrapper.tmp"
  mv "$gantry_wrapper.tmp" "$gantry_wrapper"
}

remove_gantry_command() {
  if [ -f "$gantry_wrapper" ] && grep -qxF "$wrapper_mark" "$gantry_wrapper"; then rm -f "$gantry_wrapper"; fi
}

supervisor_pid() {
  local pidfile=/run/gantry/$1.pid pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# run_daemon ROLE FLAGS...: keeps `gantry ROLE FLAGS` running, unless it already is.
run_daemon() {
  local role=$1
  shift
  if systemd_is_pid1; then
    daemon_restarts_start[$role]=$(systemctl show -p NRestarts --value "gantry-$role" 2>/dev/null || echo 0)
    if systemctl is-active --quiet "gantry-$role"; then echo "gantry $role is already running (unit gantry-$role)"; return; fi
    node "$gantry_js" install "$role" -- "$@"
    return
  fi
  local pid log=/var/log/gantry/$role.log
  if pid=$(supervisor_pid "$role"); then
    echo "gantry $role is already running (supervisor pid $pid)"
    return
  fi
  daemon_log_start[$role]=$(stat -c %s "$log" 2>/dev/null || echo 0)
  setsid nohup node "$gantry_js" supervise --name "$role" --pid-file "/run/gantry/$role.pid" --log-file "$log" \
    -- node "$gantry_js" "$role" "$@" >>"$log" 2>&1 </dev/null &
  pid=$!
  # The supervisor writes its pid file itself; wait for it so later checks find it.
  for _ in $(seq 1 100); do
    [ "$(cat "/run/gantry/$role.pid" 2>/dev/null)" = "$pid" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "started gantry $role under gantry supervise (pid $pid, log $log)"
}
declare -A daemon_log_start=() daemon_restarts_start=()

# daemon_main_pid ROLE: the pid of the running daemon itself (not its supervisor).
daemon_main_pid() {
  local pid
  if systemd_is_pid1; then
    pid=$(systemctl show -p MainPID --value "gantry-$1")
    [ "$pid" != 0 ] && echo "$pid"
    return
  fi
  pid=$(supervisor_pid "$1") || return 1
  local children=""
  # The file has no trailing newline, so read reports EOF even when it read the pid.
  read -r children _ <"/proc/$pid/task/$pid/children" 2>/dev/null || true
  [ -n "$children" ] && echo "$children"
}

# daemon_healthy ROLE: false, with the last log lines, once the daemon's supervisor (or unit)
# is gone or it keeps dying soon after starting (a bad flag, a port someone else holds).
daemon_healthy() {
  local role=$1
  if systemd_is_pid1; then
    local state restarts
    state=$(systemctl show -p ActiveState --value "gantry-$role")
    restarts=$(systemctl show -p NRestarts --value "gantry-$role")
    if [[ ! $state =~ ^(active|activating|reloading)$ ]] || [ $(( ${restarts:-0} - ${daemon_restarts_start[$role]:-0} )) -ge 3 ]; then
      echo "gantry $role is $state (restarts: ${restarts:-?}); last journal lines:" >&2
      journalctl -u "gantry-$role" -n 30 --no-pager >&2
      return 1
    fi
    return 0
  fi
  local log=/var/log/gantry/$role.log
  if ! supervisor_pid "$role" >/dev/null; then
    echo "the supervisor of gantry $role exited; last log lines:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  if tail -c +"$(( ${daemon_log_start[$role]:-0} + 1 ))" "$log" | grep -q "keeps dying soon after starting"; then
    echo "gantry $role keeps dying soon after starting; last log lines:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
}

# process_start_ns PID: when the process started, in ns since the epoch (10 ms precision).
process_start_ns() {
  local stat fields uptime
  stat=$(cat "/proc/$1/stat") || return 1
  read -ra fields <<<"${stat##*) }"     # the fields after "pid (comm) "; starttime is the 20th
  read -r uptime _ </proc/uptime
  # now − (uptime − starttime): uptime has two decimals, starttime is in clock ticks.
  echo $(( $(date +%s%N) - ( ${uptime/./} * 10000000 - fields[19] * 1000000000 / $(getconf CLK_TCK) ) ))
}

# wait_node_ready NODE AGENT_ADDR TIMEOUT_S: waits until the agent running now answers on
# AGENT_ADDR and the master has heard from it: the node's Lease in kube-node-lease was renewed
# after this agent process started, and the node is Ready. A Ready condition a previous agent
# left in etcd does not count.
wait_node_ready() {
  local node=$1 addr=$2 timeout_s=$3 pid since renew renew_ns ready
  local deadline=$(( $(date +%s) + timeout_s ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    daemon_healthy agent || return 1
    if pid=$(daemon_main_pid agent) && [ -n "$pid" ] && since=$(process_start_ns "$pid") &&
       timeout 2 bash -c "</dev/tcp/${addr%:*}/${addr##*:}" 2>/dev/null; then
      renew=$(KUBECONFIG=/etc/gantry/admin.conf kubectl get lease -n kube-node-lease "$node" -o jsonpath='{.spec.renewTime}' 2>/dev/null || true)
      ready=$(KUBECONFIG=/etc/gantry/admin.conf kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
      if [ -n "$renew" ] && renew_ns=$(date -d "$renew" +%s%N 2>/dev/null) && [ "$renew_ns" -gt "$since" ] && [ "$ready" = True ]; then
        return 0
      fi
    fi
    sleep 0.5
  done
  return 1
}

# stop_daemon ROLE: stops the daemon the way run_daemon started it. Supervisors pass SIGTERM
# on and wait up to 30 s for the daemon before killing its process group.
stop_daemon() {
  local role=$1
  if systemd_is_pid1 && [ -f "/etc/systemd/system/gantry-$role.service" ]; then
    node "$gantry_js" uninstall "$role"
  fi
  stop_pidfile "/run/gantry/$role.pid" "gantry $role" 45
}

# stop_pidfile PIDFILE NAME WAIT_S: SIGTERM to the pid in PIDFILE, SIGKILL after WAIT_S seconds.
stop_pidfile() {
  local pidfile=$1 name=$2 wait_s=$3 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 $(( wait_s * 2 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}
