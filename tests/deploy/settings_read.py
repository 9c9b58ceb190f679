"""The environment variables the services read: every pydantic-settings class they define.

Shared by test_compose.py and test_k8s.py: a TIEPDAN_* variable that a container is given
but no settings class reads is a typo or a name that went away, and would be ignored
silently at start-up.
"""

from __future__ import annotations

# The settings classes, by prefix, as the services define them today (shared/settings.py,
# services/notification/settings.py, services/intake/limits/buckets.py,
# services/intake/attachments/storage.py, services/portal/settings.py). A prefix that
# disappears from the discovered classes fails the tests, so that a class no longer
# imported does not shrink the set quietly.
EXPECTED_PREFIXES = {
    "TIEPDAN_", "TIEPDAN_NOTIFY_", "TIEPDAN_LIMITS_", "TIEPDAN_ATTACHMENTS_", "TIEPDAN_PORTAL_",
}  # fmt: skip


def settings_classes() -> dict[str, set[str]]:
    """env_prefix -> the variable names its classes read (every imported subclass)."""
    from pydantic_settings import BaseSettings

    # Every service's settings classes: the catalog's three services, each loaded (the
    # catalog loads an app on first use, and a service imports some modules on first use
    # too), and the portal's own.
    import services.catalog
    import services.intake.attachments.storage
    import services.intake.limits.buckets
    import services.intake.units.boundaries
    import services.notification.settings
    import services.portal.settings

    for entry in services.catalog.SERVICES.values():
        assert entry.definition is not None

    found: dict[str, set[str]] = {}
    classes = list(BaseSettings.__subclasses__())
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        module = cls.__module__
        if not module.startswith(("services.", "shared.")):
            continue
        prefix = str(cls.model_config.get("env_prefix", ""))
        names = found.setdefault(prefix, set())
        for field_name, field in cls.model_fields.items():
            alias = field.validation_alias or field.alias
            names.add(
                str(alias).upper() if isinstance(alias, str) else f"{prefix}{field_name}".upper()
            )
    return found


def known_settings() -> set[str]:
    """Every TIEPDAN_* environment variable a settings class of the services reads."""
    return {
        name
        for prefix, names in settings_classes().items()
        if prefix.startswith("TIEPDAN_")
        for name in names
    }
