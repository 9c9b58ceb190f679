"""A small kustomize: `kustomize build` for the features deploy/k8s uses (resources,
namespace, labels, images, strategic-merge and JSON 6902 patches); anything else fails
loudly. tests/deploy/test_k8s.py renders the overlays with it, and compares it with a
`kustomize` or `kubectl` binary where one is installed.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

# The API versions of the built-in kinds the manifests use: validated against the
# Kubernetes schemas, and patched with strategic merge (custom resources are not).
CORE_API_VERSIONS = {
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v2",
    "policy/v1",
    "networking.k8s.io/v1",
}


# Strategic-merge keys of the built-in kinds' lists the overlays patch.
# Lists of custom resources (no schema for kustomize either) are replaced.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
SUPPORTED_FIELDS = {"apiVersion", "kind", "namespace", "resources", "labels", "images", "patches"}


def read_documents(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def strategic_merge(target: Any, patch: Any, *, builtin: bool) -> Any:
    if not (isinstance(target, dict) and isinstance(patch, dict)):
        return copy.deepcopy(patch)
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = strategic_merge(merged[key], value, builtin=builtin)
        elif (
            builtin
            and key in MERGE_KEYS
            and isinstance(value, list)
            and isinstance(merged.get(key), list)
        ):
            merge_key = MERGE_KEYS[key]
            items = [copy.deepcopy(item) for item in merged[key]]
            for item in value:
                for index, existing in enumerate(items):
                    if existing.get(merge_key) == item.get(merge_key):
                        items[index] = strategic_merge(existing, item, builtin=builtin)
                        break
                else:
                    items.append(copy.deepcopy(item))
            merged[key] = items
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _pointer(path: str) -> list[str]:
    assert path.startswith("/"), path
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def json6902(document: Manifest, operations: list[dict[str, Any]]) -> Manifest:
    document = copy.deepcopy(document)
    for operation in operations:
        *parents, last = _pointer(operation["path"])
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        op = operation["op"]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op == "add":
                node.insert(index, copy.deepcopy(operation["value"]))
            elif op == "replace":
                node[index] = copy.deepcopy(operation["value"])
            elif op == "remove":
                del node[index]
            else:
                raise AssertionError(f"JSON 6902 op {op} is not supported by this resolver")
        elif op in ("add", "replace"):
            assert op == "add" or last in node, f"replace of missing {operation['path']}"
            node[last] = copy.deepcopy(operation["value"])
        elif op == "remove":
            del node[last]
        else:
            raise AssertionError(f"JSON 6902 op {op} is not supported by this resolver")
    return document


def _matches(document: Manifest, target: dict[str, Any]) -> bool:
    checks = {
        "kind": document.get("kind"),
        "name": document["metadata"].get("name"),
        "group": document["apiVersion"].rpartition("/")[0],
        "version": document["apiVersion"].rpartition("/")[2],
    }
    return all(checks[key] == value for key, value in target.items() if key in checks)


def _image_name(image: str) -> str:
    """The image reference without its tag or digest."""
    head, _, last = image.split("@", 1)[0].rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def _set_image(node: Any, images: list[dict[str, str]]) -> None:
    if isinstance(node, dict):
        for field, value in node.items():
            if field in ("containers", "initContainers") and isinstance(value, list):
                for spec in value:
                    for rule in images:
                        if "image" in spec and _image_name(spec["image"]) == rule["name"]:
                            new = rule.get("newName", rule["name"])
                            if "digest" in rule:
                                spec["image"] = f"{new}@{rule['digest']}"
                            else:
                                spec["image"] = f"{new}:{rule['newTag']}"
            else:
                _set_image(value, images)
    elif isinstance(node, list):
        for item in node:
            _set_image(item, images)


def render(directory: Path) -> list[Manifest]:
    """kustomize build, for the features deploy/k8s uses (anything else fails loudly)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unsupported = set(kustomization) - SUPPORTED_FIELDS
    assert not unsupported, f"{directory}: the test resolver does not support {unsupported}"
    documents: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        documents += render(path) if path.is_dir() else read_documents(path)

    for patch in kustomization.get("patches", []):
        assert "path" in patch, f"{directory}: inline patches are not supported"
        patch_documents = read_documents(directory / patch["path"])
        if len(patch_documents) == 1 and isinstance(patch_documents[0], list):
            target = patch["target"]
            hits = [i for i, doc in enumerate(documents) if _matches(doc, target)]
            assert hits, f"{patch['path']}: no resource matches {target}"
            for index in hits:
                documents[index] = json6902(documents[index], patch_documents[0])
            continue
        for patch_document in patch_documents:
            target = patch.get("target") or {
                "kind": patch_document["kind"],
                "name": patch_document["metadata"]["name"],
            }
            hits = [i for i, doc in enumerate(documents) if _matches(doc, target)]
            assert hits, f"{patch['path']}: no resource matches {target}"
            for index in hits:
                builtin = documents[index]["apiVersion"] in CORE_API_VERSIONS
                patch_body = {k: v for k, v in patch_document.items() if k != "metadata"}
                patch_body["metadata"] = {
                    k: v for k, v in patch_document["metadata"].items() if k != "name"
                }
                documents[index] = strategic_merge(documents[index], patch_body, builtin=builtin)

    namespace = kustomization.get("namespace")
    for document in documents:
        metadata = document["metadata"]
        if namespace:
            if document["kind"] == "Namespace":
                metadata["name"] = namespace
            else:
                metadata["namespace"] = namespace
        for label_set in kustomization.get("labels", []):
            assert not label_set.get("includeSelectors") and not label_set.get("includeTemplates")
            metadata.setdefault("labels", {}).update(label_set["pairs"])
        _set_image(document, kustomization.get("images", []))
    return documents


def kustomize_binary() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def key(document: Manifest) -> tuple[str, str, str]:
    metadata = document["metadata"]
    return (document["kind"], metadata.get("namespace", ""), metadata["name"])
