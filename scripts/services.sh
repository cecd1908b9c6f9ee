#!/usr/bin/env bash
# Installs and runs, on loopback, the real services Plimsoll's tests and
# production talk to: Kafka (KRaft), Elasticsearch, Prometheus, Alertmanager,
# and a Kubernetes control plane (etcd, kube-apiserver, kube-scheduler,
# kube-controller-manager, kwok; `kube` names all five).
#
#   services.sh up      [kafka|elasticsearch|prometheus|alertmanager|kube|<kube part> ...]
#   services.sh down    [names]      default: every service that is running
#   services.sh status
#   services.sh install [names]      download/install only; default: all of them
#   services.sh logs    NAME [-f]
#
# `up` with no names starts kafka + elasticsearch only: the tests start
# Prometheus and Alertmanager themselves, with their own configs, and the
# control plane with `up kube`.
# Everything lives under $PLIMSOLL_SERVICES_DIR (default <repo>/.services).
# See scripts/services/README.md for versions, ports and environment variables.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
TEMPLATES=$SCRIPT_DIR/services

SERVICES_DIR=${PLIMSOLL_SERVICES_DIR:-$REPO_ROOT/.services}
CACHE=$SERVICES_DIR/cache
STATE=$SERVICES_DIR/state
LOGS=$SERVICES_DIR/logs
PIDS=$SERVICES_DIR/pids
M2_REPO=$CACHE/m2

HOST=127.0.0.1
KAFKA_PORT=${PLIMSOLL_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${PLIMSOLL_KAFKA_CONTROLLER_PORT:-9094}
ES_PORT=${PLIMSOLL_ES_PORT:-9200}
ES_TRANSPORT_PORT=${PLIMSOLL_ES_TRANSPORT_PORT:-9300}
PROM_PORT=${PLIMSOLL_PROM_PORT:-9090}
AM_PORT=${PLIMSOLL_AM_PORT:-9093}

# Candidates, newest first; the first one Maven Central resolves is used and
# then stays cached, so a machine does not silently change versions.
KAFKA_VERSIONS=${PLIMSOLL_KAFKA_VERSION:-3.9.2 3.9.1 3.9.0}
# The newest 8.x on Maven Central; 8.x still runs on Java 17 (9.x needs 21).
ES_VERSIONS=${PLIMSOLL_ES_VERSION:-8.19.21 8.19.4}
KAFKA_HEAP_OPTS=${PLIMSOLL_KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}
ES_HEAP_OPTS=${PLIMSOLL_ES_JAVA_OPTS:--Xms1g -Xmx1g}
ES_USER=plimsoll-es
PROMETHEUS_BIN=/usr/bin/prometheus
ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager
# Pinned so every machine runs the same plugin rather than Maven 3.8's old default.
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

STOP_TIMEOUT=${PLIMSOLL_STOP_TIMEOUT:-30}
KAFKA_START_TIMEOUT=${PLIMSOLL_KAFKA_START_TIMEOUT:-120}
ES_START_TIMEOUT=${PLIMSOLL_ES_START_TIMEOUT:-180}
PROM_START_TIMEOUT=${PLIMSOLL_PROM_START_TIMEOUT:-60}
LOG_ROTATE_BYTES=$((50 * 1024 * 1024))

# shellcheck source=services/kube.sh
. "$TEMPLATES/kube.sh"

ALL_SERVICES=(kafka elasticsearch prometheus alertmanager "${KUBE_SERVICES[@]}")
DEFAULT_UP=(kafka elasticsearch)

is_kube() { [[ " ${KUBE_SERVICES[*]} " == *" $1 "* ]]; }

# `kube` stands for the whole control plane, in the order it starts.
expand_names() {
  local n
  for n in "$@"; do
    if [ "$n" = kube ]; then printf '%s\n' "${KUBE_SERVICES[@]}"; else printf '%s\n' "$n"; fi
  done
}

say() { printf '%s\n' "$*"; }
warn() { printf 'services.sh: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

usage() {
  sed -n '7,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------
# System packages

APT_UPDATED=0

as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    warn "need root to run: $*"
    return 1
  fi
}

apt_install() {
  local logf=$LOGS/apt.log
  mkdir -p "$LOGS"
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt: updating package lists"
    as_root apt-get update -q >>"$logf" 2>&1 || { tail -n 20 "$logf" >&2; return 1; }
    APT_UPDATED=1
  fi
  say "apt: installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    >>"$logf" 2>&1 || { tail -n 20 "$logf" >&2; return 1; }
}

# Packages whose maintainer scripts would start a system daemon on the ports we
# want: a policy-rc.d that answers 101 stops invoke-rc.d from starting anything
# while they install. Only created (and removed) if the machine has none.
apt_install_no_autostart() {
  local made_policy=0 rc=0
  if ! as_root test -e /usr/sbin/policy-rc.d; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d' || return 1
    made_policy=1
  fi
  apt_install "$@" || rc=$?
  if [ "$made_policy" -eq 1 ]; then as_root rm -f /usr/sbin/policy-rc.d || true; fi
  if [ "$rc" -eq 0 ] && [ -d /run/systemd/system ]; then
    # With systemd the units get enabled and started regardless of policy-rc.d.
    local pkg
    for pkg in "$@"; do
      as_root systemctl disable --now "$pkg.service" >/dev/null 2>&1 || true
    done
  fi
  return "$rc"
}

need_cmd() { # need_cmd COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 || apt_install "$2" || die "cannot install $2 (for $1)"
}

need_java() {
  need_cmd java default-jre-headless
}

need_maven() {
  need_java
  need_cmd mvn maven
}

java_home() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then
    printf '%s\n' "$ES_JAVA_HOME"
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    printf '%s\n' "$JAVA_HOME"
  else
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

mvn_run() { # mvn_run LOGFILE ARGS...: quiet unless it fails
  local logfile=$1; shift
  mvn -B -q -Dmaven.repo.local="$M2_REPO" "$@" >>"$logfile" 2>&1
}

# ---------------------------------------------------------------------------
# Process bookkeeping

pid_file() { printf '%s/%s.pid\n' "$PIDS" "$1"; }
log_file() { printf '%s/%s.log\n' "$LOGS" "$1"; }

# A recorded pid only counts if that process still looks like the service:
# after a reboot or a crash the number may belong to something else. The
# patterns also match the short-lived `bash -c` wrapper that launch() execs
# through, so a service is not declared dead in its first milliseconds.
cmdline_pattern() {
  case $1 in
    kafka) printf '%s' ' kafka\.Kafka ' ;;
    elasticsearch) printf '%s' '/bin/elasticsearch|org\.elasticsearch\.' ;;
    prometheus) printf '%s' "(^| )$PROMETHEUS_BIN " ;;
    alertmanager) printf '%s' "(^| )$ALERTMANAGER_BIN " ;;
    *) kube_cmdline_pattern "$1" ;;
  esac
}

running_pid() {
  local pidf pid cmd
  pidf=$(pid_file "$1")
  [ -s "$pidf" ] || return 1
  pid=$(<"$pidf")
  [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  # A process in the middle of exec (the launch wrapper becoming the service) shows an empty
  # command line for a moment: read it again rather than call the service dead.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [ -n "$cmd" ] && break
    sleep 0.1
  done
  [[ $cmd =~ $(cmdline_pattern "$1") ]] || return 1
  printf '%s\n' "$pid"
}

clear_stale_pid() {
  local pidf
  pidf=$(pid_file "$1")
  if [ -e "$pidf" ] && ! running_pid "$1" >/dev/null; then
    say "$1: removing stale pid file (process $(cat "$pidf" 2>/dev/null || echo '?') is gone)"
    rm -f "$pidf"
  fi
}

port_open() { (: <>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Names the process listening on a port, so a clash says what to stop (another checkout's
# services, a system Kafka). Empty when ss is missing or the process belongs to another user.
port_holder() { # port_holder PORT
  local pid
  command -v ss >/dev/null || return 0
  pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [ -n "$pid" ] || return 0
  printf ' (pid %s: %s)' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
}

ensure_port_free() { # ensure_port_free SERVICE PORT
  if port_open "$2"; then
    die "$1: port $HOST:$2 is already in use by another process$(port_holder "$2"); stop it or set the port variable (see scripts/services/README.md)"
  fi
}

address_of() {
  case $1 in
    kafka) printf '%s:%s' "$HOST" "$KAFKA_PORT" ;;
    elasticsearch) printf 'http://%s:%s' "$HOST" "$ES_PORT" ;;
    prometheus) printf 'http://%s:%s' "$HOST" "$PROM_PORT" ;;
    alertmanager) printf 'http://%s:%s' "$HOST" "$AM_PORT" ;;
    *) kube_address_of "$1" ;;
  esac
}

rotate_log() {
  local f=$1
  if [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt "$LOG_ROTATE_BYTES" ]; then
    mv -f "$f" "$f.1"
  fi
}

LAUNCH_OFFSET=0
# launch NAME WORKDIR CMD...: detached into its own session so it outlives this
# script and a whole process tree (Elasticsearch's CLI + server JVM) can be
# signalled as one group. The child writes its own pid, which is the group id.
launch() {
  local name=$1 workdir=$2; shift 2
  local logf pidf i
  logf=$(log_file "$name")
  pidf=$(pid_file "$name")
  rotate_log "$logf"
  printf '\n===== %s: starting %s =====\n' "$(date '+%F %T')" "$name" >>"$logf"
  LAUNCH_OFFSET=$(stat -c %s "$logf")
  rm -f "$pidf"
  # fd 9 is the lock this script holds; the service must not inherit it.
  (
    cd "$workdir"
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
    exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" </dev/null >>"$logf" 2>&1 9>&-
  ) &
  for i in $(seq 1 50); do
    [ -s "$pidf" ] && break
    sleep 0.1
  done
  [ -s "$pidf" ] || die "$name: process did not start (no pid file)"
}

print_log_tail() {
  local logf
  logf=$(log_file "$1")
  if [ -f "$logf" ]; then
    warn "last 40 lines of $logf:"
    tail -n 40 "$logf" >&2
  fi
}

# ---------------------------------------------------------------------------
# Kafka

kafka_installed_version() {
  local v
  for v in $KAFKA_VERSIONS; do
    if [ -f "$CACHE/kafka-$v/.complete" ]; then
      printf '%s\n' "$v"
      return 0
    fi
  done
  return 1
}

install_kafka() {
  local v work logf
  if v=$(kafka_installed_version); then
    say "kafka: $v already installed"
    return 0
  fi
  need_maven
  mkdir -p "$CACHE" "$LOGS"
  # Maven runs in a scratch copy of the pom so it never writes into the repo.
  work=$CACHE/kafka-pom
  mkdir -p "$work"
  cp "$TEMPLATES/kafka/pom.xml" "$work/pom.xml"
  logf=$LOGS/install-kafka.log
  : >"$logf"
  for v in $KAFKA_VERSIONS; do
    say "kafka: resolving org.apache.kafka:kafka_2.13:$v from Maven Central"
    rm -rf "$CACHE/kafka-$v.tmp"
    if mvn_run "$logf" -f "$work/pom.xml" -Dkafka.version="$v" \
      "$DEP_PLUGIN:copy-dependencies" -DoutputDirectory="$CACHE/kafka-$v.tmp/lib"; then
      rm -rf "$CACHE/kafka-$v"
      mv "$CACHE/kafka-$v.tmp" "$CACHE/kafka-$v"
      printf '%s\n' "$v" >"$CACHE/kafka-$v/.complete"
      say "kafka: $v installed ($(find "$CACHE/kafka-$v/lib" -name '*.jar' | wc -l) jars)"
      return 0
    fi
    say "kafka: $v did not resolve"
  done
  tail -n 40 "$logf" >&2
  die "kafka: none of [$KAFKA_VERSIONS] could be resolved (details in $logf)"
}

kafka_java() { # kafka_java VERSION ARGS...: run a Kafka class in the foreground
  local v=$1; shift
  java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$TEMPLATES/kafka/log4j.properties" \
    -cp "$CACHE/kafka-$v/lib/*" "$@"
}

start_kafka() {
  local v state logf id
  v=$(kafka_installed_version)
  state=$STATE/kafka
  logf=$(log_file kafka)
  mkdir -p "$state/data" "$state/logs"
  ensure_port_free kafka "$KAFKA_PORT"
  ensure_port_free kafka "$KAFKA_CONTROLLER_PORT"

  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@DATA_DIR@|$state/data|g" \
    "$TEMPLATES/kafka/server.properties.template" >"$state/server.properties"

  # The cluster id is generated once and kept: KRaft refuses to start on data
  # formatted for a different id, and reformatting would lose the topics.
  if [ ! -s "$state/cluster.id" ]; then
    id=$(kafka_java "$v" kafka.tools.StorageTool random-uuid 2>>"$logf" | tail -n 1)
    [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka: could not generate a cluster id (got '$id')"
    printf '%s\n' "$id" >"$state/cluster.id"
  fi
  if [ ! -f "$state/data/meta.properties" ]; then
    say "kafka: formatting storage (cluster id $(<"$state/cluster.id"))"
    printf '\n===== %s: formatting kafka storage =====\n' "$(date '+%F %T')" >>"$logf"
    kafka_java "$v" kafka.tools.StorageTool format --ignore-formatted \
      -t "$(<"$state/cluster.id")" -c "$state/server.properties" >>"$logf" 2>&1 ||
      { print_log_tail kafka; die "kafka: storage format failed"; }
  fi

  printf '%s\n' "$v" >"$state/version"
  # GC settings are the ones kafka-server-start.sh uses.
  # shellcheck disable=SC2086 # heap options are deliberately word-split
  launch kafka "$state" java $KAFKA_HEAP_OPTS -server \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$TEMPLATES/kafka/log4j.properties" \
    -Dkafka.logs.dir="$state/logs" \
    -cp "$CACHE/kafka-$v/lib/*" kafka.Kafka "$state/server.properties"
  KAFKA_LAUNCH_OFFSET=$LAUNCH_OFFSET
}

KAFKA_LAUNCH_OFFSET=0
kafka_started_in_log() {
  grep -q 'Kafka Server started' < <(tail -c "+$((KAFKA_LAUNCH_OFFSET + 1))" "$(log_file kafka)")
}

# A broker that accepts TCP may still be electing itself controller; a metadata
# round-trip proves clients can actually use it.
kafka_metadata_ok() {
  local v out
  v=$(cat "$STATE/kafka/version")
  if ! out=$(timeout 60 java -Xms32m -Xmx128m -XX:+UseSerialGC \
    -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$TEMPLATES/kafka/log4j.properties" \
    -cp "$CACHE/kafka-$v/lib/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$HOST:$KAFKA_PORT" --list 2>&1); then
    printf '%s\n' "$out" >>"$(log_file kafka)"
    return 1
  fi
}

# ---------------------------------------------------------------------------
# Elasticsearch

ES_GROUP_ID=org.elasticsearch.distribution.integ-test-zip
ES_ARTIFACT_ID=elasticsearch

es_installed_version() {
  local v
  for v in $ES_VERSIONS; do
    if [ -f "$CACHE/elasticsearch-$v/.complete" ]; then
      printf '%s\n' "$v"
      return 0
    fi
  done
  return 1
}

install_elasticsearch() {
  local v logf zip
  if v=$(es_installed_version); then
    say "elasticsearch: $v already installed"
    return 0
  fi
  need_maven
  need_cmd unzip unzip
  mkdir -p "$CACHE/downloads" "$LOGS"
  logf=$LOGS/install-elasticsearch.log
  : >"$logf"
  for v in $ES_VERSIONS; do
    say "elasticsearch: fetching $ES_GROUP_ID:$ES_ARTIFACT_ID:$v:zip from Maven Central"
    if mvn_run "$logf" "$DEP_PLUGIN:copy" \
      -Dartifact="$ES_GROUP_ID:$ES_ARTIFACT_ID:$v:zip" -DoutputDirectory="$CACHE/downloads"; then
      zip=$CACHE/downloads/$ES_ARTIFACT_ID-$v.zip
      rm -rf "$CACHE/elasticsearch-$v.tmp" "$CACHE/elasticsearch-$v"
      mkdir -p "$CACHE/elasticsearch-$v.tmp"
      unzip -q "$zip" -d "$CACHE/elasticsearch-$v.tmp" || die "elasticsearch: cannot unzip $zip"
      mv "$CACHE/elasticsearch-$v.tmp/elasticsearch-$v" "$CACHE/elasticsearch-$v"
      rm -rf "$CACHE/elasticsearch-$v.tmp"
      # The zip stays in the local Maven repository; a second copy is just bulk.
      rm -f "$zip"
      printf '%s\n' "$v" >"$CACHE/elasticsearch-$v/.complete"
      say "elasticsearch: $v installed"
      return 0
    fi
    say "elasticsearch: $v did not resolve"
  done
  tail -n 40 "$logf" >&2
  die "elasticsearch: none of [$ES_VERSIONS] could be resolved (details in $logf)"
}

# Elasticsearch refuses to run as root, so root runs it as a dedicated system
# user; anyone else runs it as themselves.
ensure_es_user() {
  if ! id -u "$ES_USER" >/dev/null 2>&1; then
    say "elasticsearch: creating system user $ES_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$ES_USER"
  fi
}

ES_RUN_AS=()
as_es_user_cmd() { # sets ES_RUN_AS, the argv prefix that drops to the ES user
  if is_root; then
    ES_RUN_AS=(setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups)
  else
    ES_RUN_AS=()
  fi
}

# The ES user must be able to reach the install and state dirs; a checkout under
# /root (mode 700) would otherwise make the JVM fail with a bare "permission
# denied". Only the search (x) bit is added, never read.
grant_traverse() {
  local target=$1 dir='' part
  "${ES_RUN_AS[@]}" test -x "$target" && return 0
  # Top-down, so only the directories that actually block get changed.
  local IFS=/
  for part in ${target#/}; do
    dir=$dir/$part
    if ! "${ES_RUN_AS[@]}" test -x "$dir"; then
      say "elasticsearch: allowing $ES_USER to traverse $dir (chmod o+x)"
      chmod o+x "$dir"
    fi
  done
  unset IFS
  "${ES_RUN_AS[@]}" test -x "$target" || die "elasticsearch: $ES_USER cannot reach $target"
}

start_elasticsearch() {
  local v home state f
  v=$(es_installed_version)
  home=$CACHE/elasticsearch-$v
  state=$STATE/elasticsearch
  ensure_port_free elasticsearch "$ES_PORT"
  ensure_port_free elasticsearch "$ES_TRANSPORT_PORT"
  mkdir -p "$state/config" "$state/data" "$state/logs" "$state/tmp"

  # ES writes into its config dir (keystore), so it gets a private copy; the
  # distribution's files are refreshed each start in case the version changed.
  for f in "$home"/config/*; do
    [ "$(basename "$f")" = elasticsearch.yml ] && continue
    cp -R "$f" "$state/config/"
  done
  sed -e "s|@HTTP_PORT@|$ES_PORT|g" \
    -e "s|@TRANSPORT_PORT@|$ES_TRANSPORT_PORT|g" \
    -e "s|@DATA_DIR@|$state/data|g" \
    -e "s|@LOGS_DIR@|$state/logs|g" \
    "$TEMPLATES/elasticsearch/elasticsearch.yml.template" >"$state/config/elasticsearch.yml"

  as_es_user_cmd
  if is_root; then
    ensure_es_user
    find "$state" ! -user "$ES_USER" -exec chown "$ES_USER:$ES_USER" {} +
    grant_traverse "$home/bin"
    grant_traverse "$state"
  fi

  printf '%s\n' "$v" >"$state/version"
  # cwd is the logs dir because jvm.options writes gc.log and hs_err files
  # relative to it. JAVA_HOME is ignored by ES; it only reads ES_JAVA_HOME.
  launch elasticsearch "$state/logs" "${ES_RUN_AS[@]}" env \
    ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$state/config" ES_TMPDIR="$state/tmp" \
    ES_JAVA_OPTS="$ES_HEAP_OPTS" HOME="$state" \
    "$home/bin/elasticsearch"
}

es_healthy() {
  local out
  out=$(curl -s --max-time 5 "http://$HOST:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s") || return 1
  [[ $out =~ \"status\":\"(green|yellow)\" ]]
}

# ---------------------------------------------------------------------------
# Prometheus and Alertmanager (Debian packages, run by hand, not as system units)

install_prometheus() {
  if [ -x "$PROMETHEUS_BIN" ] && command -v promtool >/dev/null 2>&1; then
    say "prometheus: $(tool_version prometheus) already installed"
    return 0
  fi
  apt_install_no_autostart prometheus || die "prometheus: apt-get install prometheus failed"
  say "prometheus: $(tool_version prometheus) installed"
}

install_alertmanager() {
  if [ -x "$ALERTMANAGER_BIN" ]; then
    say "alertmanager: $(tool_version alertmanager) already installed"
    return 0
  fi
  apt_install_no_autostart prometheus-alertmanager ||
    die "alertmanager: apt-get install prometheus-alertmanager failed"
  say "alertmanager: $(tool_version alertmanager) installed"
}

tool_version() { # "prometheus, version 2.42.0+ds (branch: ...)" -> 2.42.0+ds
  local bin
  case $1 in
    prometheus) bin=$PROMETHEUS_BIN ;;
    alertmanager) bin=$ALERTMANAGER_BIN ;;
  esac
  [ -x "$bin" ] || { printf 'not-installed'; return 0; }
  "$bin" --version 2>&1 | awk 'NR == 1 { for (i = 1; i < NF; i++) if ($i == "version") { print $(i + 1); exit } }'
}

absolute_config() { # absolute_config SERVICE PATH: the service runs from its state dir
  local p
  p=$(realpath -m -- "$2")
  [ -f "$p" ] || die "$1: config file $2 does not exist"
  printf '%s\n' "$p"
}

start_prometheus() {
  local state config
  state=$STATE/prometheus
  mkdir -p "$state/data"
  ensure_port_free prometheus "$PROM_PORT"
  if [ -n "${PROMETHEUS_CONFIG:-}" ]; then
    config=$(absolute_config prometheus "$PROMETHEUS_CONFIG")
  else
    config=$state/prometheus.yml
    sed "s|127\.0\.0\.1:9090|$HOST:$PROM_PORT|g" "$TEMPLATES/prometheus/prometheus.yml" >"$config"
  fi
  launch prometheus "$state" "$PROMETHEUS_BIN" \
    --config.file="$config" \
    --storage.tsdb.path="$state/data" \
    --web.listen-address="$HOST:$PROM_PORT" \
    --web.enable-admin-api \
    --web.enable-lifecycle
}

start_alertmanager() {
  local state config
  state=$STATE/alertmanager
  mkdir -p "$state/data"
  ensure_port_free alertmanager "$AM_PORT"
  config=$(absolute_config alertmanager "${ALERTMANAGER_CONFIG:-$TEMPLATES/alertmanager/alertmanager.yml}")
  # An empty cluster address turns off gossip, which would otherwise open 9094
  # (our Kafka controller port) and go looking for peers.
  launch alertmanager "$state" "$ALERTMANAGER_BIN" \
    --config.file="$config" \
    --storage.path="$state/data" \
    --web.listen-address="$HOST:$AM_PORT" \
    --cluster.listen-address=
}

http_ready() { curl -sf --max-time 3 -o /dev/null "http://$HOST:$1/-/ready"; }

# ---------------------------------------------------------------------------
# Generic per-service dispatch

install_service() { "install_$1"; }
start_service() { "start_$1"; }

# Cheap check used when the service is already running: `up` must stay fast.
healthy_now() {
  case $1 in
    kafka) port_open "$KAFKA_PORT" ;;
    elasticsearch) es_healthy ;;
    prometheus) http_ready "$PROM_PORT" ;;
    alertmanager) http_ready "$AM_PORT" ;;
    *) kube_healthy_now "$1" ;;
  esac
}

start_timeout() {
  case $1 in
    kafka) printf '%s' "$KAFKA_START_TIMEOUT" ;;
    elasticsearch) printf '%s' "$ES_START_TIMEOUT" ;;
    prometheus | alertmanager) printf '%s' "$PROM_START_TIMEOUT" ;;
    *) printf '%s' "$KUBE_START_TIMEOUT" ;;
  esac
}

# wait_healthy NAME FRESH: FRESH=1 when this invocation just launched it.
wait_healthy() {
  local name=$1 fresh=$2 deadline pid
  deadline=$((SECONDS + $(start_timeout "$name")))
  while :; do
    if ! pid=$(running_pid "$name"); then
      warn "$name: process exited during startup"
      rm -f "$(pid_file "$name")"
      print_log_tail "$name"
      return 1
    fi
    if [ "$name" = kafka ]; then
      if port_open "$KAFKA_PORT" && { [ "$fresh" -eq 0 ] || kafka_started_in_log; }; then
        kafka_metadata_ok && break
      fi
    elif healthy_now "$name"; then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "$name: not healthy after $(start_timeout "$name")s at $(address_of "$name"); stopping it"
      print_log_tail "$name"
      stop_service "$name" >/dev/null 2>&1 || true
      return 1
    fi
    sleep 1
  done
  say "$name: up (pid $pid, $(address_of "$name"), $(version_of "$name"))"
}

version_of() {
  local v
  case $1 in
    kafka)
      v=$(cat "$STATE/kafka/version" 2>/dev/null) || v=$(kafka_installed_version) || v=not-installed ;;
    elasticsearch)
      v=$(cat "$STATE/elasticsearch/version" 2>/dev/null) || v=$(es_installed_version) || v=not-installed ;;
    prometheus | alertmanager)
      v=$(tool_version "$1") ;;
    *) v=$(kube_version_of "$1") ;;
  esac
  printf '%s' "$v"
}

stop_service() {
  local name=$1 pid deadline
  if ! pid=$(running_pid "$name"); then
    clear_stale_pid "$name"
    say "$name: not running"
    return 0
  fi
  say "$name: stopping (pid $pid)"
  # The pid leads its own process group (setsid), so this also reaches the
  # Elasticsearch server JVM that its CLI launcher forked.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 -- "-$pid" 2>/dev/null || [ -d "/proc/$pid" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "$name: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$name")"
  say "$name: stopped"
}

validate_names() {
  local n s ok
  for n in "$@"; do
    ok=0
    for s in "${ALL_SERVICES[@]}"; do [ "$n" = "$s" ] && ok=1; done
    [ "$ok" -eq 1 ] || die "unknown service '$n' (known: ${ALL_SERVICES[*]})"
  done
}

take_lock() {
  mkdir -p "$SERVICES_DIR" "$CACHE" "$STATE" "$LOGS" "$PIDS"
  exec 9>"$SERVICES_DIR/.lock"
  if ! flock -n 9; then
    say "waiting for another services.sh run to finish"
    flock -w 900 9 || die "timed out waiting for the lock on $SERVICES_DIR/.lock"
  fi
}

# ---------------------------------------------------------------------------
# Commands

cmd_install() {
  local names n
  mapfile -t names < <(expand_names "$@")
  [ ${#names[@]} -gt 0 ] || names=("${ALL_SERVICES[@]}")
  validate_names "${names[@]}"
  take_lock
  for n in "${names[@]}"; do install_service "$n"; done
}

cmd_up() {
  local names n pid to_wait=() fresh=() failed=() i
  mapfile -t names < <(expand_names "$@")
  [ ${#names[@]} -gt 0 ] || names=("${DEFAULT_UP[@]}")
  validate_names "${names[@]}"
  take_lock
  need_cmd curl curl
  for n in "${names[@]}"; do
    if pid=$(running_pid "$n"); then
      if healthy_now "$n"; then
        say "$n: already running (pid $pid, $(address_of "$n"), $(version_of "$n"))"
        continue
      fi
      # Alive but not answering: most likely still starting from an earlier
      # run that was interrupted, so give it the normal startup time.
      to_wait+=("$n")
      fresh+=(0)
      continue
    fi
    clear_stale_pid "$n"
    install_service "$n"
    say "$n: starting"
    start_service "$n"
    # Each part of the control plane needs the one before it (the API server's certificate is
    # what the others trust), so they start one after another.
    if is_kube "$n"; then
      wait_healthy "$n" 1 || die "failed to start: $n"
      continue
    fi
    to_wait+=("$n")
    fresh+=(1)
  done
  # Everything is launched before anything is waited for, so Kafka and
  # Elasticsearch boot in parallel.
  for i in "${!to_wait[@]}"; do
    wait_healthy "${to_wait[$i]}" "${fresh[$i]}" || failed+=("${to_wait[$i]}")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    die "failed to start: ${failed[*]}"
  fi
}

cmd_down() {
  local names n i
  mapfile -t names < <(expand_names "$@")
  if [ ${#names[@]} -eq 0 ]; then
    for n in "${ALL_SERVICES[@]}"; do
      if running_pid "$n" >/dev/null; then
        names+=("$n")
      else
        clear_stale_pid "$n" 2>/dev/null || true
      fi
    done
    [ ${#names[@]} -gt 0 ] || { say "nothing is running"; return 0; }
  fi
  validate_names "${names[@]}"
  take_lock
  # Last started, first stopped: kwok and the controllers before the API server, etcd last.
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do stop_service "${names[$i]}"; done
}

cmd_status() {
  local n pid st
  for n in "${ALL_SERVICES[@]}"; do
    if pid=$(running_pid "$n"); then
      st=running
    else
      st=stopped
      pid=-
    fi
    printf '%-24s %-8s %-8s %-24s %s\n' "$n" "$st" "$pid" "$(address_of "$n")" "$(version_of "$n")"
  done
}

cmd_logs() {
  [ $# -ge 1 ] || die "usage: services.sh logs NAME [-f]"
  validate_names "$1"
  local logf
  logf=$(log_file "$1")
  [ -f "$logf" ] || die "$1: no log yet ($logf)"
  if [ "${2:-}" = -f ]; then
    exec tail -n "${PLIMSOLL_LOG_LINES:-100}" -F "$logf"
  fi
  tail -n "${PLIMSOLL_LOG_LINES:-100}" "$logf"
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    install) cmd_install "$@" ;;
    logs) cmd_logs "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
