#!/usr/bin/env bash
# What `make check-stack` needs on this machine: podman, an OCI runtime that runs here,
# docker-compose 1.29 (the Compose client that talks to podman's Docker-compatible socket),
# and the base images the Dockerfile and docker-compose.yml name. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/../.."

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v docker-compose >/dev/null || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  echo "prepare: installing ${need[*]} from Debian"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# crun, podman's default runtime on Debian, refuses a host whose cgroups mix v1 and v2
# ("cgroups in hybrid mode not supported"); runc runs containers there.
conf=/etc/containers/containers.conf
if [ -d /sys/fs/cgroup/unified ] && ! grep -qs '^runtime *=' "$conf"; then
  mkdir -p /etc/containers
  printf '[engine]\nruntime = "runc"\n' >> "$conf"
  echo "prepare: podman uses runc (hybrid cgroups)"
fi

images=(docker.io/library/python:3.11-slim docker.io/library/postgres:15 docker.io/library/redis:7)
missing=()
for image in "${images[@]}"; do podman image exists "$image" || missing+=("$image"); done
if [ ${#missing[@]} -gt 0 ]; then
  # Where no registry is reachable, the project's machines build stand-ins for these images
  # from Debian's packages (STAND_IN_IMAGES names the tool); elsewhere they are pulled.
  tool=${STAND_IN_IMAGES:-}
  for candidate in ../shared/tools/stand-in-images /work/shared/tools/stand-in-images; do
    [ -n "$tool" ] || { [ -x "$candidate" ] && tool=$candidate; } || true
  done
  if [ -n "$tool" ]; then
    echo "prepare: building stand-in base images with $tool"
    "$tool"
  else
    for image in "${missing[@]}"; do podman pull -q "$image"; done
  fi
fi
echo "prepare: podman $(podman --version | awk '{print $3}'), $(docker-compose version --short), base images present"
