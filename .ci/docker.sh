#!/usr/bin/env bash
# Starts and stops a private Docker Engine for Slipway's tests: own data root, socket and pidfile,
# no bridge, no iptables (containers use host networking, so test traffic stays on loopback).
#
#   .ci/docker.sh start    install docker.io if needed, start dockerd, print `export DOCKER_HOST=…`
#   .ci/docker.sh stop     stop the dockerd this script started (by the pid in its pidfile)
#   .ci/docker.sh status   say whether it answers
#
# `start` always exits 0 so a CI job can go on and let the Docker tests skip: when the engine
# cannot run, the reason goes to stderr and to $STATE_DIR/unavailable. Use it as
#   eval "$(.ci/docker.sh start)"      or      .ci/docker.sh start >/dev/null; . /run/slipway-docker/env
# Image pulls are pointed at a closed loopback port (set SLIPWAY_DOCKER_ALLOW_PULL=1 to allow them).
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

STATE_DIR="${SLIPWAY_DOCKER_STATE:-/run/slipway-docker}"
DATA_ROOT="${SLIPWAY_DOCKER_DATA:-/var/lib/slipway-docker}"
SOCKET="${SLIPWAY_DOCKER_SOCKET:-/run/slipway-docker.sock}"
WAIT_SECONDS="${SLIPWAY_DOCKER_WAIT:-60}"
PIDFILE="$STATE_DIR/dockerd.pid"
LOGFILE="$STATE_DIR/dockerd.log"
ENVFILE="$STATE_DIR/env"
REASONFILE="$STATE_DIR/unavailable"
DOCKER_HOST_VALUE="unix://$SOCKET"

say() { printf '%s\n' "docker.sh: $*" >&2; }

# Exit 0 with a reason: callers (and the test suite) skip Docker work instead of failing.
unavailable() {
  mkdir -p "$STATE_DIR" 2>/dev/null
  printf '%s\n' "$*" >"$REASONFILE" 2>/dev/null
  rm -f "$ENVFILE"
  say "Docker is unavailable: $*"
  printf '# docker unavailable: %s\n' "$*"
  exit 0
}

answers() {
  # The docker CLI is only a probe here; the tests talk to the socket through dockerode.
  timeout 5 docker -H "$DOCKER_HOST_VALUE" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

our_dockerd_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # A stale pidfile may name a recycled pid: only a live dockerd counts.
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ] || return 1
  printf '%s\n' "$pid"
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  # The tests build their base image from Debian's static busybox (no registry is reachable).
  [ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing+=(busybox-static)
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || unavailable "dockerd not installed and apt-get not found"
  [ "$(id -u)" -eq 0 ] || unavailable "dockerd not installed and not root (cannot apt-get install ${missing[*]})"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
      </dev/null >"$STATE_DIR/apt.log" 2>&1; then
    tail -n 5 "$STATE_DIR/apt.log" >&2
    command -v dockerd >/dev/null 2>&1 || unavailable "apt-get install docker.io failed (see $STATE_DIR/apt.log)"
  fi
  # --no-install-recommends skips these on some images; dockerd needs them to run anything.
  for bin in containerd runc; do
    command -v "$bin" >/dev/null 2>&1 || unavailable "$bin missing after installing docker.io"
  done
}

# Reasons we can name before trying; dockerd's own log covers the rest.
preflight() {
  [ "$(id -u)" -eq 0 ] || unavailable "dockerd needs root (running as uid $(id -u)); rootless mode is not set up"
  [ -d /sys/fs/cgroup ] || unavailable "/sys/fs/cgroup is missing: no cgroup filesystem mounted"
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != "cgroup2fs" ] && ! grep -q ' cgroup ' /proc/mounts; then
    unavailable "neither cgroup v2 nor any cgroup v1 controller is mounted under /sys/fs/cgroup"
  fi
  [ -w /sys/fs/cgroup ] || unavailable "/sys/fs/cgroup is read-only (container without cgroup write access)"
}

# One attempt with one storage driver ('' = dockerd's choice, normally overlay2).
launch() {
  local driver="$1" deadline=$((SECONDS + $2)) pid
  local args=(
    --data-root "$DATA_ROOT"
    --exec-root "$STATE_DIR/exec"
    --host "$DOCKER_HOST_VALUE"
    --pidfile "$PIDFILE"
    --bridge=none --iptables=false --ip-masq=false
  )
  [ -n "$driver" ] && args+=(--storage-driver "$driver")
  say "starting dockerd ${args[*]}"
  printf '\n=== %s dockerd %s\n' "$(date -u +%FT%TZ)" "${args[*]}" >>"$LOGFILE"
  # Pulls would leave loopback (tests build their images locally): unless allowed, route the
  # daemon's registry traffic to a closed loopback port so a stray FROM fails fast, offline.
  local proxy=()
  if [ "${SLIPWAY_DOCKER_ALLOW_PULL:-}" != "1" ]; then
    proxy=(HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= http_proxy= https_proxy= no_proxy=)
  fi
  # setsid: the daemon outlives this script and the CI step's process group.
  env "${proxy[@]}" setsid dockerd "${args[@]}" </dev/null >>"$LOGFILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$STATE_DIR/launcher.pid"
  while [ "$SECONDS" -lt "$deadline" ]; do
    if answers; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  say "dockerd did not answer within $2 s; stopping it"
  kill -TERM "$pid" 2>/dev/null
  sleep 2
  kill -KILL "$pid" 2>/dev/null
  return 1
}

# The last error of the last attempt: a fatal/error log entry or a plain line dockerd printed.
last_error() {
  awk '/^=== /{e=""; next} NF && (/level=(fatal|error)/ || !/^time=/){e=$0} END{print e}' "$LOGFILE" 2>/dev/null \
    | sed -E 's/.*msg="(([^"\\]|\\.)*)".*/\1/'
}

start() {
  mkdir -p "$STATE_DIR" "$DATA_ROOT" || unavailable "cannot create $STATE_DIR or $DATA_ROOT"
  rm -f "$REASONFILE"
  install_packages
  if our_dockerd_pid >/dev/null && answers; then
    say "dockerd already running (pid $(our_dockerd_pid))"
  else
    preflight
    [ -S "$SOCKET" ] && rm -f "$SOCKET"
    local began=$SECONDS started=''
    # overlay2 first; vfs (plain copies, slow but works on almost any filesystem) as the fallback.
    for driver in '' vfs; do
      local left=$((WAIT_SECONDS - (SECONDS - began)))
      [ "$left" -gt 0 ] || break
      if launch "$driver" "$left"; then started=yes; break; fi
      say "dockerd with storage driver '${driver:-default}' failed: $(last_error)"
      # Only a storage problem is worth a second try with another driver.
      last_error | grep -qiE 'driver|overlay|graph|mount|filesystem|d_type' || break
    done
    [ -n "$started" ] || unavailable "dockerd did not start: $(last_error) (log: $LOGFILE)"
    say "dockerd answered after $((SECONDS - began)) s (pid $(our_dockerd_pid))"
  fi
  say "$(docker -H "$DOCKER_HOST_VALUE" info --format \
    'engine {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null)"
  printf 'export DOCKER_HOST=%s\n' "$DOCKER_HOST_VALUE" >"$ENVFILE"
  cat "$ENVFILE"
}

stop() {
  local pid
  if ! pid="$(our_dockerd_pid)"; then
    say "no dockerd started by this script is running"
    rm -f "$PIDFILE" "$ENVFILE"
    return 0
  fi
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "dockerd (pid $pid) still running after 30 s; sending KILL"
    kill -KILL "$pid"
  fi
  rm -f "$PIDFILE" "$ENVFILE"
}

status() {
  local pid
  if pid="$(our_dockerd_pid)" && answers; then
    say "running (pid $pid), DOCKER_HOST=$DOCKER_HOST_VALUE"
    return 0
  fi
  if [ -s "$REASONFILE" ]; then say "not running: $(cat "$REASONFILE")"; else say "not running"; fi
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) printf 'usage: %s start|stop|status\n' "$0" >&2; exit 2 ;;
esac
