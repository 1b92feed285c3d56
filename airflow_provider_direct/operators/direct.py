"""Operators for the Yandex Direct API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.triggers.temporal import TimeDeltaTrigger
from airflow.sdk import Asset, BaseOperator

from airflow_provider_direct.exceptions import DirectUnitsExhaustedError
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.operators.trigger_queue import TriggerQueueMixin
from airflow_provider_direct.sync.account import MAX_CONCURRENT_REQUESTS, AccountServicesSync
from airflow_provider_direct.sync.budget import DailyLimitUnknownError, UnitsBudget, parse_budget
from airflow_provider_direct.sync.catalog import BY_TABLE, CATALOG, AccountService
from airflow_provider_direct.sync.engine import DirectIncrementalSync
from airflow_provider_direct.warehouse.schema import OBJECT_TABLES
from airflow_provider_direct.warehouse.store import DEFAULT_WAREHOUSE_CONN_ID, DirectWarehouse, utcnow

if TYPE_CHECKING:
    from airflow.sdk import Context


def warehouse_assets(warehouse_conn_id: str, services: Sequence[AccountService] = ()) -> list[Asset]:
    """One Asset per warehouse table the sync writes; downstream DAGs schedule on them."""
    tables = [t.table for t in OBJECT_TABLES] + [s.name for s in services]
    return [Asset(name=f"yandex_direct.{t}", uri=f"x-yandex-direct://{warehouse_conn_id}/{t}") for t in tables]


def select_services(account_services: bool | Sequence[str]) -> list[AccountService]:
    """``True``: every catalogued service; ``False``: none; else the named tables (``direct_vcards``...)."""
    if account_services is True:
        return list(CATALOG)
    if account_services is False:
        return []
    unknown = sorted(set(account_services) - set(BY_TABLE))
    if unknown:
        raise ValueError(f"unknown account services {unknown}; known: {sorted(BY_TABLE)}")
    return [s for s in CATALOG if s.name in set(account_services)]


def _as_bool(value: Any) -> bool:
    # Templated values arrive as text ("True", "false") unless the DAG renders native objects.
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


class DirectIncrementalSyncOperator(TriggerQueueMixin, BaseOperator):
    """
    Sync one client login's campaigns, ad groups, ads and keywords into a SQL warehouse.

    Uses the Changes service so a run reads only what changed since the last committed watermark.
    When the account's API units run out (error 152), nothing half-done is committed and the task
    defers (freeing its worker slot) until the hourly refill, then continues.

    :param direct_conn_id: ``yandex_direct`` connection.
    :param warehouse_conn_id: any common.sql connection (SQLite, PostgreSQL); the default id falls
        back to a SQLite file under ``AIRFLOW_HOME``.
    :param client_login: advertiser login (Client-Login); defaults to the connection's login.
    :param full_refresh: re-read the whole account instead of the changes.
    :param warehouse_schema: PostgreSQL schema for the tables.
    :param use_operator_units: agency tokens: spend the agency's units.
    :param units_retry_delay: how long to wait after error 152 before continuing.
    :param max_units_waits: give up after this many waits for units.
    :param reconcile_every: how often the campaign list is reconciled from Campaigns.get.
    :param account_services: keep the other account services too (sitelinks, bids, bid modifiers,
        retargeting lists, dictionaries...): ``True`` for all, ``False`` for none, or table names.
    :param units_budget: units one run may spend for this login: a number, or a share of the daily
        limit (``0.2`` or ``"20%"``). The object sync is served first; the account services spend
        what is left, by priority, and the summary says what waits for the next run.
    :param max_concurrency: simultaneous reads of the account services (the API allows 5 per advertiser).
    :param trigger_queue: the triggerer queue of the units waits (with ``[triggerer] queues_enabled``).
    """

    template_fields: Sequence[str] = (
        "client_login",
        "full_refresh",
        "direct_conn_id",
        "warehouse_conn_id",
        "units_budget",
    )
    ui_color = "#ffcc00"

    def __init__(
        self,
        *,
        direct_conn_id: str = DirectHook.default_conn_name,
        warehouse_conn_id: str = DEFAULT_WAREHOUSE_CONN_ID,
        client_login: str | None = None,
        full_refresh: bool | str = False,
        warehouse_schema: str | None = None,
        use_operator_units: bool | None = None,
        units_retry_delay: dt.timedelta = dt.timedelta(hours=1),
        max_units_waits: int = 24,
        reconcile_every: dt.timedelta = dt.timedelta(days=1),
        account_services: bool | Sequence[str] = True,
        units_budget: int | float | str | None = None,
        max_concurrency: int = MAX_CONCURRENT_REQUESTS,
        trigger_queue: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.services = select_services(account_services)
        kwargs.setdefault("outlets", warehouse_assets(warehouse_conn_id, self.services))
        super().__init__(**kwargs)
        self.trigger_queue = trigger_queue
        self.units_budget = units_budget
        self.max_concurrency = max_concurrency
        self.direct_conn_id = direct_conn_id
        self.warehouse_conn_id = warehouse_conn_id
        self.client_login = client_login
        self.full_refresh = full_refresh
        self.warehouse_schema = warehouse_schema
        self.use_operator_units = use_operator_units
        self.units_retry_delay = units_retry_delay
        self.max_units_waits = max_units_waits
        self.reconcile_every = reconcile_every

    def execute(self, context: Context) -> dict[str, Any]:
        return self._sync(context, full_refresh=_as_bool(self.full_refresh), waits=0)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the services read for the login, the tables written, the units spent, the rows changed."""
        from airflow_provider_direct.utils.lineage import api_dataset, operator_lineage, warehouse_outputs

        run = getattr(self, "_lineage_run", None)
        if run is None:  # nothing ran in this process (e.g. deferred and resumed elsewhere)
            return None
        summary = run["summary"]
        services = ["changes", *(t.service for t in OBJECT_TABLES), *(s.table.service for s in self.services)]
        tables = [t.table for t in OBJECT_TABLES] + [s.name for s in self.services]
        rows = sum(summary.get("upserted", {}).values()) + sum(summary.get("deleted", {}).values())
        return operator_lineage(
            [api_dataset(run["base_url"], run["login"], service) for service in services],
            warehouse_outputs(self.warehouse_conn_id, self.warehouse_schema, tables),
            units_spent=summary.get("units_spent"),
            rows=rows,
        )

    def _budget_limit(self, hook: DirectHook, login: str) -> int | None:
        """The run's units budget; a share of the daily limit needs the limit, which any answer carries."""
        try:
            return parse_budget(self.units_budget, hook.units.limit)
        except DailyLimitUnknownError:
            hook.check_dictionaries(client_login=login)  # one unit: the Units header tells the daily limit
            return parse_budget(self.units_budget, hook.units.limit)

    def resume_after_units_refill(self, context: Context, event: Any = None, waits: int = 0) -> dict[str, Any]:
        """Continue after a units wait; an unfinished full snapshot resumes from its checkpoint."""
        return self._sync(context, full_refresh=False, waits=waits)

    def _checkpoint_recorder(self, context: Context, login: str) -> Any:
        """The full snapshot's checkpoint, shown in the task state store (``full_snapshot/<login>``).

        The warehouse holds the checkpoint the sync resumes from; this copy lets the UI and the REST API
        show a long snapshot's progress, and what a units wait left to do. It is for the eyes only, so a
        store that cannot be written never stops a sync.
        """
        store = context.get("task_state_store")
        if store is None:
            return None

        def record(checkpoint: dict[str, Any]) -> None:
            try:
                store.set(f"full_snapshot/{login}", checkpoint)
            except Exception as exc:
                self.log.warning("Could not show the full snapshot's checkpoint in the task state store: %s", exc)

        return record

    def _sync(self, context: Context, *, full_refresh: bool, waits: int) -> dict[str, Any]:
        hook = DirectHook(self.direct_conn_id, use_operator_units=self.use_operator_units)
        login = self.client_login or hook.default_client_login
        if not login:
            raise ValueError(
                "No client login: pass client_login, or set the login of connection "
                f"{self.direct_conn_id!r} to the advertiser's login"
            )
        warehouse = DirectWarehouse.from_conn_id(self.warehouse_conn_id, schema=self.warehouse_schema)
        units_at_start, run_started = hook.units.spent, utcnow()
        account = None
        try:
            budget = UnitsBudget(limit=self._budget_limit(hook, login), ledger=hook.units, start=units_at_start)
            sync = DirectIncrementalSync(
                hook,
                warehouse,
                login,
                reconcile_every=self.reconcile_every,
                budget=budget,
                on_checkpoint=self._checkpoint_recorder(context, login),
            )
            result = sync.run(full_refresh=full_refresh)
            if self.services and result.status == "partial":
                self.log.info("The full snapshot is unfinished: the account services wait for the next run")
            elif self.services:
                account = AccountServicesSync(
                    hook,
                    warehouse,
                    login,
                    budget=budget,
                    services=self.services,
                    max_concurrency=self.max_concurrency,
                ).run(run_started, full_refresh=result.mode == "full")
        except DirectUnitsExhaustedError as exc:
            if waits >= self.max_units_waits:
                raise
            self.log.warning(
                "Units exhausted for %s (%s); nothing partial was committed. Waiting %s for the refill "
                "(wait %d of %d).",
                login,
                exc,
                self.units_retry_delay,
                waits + 1,
                self.max_units_waits,
            )
            self.defer(
                trigger=TimeDeltaTrigger(self.units_retry_delay),
                method_name="resume_after_units_refill",
                kwargs={"waits": waits + 1},
            )
        finally:
            hook.close()
        summary = result.as_dict()
        spent = hook.units.spent - units_at_start  # the object sync and the account services together
        summary["units_spent"] = spent
        self._lineage_run = {"login": login, "base_url": hook.base_url, "summary": summary}
        summary["units"] = hook.units.as_dict()
        if account is not None:
            summary["account"] = account.as_dict()
            for note in account.left_for_next_run:
                self.log.info("Left for the next run: %s", note)
        self.log.info(
            "Synced %s (%s): upserted %s, deleted %s, %d units, watermark %s -> %s",
            login,
            result.mode,
            result.upserted,
            result.deleted,
            spent,
            result.watermark_from,
            result.watermark_to,
        )
        outlet_events = context.get("outlet_events")
        if outlet_events is not None:
            upserted = {**result.upserted, **(account.upserted if account else {})}
            deleted = {**result.deleted, **(account.deleted if account else {})}
            for asset in self.outlets:
                if isinstance(asset, Asset):
                    table = asset.uri.rsplit("/", 1)[-1]
                    outlet_events[asset].extra = {
                        "client_login": login,
                        "mode": result.mode,
                        "watermark": result.watermark_to,
                        "upserted": upserted.get(table, 0),
                        "deleted": deleted.get(table, 0),
                        "units_spent": spent,
                    }
        return summary
