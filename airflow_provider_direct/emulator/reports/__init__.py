"""The Reports service (``POST /json/v5/reports``): TSV statistics, online and offline.

Statistics are a pure function of (seed, ad, day) plus the restatements recorded through the admin API
(``stats``), reports stream as TSV (``tsv``), offline builds live in a per-world registry (``queue``),
and ``service`` ties them to the same identity, fault and error rules as the other /json/ services.
"""

from __future__ import annotations

from airflow_provider_direct.emulator.reports.service import reports_call

__all__ = ["reports_call"]
