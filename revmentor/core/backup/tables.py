"""What a backup holds, table by table, and how rows are written: shared by both ways."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Prefetch

FORMAT = "revmentor-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Rows every database makes for itself on `migrate`: written by natural key, matched to
# the target's own rows on restore (or added when missing), never wiped.
MERGED = frozenset({"contenttypes.contenttype", "auth.permission"})
# Not backed up (see revmentor.core.backup), and cleared by every restore: sessions, and
# report PDFs (made from the data again in a minute, and kept for a day at most).
LEFT_OUT = frozenset({"sessions.session", "research.report"})


class BackupError(Exception):
    """A backup or restore cannot be done; ``str(error)`` says why and what to do."""


class Encoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds: Django's own cuts times to milliseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _by_natural_key(model: Any) -> bool:
    return (
        isinstance(model, type)
        and issubclass(model, models.Model)
        and model._meta.label_lower in MERGED
    )


def _related(field: Any) -> type[models.Model]:
    model: type[models.Model] = field.related_model
    return model


def _auto_through(field: Any) -> type[models.Model] | None:
    """The table Django made for a many-to-many field, or None if it is a model of ours."""
    through: type[models.Model] = field.remote_field.through
    return through if through._meta.auto_created else None


class Serializer(jsonl.Serializer):
    """JSON Lines with natural keys for content types and permissions only.

    Every other row keeps its id and is referred to by id: looking rows up by natural key
    on restore would cost a query per reference, and ids must be kept anyway.
    """

    def start_object(self, obj: models.Model) -> None:
        self.use_natural_primary_keys = _by_natural_key(type(obj))
        super().start_object(obj)

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = _by_natural_key(field.related_model)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = _by_natural_key(field.related_model)
        super().handle_m2m_field(obj, field)


def backed_up_models() -> list[type[models.Model]]:
    """Every model whose rows are backed up, in an order that loads (natural keys first)."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module]
    ordered = serializers.sort_dependencies(app_list, allow_cycles=True)
    return [
        model
        for model in ordered
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in LEFT_OUT
    ]


def tables_of(model_list: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """The models and their many-to-many tables: every table whose rows are counted."""
    tables: list[type[models.Model]] = []
    for model in model_list:
        tables.append(model)
        for field in model._meta.local_many_to_many:
            through = _auto_through(field)
            if through is not None:
                tables.append(through)
    return tables


def row_counts_of(model_list: Iterable[type[models.Model]]) -> dict[str, int]:
    """The number of rows in each table of ``model_list``, by label (``core.user``)."""
    return {t._meta.label_lower: t._base_manager.count() for t in tables_of(model_list)}


def file_name(model: type[models.Model]) -> str:
    """Where the rows of ``model`` go in the zip."""
    return f"data/{model._meta.label_lower}.jsonl"


def dump_queryset(model: type[models.Model]) -> models.QuerySet[Any]:
    """All rows of ``model`` by id, with what their natural keys need fetched alongside."""
    natural = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and _by_natural_key(f.related_model)
    ]
    prefetches = [
        Prefetch(
            field.name,
            queryset=dump_queryset(_related(field))
            if _by_natural_key(_related(field))
            else _related(field)._base_manager.only("pk"),
        )
        for field in model._meta.local_many_to_many
        if _auto_through(field) is not None
    ]
    queryset = model._base_manager.order_by("pk")
    if natural:
        queryset = queryset.select_related(*natural)
    if prefetches:
        queryset = queryset.prefetch_related(*prefetches)
    return queryset


def migration_state() -> dict[str, list[str]]:
    """The migrations applied to this database, by app, sorted."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        raise BackupError("The database is empty: run `revmentor manage migrate` first.")
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        state.setdefault(app_label, []).append(name)
    return state


def require_migrated() -> None:
    """Raise unless every migration this version knows has been applied."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        missing = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        raise BackupError(
            "The database is not up to date with this version of revmentor (not applied: "
            f"{missing}). Run `revmentor manage migrate` first."
        )


def revmentor_version() -> str:
    """The installed revmentor's version, or "unknown" when it runs uninstalled."""
    try:
        return metadata.version("revmentor")
    except metadata.PackageNotFoundError:
        return "unknown"
