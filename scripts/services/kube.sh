# A Kubernetes control plane on loopback, sourced by services.sh: etcd, kube-apiserver (RBAC,
# token authentication, ServiceAccount keys), kube-scheduler, kube-controller-manager and kwok,
# which plays the kubelets of the nodes it is given. Everything is built from the Go module proxy
# once per version (kube/go.mod pins the release) and cached under $CACHE.
#
# State under $STATE/kube: the ServiceAccount key pair, the token file and one kubeconfig per
# identity (admin.kubeconfig is system:masters), the serving certificates the API server writes
# into pki/ on its first start, etcd's data and kwok's stages. `down` keeps it; the cluster's
# objects survive a restart, as a real one's do.

KUBE_VERSION=v1.35.4
# The etcd release kube/go.mod resolves for kube-apiserver v1.35.4.
ETCD_VERSION=v3.6.5
KWOK_VERSION=v0.8.0
ETCD_PORT=${PLIMSOLL_ETCD_PORT:-2379}
ETCD_PEER_PORT=${PLIMSOLL_ETCD_PEER_PORT:-2380}
KUBE_API_PORT=${PLIMSOLL_KUBE_API_PORT:-6443}
KUBE_SCHEDULER_PORT=${PLIMSOLL_KUBE_SCHEDULER_PORT:-10259}
KUBE_CM_PORT=${PLIMSOLL_KUBE_CONTROLLER_MANAGER_PORT:-10257}
KWOK_PORT=${PLIMSOLL_KWOK_PORT:-10247}
KUBE_START_TIMEOUT=${PLIMSOLL_KUBE_START_TIMEOUT:-120}
# How often the API server compacts etcd's history: a watch resumed from before the last
# compaction gets 410 Gone. Five minutes is the release's default; tests shorten it.
KUBE_COMPACTION_INTERVAL=${PLIMSOLL_KUBE_COMPACTION_INTERVAL:-5m}

KUBE_SERVICES=(etcd kube-apiserver kube-scheduler kube-controller-manager kwok)
KUBE_STATE=$STATE/kube

kube_bin_dir() { printf '%s/kube-%s\n' "$CACHE" "$KUBE_VERSION"; }
kwok_bin_dir() { printf '%s/kwok-%s\n' "$CACHE" "$KWOK_VERSION"; }

kube_binary() {
  case $1 in
    kwok) printf '%s/kwok\n' "$(kwok_bin_dir)" ;;
    *) printf '%s/%s\n' "$(kube_bin_dir)" "$1" ;;
  esac
}

# shellcheck source=../lib/go.sh
. "$SCRIPT_DIR/lib/go.sh"

# build_once NAME DIR BUILDER: unless DIR holds a complete build, runs `BUILDER SCRATCH` (output to
# SCRATCH, log to install-NAME.log) and moves SCRATCH to DIR when it succeeds, so an interrupted
# build never leaves binaries that look built.
build_once() {
  local name=$1 dir=$2 builder=$3 logf=$LOGS/install-$1.log started
  [ -f "$dir/.complete" ] && return 0
  GO=$(find_go) || die "$name: Go is not installed; it builds the control plane from the Go module proxy"
  # Go keeps its module and build caches under $HOME, which a bare CI environment may lack.
  [ -n "${HOME:-}" ] || export GOPATH=$CACHE/go GOCACHE=$CACHE/go-build
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  started=$SECONDS
  if ! "$builder" "$dir.tmp" >"$logf" 2>&1; then
    tail -n 20 "$logf" >&2
    rm -rf "$dir.tmp"
    die "$name: build failed (details in $logf)"
  fi
  touch "$dir.tmp/.complete"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  say "$name: built in $((SECONDS - started)) s ($dir)"
}

# The version is stamped as a release build stamps it, so `--version` and /version name it.
kube_builder() {
  (cd "$TEMPLATES/kube" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$GO" build -trimpath \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35 -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "$1/" ./etcd k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kube-controller-manager)
}

# The lifecycle kwok plays: a node initialised and kept Ready by heartbeats; a pod created, its
# init containers run, ready, completed and deleted. The cluster's own stages come after these.
KWOK_STAGES='node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml
pod/general/pod-create.yaml pod/general/pod-init-container-running.yaml
pod/general/pod-init-container-completed.yaml pod/general/pod-ready.yaml
pod/general/pod-complete.yaml pod/general/pod-delete.yaml'

kwok_builder() {
  local stages stage
  GOBIN=$1 CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$GO" install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || return 1
  # kwok's own Stages for a node's and a pod's ordinary lifecycle, from the module just built.
  stages=$("$GO" env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage
  mkdir -p "$1/stages"
  for stage in $KWOK_STAGES; do
    cp "$stages/$stage" "$1/stages/${stage//\//-}" || return 1
  done
}

install_kube() {
  if [ ! -f "$(kube_bin_dir)/.complete" ]; then
    say "kube: building etcd, kube-apiserver, kube-scheduler, kube-controller-manager $KUBE_VERSION from the Go module proxy (about 5 minutes the first time on 2 cores)"
  fi
  build_once kube "$(kube_bin_dir)" kube_builder
  if [ ! -f "$(kwok_bin_dir)/.complete" ]; then
    say "kwok: building sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION from the Go module proxy (about 1.5 minutes the first time)"
  fi
  build_once kwok "$(kwok_bin_dir)" kwok_builder
}
install_etcd() { install_kube; }
install_kube-apiserver() { install_kube; }
install_kube-scheduler() { install_kube; }
install_kube-controller-manager() { install_kube; }
install_kwok() { install_kube; }

random_token() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

# kubeconfig NAME TOKEN: a kubeconfig for one identity of the token file.
write_kubeconfig() {
  local name=$1 token=$2 file=$KUBE_STATE/$1.kubeconfig
  umask 077
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: plimsoll-local
    cluster:
      server: https://$HOST:$KUBE_API_PORT
      certificate-authority: $KUBE_STATE/pki/apiserver.crt
users:
  - name: $name
    user:
      token: $token
contexts:
  - name: $name
    context:
      cluster: plimsoll-local
      user: $name
current-context: $name
EOF
}

# Keys, tokens and kubeconfigs, made once: a restart keeps the identities the tests hold.
ensure_kube_state() {
  local admin scheduler cm
  mkdir -p "$KUBE_STATE/pki" "$KUBE_STATE/etcd"
  if [ ! -s "$KUBE_STATE/sa.key" ]; then
    need_cmd openssl openssl
    (umask 077 && openssl genrsa -out "$KUBE_STATE/sa.key" 2048 2>/dev/null)
    openssl rsa -in "$KUBE_STATE/sa.key" -pubout -out "$KUBE_STATE/sa.pub" 2>/dev/null
  fi
  if [ ! -s "$KUBE_STATE/tokens.csv" ]; then
    admin=$(random_token)
    scheduler=$(random_token)
    cm=$(random_token)
    (
      umask 077
      {
        printf '%s,admin,admin,"system:masters"\n' "$admin"
        printf '%s,system:kube-scheduler,system:kube-scheduler\n' "$scheduler"
        printf '%s,system:kube-controller-manager,system:kube-controller-manager\n' "$cm"
      } >"$KUBE_STATE/tokens.csv"
    )
    write_kubeconfig admin "$admin"
    write_kubeconfig kube-scheduler "$scheduler"
    write_kubeconfig kube-controller-manager "$cm"
  fi
  kwok_config >"$KUBE_STATE/kwok.yaml"
}

# kwok's configuration, then every stage it plays, as one multi-document file.
kwok_config() {
  local f
  cat "$TEMPLATES/kube/kwok.yaml"
  for f in "$(kwok_bin_dir)"/stages/*.yaml "$TEMPLATES"/kube/stages/*.yaml; do
    [ -f "$f" ] || continue
    printf -- '---\n'
    cat "$f"
  done
}

start_etcd() {
  ensure_port_free etcd "$ETCD_PORT"
  ensure_kube_state
  launch etcd "$KUBE_STATE" "$(kube_binary etcd)" --data-dir "$KUBE_STATE/etcd" \
    --listen-client-url "http://$HOST:$ETCD_PORT" --listen-peer-url "http://$HOST:$ETCD_PEER_PORT"
}

start_kube-apiserver() {
  ensure_port_free kube-apiserver "$KUBE_API_PORT"
  ensure_kube_state
  launch kube-apiserver "$KUBE_STATE" "$(kube_binary kube-apiserver)" \
    --etcd-servers "http://$HOST:$ETCD_PORT" \
    --etcd-compaction-interval "$KUBE_COMPACTION_INTERVAL" \
    --bind-address "$HOST" --advertise-address "$HOST" --secure-port "$KUBE_API_PORT" \
    --cert-dir "$KUBE_STATE/pki" \
    --token-auth-file "$KUBE_STATE/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$KUBE_STATE/sa.pub" \
    --service-account-signing-key-file "$KUBE_STATE/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --profiling=false
}

start_kube-scheduler() {
  ensure_port_free kube-scheduler "$KUBE_SCHEDULER_PORT"
  ensure_kube_state
  local kc=$KUBE_STATE/kube-scheduler.kubeconfig
  launch kube-scheduler "$KUBE_STATE" "$(kube_binary kube-scheduler)" \
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address "$HOST" --secure-port "$KUBE_SCHEDULER_PORT" --leader-elect=false \
    --profiling=false
}

start_kube-controller-manager() {
  ensure_port_free kube-controller-manager "$KUBE_CM_PORT"
  ensure_kube_state
  local kc=$KUBE_STATE/kube-controller-manager.kubeconfig
  launch kube-controller-manager "$KUBE_STATE" "$(kube_binary kube-controller-manager)" \
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address "$HOST" --secure-port "$KUBE_CM_PORT" --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "$KUBE_STATE/sa.key" \
    --root-ca-file "$KUBE_STATE/pki/apiserver.crt" \
    --profiling=false
}

# kwok manages only the nodes annotated for it, so nodes of other tools are left alone.
start_kwok() {
  ensure_port_free kwok "$KWOK_PORT"
  ensure_kube_state
  launch kwok "$KUBE_STATE" "$(kube_binary kwok)" \
    --kubeconfig "$KUBE_STATE/admin.kubeconfig" \
    --config "$KUBE_STATE/kwok.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --server-address "$HOST:$KWOK_PORT" \
    --cidr 10.244.0.0/16 --node-ip 10.0.0.1
}

kube_https_ok() { curl -sfk --max-time 3 -o /dev/null "https://$HOST:$1/$2"; }

kube_healthy_now() {
  case $1 in
    etcd) curl -sf --max-time 3 "http://$HOST:$ETCD_PORT/health" | grep -q '"health":"true"' ;;
    kube-apiserver) kube_https_ok "$KUBE_API_PORT" readyz ;;
    kube-scheduler) kube_https_ok "$KUBE_SCHEDULER_PORT" healthz ;;
    kube-controller-manager) kube_https_ok "$KUBE_CM_PORT" healthz ;;
    kwok) curl -sf --max-time 3 -o /dev/null "http://$HOST:$KWOK_PORT/healthz" ;;
  esac
}

kube_address_of() {
  case $1 in
    etcd) printf 'http://%s:%s' "$HOST" "$ETCD_PORT" ;;
    kube-apiserver) printf 'https://%s:%s' "$HOST" "$KUBE_API_PORT" ;;
    kube-scheduler) printf 'https://%s:%s' "$HOST" "$KUBE_SCHEDULER_PORT" ;;
    kube-controller-manager) printf 'https://%s:%s' "$HOST" "$KUBE_CM_PORT" ;;
    kwok) printf 'http://%s:%s' "$HOST" "$KWOK_PORT" ;;
  esac
}

kube_version_of() {
  case $1 in
    etcd) [ -f "$(kube_bin_dir)/.complete" ] && printf '%s' "$ETCD_VERSION" || printf 'not-installed' ;;
    kwok) [ -f "$(kwok_bin_dir)/.complete" ] && printf '%s' "$KWOK_VERSION" || printf 'not-installed' ;;
    *) [ -f "$(kube_bin_dir)/.complete" ] && printf '%s' "$KUBE_VERSION" || printf 'not-installed' ;;
  esac
}

kube_cmdline_pattern() { printf '%s' "$(kube_binary "$1") "; }
