#!/usr/bin/env bash
# Installs every Debian and npm package Gantry needs, skipping what is already there.
# Idempotent and quiet: `make up`, `make test` and `make bench` all start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  etcd-server etcd-client      # the control plane's Raft store (etcdctl for benchmarks)
  protobuf-compiler            # protoc, driven by ts-proto for proto/
  runc conmon                  # container runtime
  docker-registry skopeo umoci # a real OCI registry for tests, and the reference puller
  busybox-static               # test images are built from it
  containernetworking-plugins  # pod networks: bridge, host-local, portmap (agent/pod-networking.ts)
  iptables                     # portmap (hostPort) programs its DNAT through it (iptables-nft)
  nftables iproute2
  conntrack                    # the service proxy deletes stale UDP flows
  wrk                          # HTTP load generator for the network benchmark
  systemd                      # systemd-analyze verify checks the units `gantry install` writes
  openssl util-linux procps psmisc curl attr
  python3-kubernetes           # the official Python client, for the end-to-end test of its watch (?watch=True)
)

missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts services on install where an init system runs; Gantry supervises its own.
  for svc in etcd docker-registry; do
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.gantry-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

# kubectl 1.20 (Debian's kubernetes-client) for the tests of older clients (OpenAPI v2, SPDY
# exec/attach/port-forward): downloaded and unpacked into .cache/, never installed, so
# /usr/bin/kubectl stays the one users run.
old_kubectl=.cache/kubernetes-client/usr/bin/kubectl
if [ ! -x "$old_kubectl" ]; then
  echo "extracting Debian's kubernetes-client (kubectl 1.20) into .cache/kubernetes-client"
  mkdir -p .cache/debs
  # apt warns that root downloads "unsandboxed"; harmless here. A failure is retried once after
  # refreshing the package lists, and then shown.
  (cd .cache/debs && apt-get download -qq kubernetes-client 2>/dev/null) ||
    { apt-get update -qq && (cd .cache/debs && apt-get download -qq kubernetes-client); }
  rm -rf .cache/kubernetes-client
  dpkg-deb -x "$(ls -t .cache/debs/kubernetes-client_*.deb | head -n1)" .cache/kubernetes-client
fi
