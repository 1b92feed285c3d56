"""A Reports definition checked against the documented field compatibility before any call.

The Reports service answers an incompatible field with error 4000 only after a round trip (and, for an
offline report, a place in the queue). Checking here turns that into an error at DAG-parse or task start
that names the bad field and what the report type allows, and gives the typed columns a table needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.models.report_fields import (
    ATTRIBUTION_MODELS,
    COMPATIBILITY,
    EXCLUSIVE_IN_FIELDNAMES,
    FIELDS,
    INCOMPATIBLE_PAIRS,
    LEGACY_ATTRIBUTION_MODELS,
    LIMITS,
    REPORT_TYPES,
    REQUIRED_FIELDS,
    ReportField,
    per_goal_column,
)

#: Attribution models a definition may name: the current ones, and the older ones still documented.
KNOWN_MODELS = (*ATTRIBUTION_MODELS, *LEGACY_ATTRIBUTION_MODELS)


class ReportDefinitionError(ValueError):
    """A report definition the Reports service would refuse; raised before any call."""


@dataclass(frozen=True)
class ReportColumn:
    """One column of the report's TSV: its name there and the field it comes from."""

    name: str  # ``Clicks``, or ``Conversions_12345_LSCCD`` for a per-goal field
    field: ReportField
    goal: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class ReportSpec:
    """``ReportType``, ``FieldNames``, ``Goals`` and ``AttributionModels`` of one report, validated."""

    report_type: str
    field_names: tuple[str, ...]
    goals: tuple[str, ...] = ()
    attribution_models: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", tuple(self.field_names))
        object.__setattr__(self, "goals", tuple(str(g) for g in self.goals))
        object.__setattr__(self, "attribution_models", tuple(self.attribution_models))
        for problem in self.problems():
            raise ReportDefinitionError(problem)

    def problems(self) -> list[str]:
        """Every reason the service would refuse the definition (empty when it is valid)."""
        if self.report_type not in REPORT_TYPES:
            return [f"unknown ReportType {self.report_type!r}; the Reports service has {', '.join(REPORT_TYPES)}"]
        out: list[str] = []
        names = self.field_names
        if not names:
            out.append("FieldNames is empty")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            out.append(f"FieldNames repeats {', '.join(duplicates)}")
        allowed = COMPATIBILITY[self.report_type]
        for name in names:
            field = FIELDS.get(name)
            if field is None:
                out.append(f"{name!r} is not a Reports field")
            elif field.filter_only:
                out.append(f"{name} may only be used in SelectionCriteria.Filter, not in FieldNames")
            elif name not in allowed:
                out.append(f"{name} is not allowed in {self.report_type}; it allows {', '.join(sorted(allowed))}")
        missing = sorted(REQUIRED_FIELDS.get(self.report_type, frozenset()) - set(names))
        if missing:
            out.append(f"{self.report_type} requires {', '.join(missing)} in FieldNames")
        for group in EXCLUSIVE_IN_FIELDNAMES:
            clash = [n for n in names if n in group]
            if len(clash) > 1:
                out.append(f"{' and '.join(clash)} cannot be requested together (one period field per report)")
        for left, right in INCOMPATIBLE_PAIRS:
            a, b = [n for n in names if n in left], [n for n in names if n in right]
            if a and b:
                out.append(f"{', '.join(a)} cannot be requested with {', '.join(b)}")
        if len(self.goals) > LIMITS["max_goals"]:
            out.append(f"Goals has {len(self.goals)} items; the service takes at most {LIMITS['max_goals']}")
        bad_goals = [g for g in self.goals if not g.isdigit()]
        if bad_goals:
            out.append(f"Goals must be Yandex Metrica goal ids (digits), got {', '.join(bad_goals)}")
        bad_models = [m for m in self.attribution_models if m not in KNOWN_MODELS]
        if bad_models:
            out.append(f"unknown AttributionModels {', '.join(bad_models)}; known: {', '.join(KNOWN_MODELS)}")
        if self.attribution_models and not self.goals:
            out.append("AttributionModels needs Goals: the models split the per-goal columns")
        if self.goals and not self.attribution_models:
            out.append("Goals needs AttributionModels: the per-goal columns are named by goal and model")
        return out

    def columns(self) -> list[ReportColumn]:
        """The report's columns in order; with Goals, each per-goal field becomes one column per goal and model."""
        out: list[ReportColumn] = []
        for name in self.field_names:
            field = FIELDS[name]
            if field.per_goal and self.goals:
                out.extend(
                    ReportColumn(per_goal_column(name, goal, model), field, goal, model)
                    for goal in self.goals
                    for model in self.attribution_models
                )
            else:
                out.append(ReportColumn(name, field))
        return out

    def definition(self) -> dict[str, Any]:
        """The ReportDefinition keys this spec decides."""
        out: dict[str, Any] = {"ReportType": self.report_type, "FieldNames": list(self.field_names)}
        if self.goals:
            out["Goals"] = list(self.goals)
        if self.attribution_models:
            out["AttributionModels"] = list(self.attribution_models)
        return out
