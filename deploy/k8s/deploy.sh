#!/usr/bin/env bash
# Deploy (or upgrade) tiepdan from an overlay, in the order that is safe:
#
#   deploy/k8s/deploy.sh pilot|province [--dry-run]
#
#   1. platform  namespace, ConfigMap, NetworkPolicies, Kafka (Strimzi),
#                PostgreSQL (CloudNativePG), monitoring; then wait until the
#                Kafka cluster, its topics and users, and the PostgreSQL
#                cluster are Ready.
#   2. migrate   delete the previous migration Jobs (a Job's template is
#                immutable), apply one per service, wait for all to complete.
#                A failed migration stops here: the running pods keep serving
#                on the schema they know.
#   3. serve     Deployments, Services, HPAs, PDBs, Ingress; wait for the
#                rollouts.
#
# Prerequisites (docs/operations.md, "Deploy"): the Strimzi, CloudNativePG and
# Prometheus operators, an ingress controller, and the Secrets listed there.
# Needs kubectl >= 1.27 (built-in kustomize v5).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
overlay="${1:-}"
dry_run=()
if [[ "${2:-}" == "--dry-run" ]]; then
    dry_run=(--dry-run=server)
fi
if [[ -z "$overlay" || ! -f "$HERE/overlays/$overlay/kustomization.yaml" ]]; then
    echo "usage: $0 OVERLAY [--dry-run]   (overlays: $(ls "$HERE/overlays" | tr '\n' ' '))" >&2
    exit 2
fi
dir="$HERE/overlays/$overlay"
namespace="$(kubectl kustomize "$dir" | sed -n 's/^  namespace: //p' | head -n 1)"
log() { printf '[deploy %s] %s\n' "$overlay" "$*" >&2; }

phase() { kubectl apply "${dry_run[@]}" -k "$dir" --selector "tiepdan.io/phase=$1"; }

log "phase 1/3: platform (namespace $namespace)"
phase platform
if (( ${#dry_run[@]} == 0 )); then
    kubectl -n "$namespace" wait kafka/tiepdan --for=condition=Ready --timeout=15m
    kubectl -n "$namespace" wait kafkatopic,kafkauser --all --for=condition=Ready --timeout=5m
    kubectl -n "$namespace" wait cluster.postgresql.cnpg.io/tiepdan-pg --for=condition=Ready --timeout=15m
fi

log "phase 2/3: migrations"
if (( ${#dry_run[@]} == 0 )); then
    kubectl -n "$namespace" delete job --selector tiepdan.io/phase=migrate --ignore-not-found --wait=true
fi
phase migrate
if (( ${#dry_run[@]} == 0 )); then
    if ! kubectl -n "$namespace" wait job --selector tiepdan.io/phase=migrate \
            --for=condition=Complete --timeout=15m; then
        log "a migration did not complete; the services were NOT rolled out"
        kubectl -n "$namespace" logs --selector app.kubernetes.io/component=migration --tail=50 >&2 || true
        exit 1
    fi
fi

log "phase 3/3: services"
phase serve
if (( ${#dry_run[@]} == 0 )); then
    for deployment in intake routing notification; do
        kubectl -n "$namespace" rollout status "deployment/$deployment" --timeout=10m
    done
fi
log "done"
