"""Reading rendered manifests the way the cluster will: objects by kind and name, a pod's
spec, labels and environment, the Secrets referenced, and what NetworkPolicies allow."""

from __future__ import annotations

import re
from typing import Any

from tests.deploy.kustomize import Manifest


def of_kind(documents: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def one(documents: list[Manifest], kind: str, name: str) -> Manifest:
    found = of_kind(documents, kind)
    assert name in found, f"no {kind} {name}"
    return found[name]


def pod_spec(document: Manifest) -> dict[str, Any]:
    return document["spec"]["template"]["spec"]


def container(document: Manifest) -> dict[str, Any]:
    containers = pod_spec(document)["containers"]
    assert len(containers) == 1, f"{document['metadata']['name']}: one container expected"
    return containers[0]


def pod_labels(document: Manifest) -> dict[str, str]:
    return document["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions with In/NotIn/Exists)."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        value, operator = labels.get(expression["key"]), expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "NotIn" and value in expression["values"]:
            return False
        if operator == "Exists" and value is None:
            return False
        if operator == "DoesNotExist" and value is not None:
            return False
    return True


def container_env(document: Manifest, config: dict[str, str]) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom ConfigMaps, then
    env with $(VAR) expanded; secrets and the pod's fields stand in as placeholders."""
    spec = container(document)
    env: dict[str, str] = {}
    for source in spec.get("envFrom", []):
        assert source["configMapRef"]["name"] == "tiepdan-config"
        env.update(config)
    for variable in spec.get("env", []):
        if "value" in variable:
            env[variable["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), variable["value"]
            )
        elif "fieldRef" in variable["valueFrom"]:
            # the pod's own fields (its name): a stand-in, as the kubelet's is per pod
            path = variable["valueFrom"]["fieldRef"]["fieldPath"]
            env[variable["name"]] = f"pod-{path.replace('.', '-')}"
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = f"secret-{ref['name']}-{ref['key']}"
    return env


def secret_refs(documents: list[Manifest]) -> set[str]:
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "secretKeyRef":
                    names.add(v["name"])
                elif k == "secret" and isinstance(v, dict) and "secretName" in v:
                    names.add(v["secretName"])
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for document in documents:
        if document["kind"] in ("Deployment", "Job"):
            walk(document)
    return names


def policies_for(overlay: list[Manifest], labels: dict[str, str], direction: str) -> list[Manifest]:
    return [
        policy
        for policy in of_kind(overlay, "NetworkPolicy").values()
        if direction in policy["spec"]["policyTypes"]
        and selects(policy["spec"]["podSelector"], labels)
    ]


def peers(policies: list[Manifest], direction: str) -> list[tuple[dict[str, Any], Any]]:
    """(peer, port) pairs a set of policies allows."""
    field = "from" if direction == "Ingress" else "to"
    pairs = []
    for policy in policies:
        for rule in policy["spec"].get(direction.lower(), []):
            for peer in rule.get(field, []):
                for port in rule.get("ports", [{}]):
                    pairs.append((peer, port.get("port")))
    return pairs
