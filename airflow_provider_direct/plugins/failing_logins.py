"""Logins whose sync fails, read from Airflow's own task instances.

A failed sync leaves nothing in the warehouse (its transaction rolls back, so ``direct_sync_runs`` only
has the runs that committed). Airflow knows, though: each mapped sync task instance is named after its
login (``map_index_template``). A login fails when its latest finished attempt, in any DAG that runs
the sync operator, failed or is waiting to retry.

Two reads: the failures of the window (through the ``ti_state`` index), then, for just the DAGs and
tasks that failed, the latest success per login after the first of those failures (``ti_dag_state``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from airflow_provider_direct.models.dashboard import FailingLogin

#: The operators whose task instances are syncs of one login each (``TaskInstance.operator``).
SYNC_OPERATORS = ("DirectIncrementalSyncOperator",)
FAILING_STATES = ("failed", "up_for_retry")
#: A later attempt in one of these states means the login recovered.
RECOVERED_STATES = ("success", "skipped")


def task_instance_url(root: str, dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    """The Airflow 3 UI's page of one task instance (its logs are one click away)."""
    path = f"{root}dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}"
    return f"{path}/mapped/{map_index}" if map_index >= 0 else path


def failing_logins(session: Any, since: dt.datetime, root: str = "/", limit: int = 500) -> list[FailingLogin]:
    """The logins whose latest sync attempt that finished since ``since`` failed, newest failure first."""
    from airflow.models.taskinstance import TaskInstance as TI
    from sqlalchemy import func, select

    login = TI.__table__.c.rendered_map_index
    failures = session.execute(
        select(TI.dag_id, TI.run_id, TI.task_id, TI.map_index, login.label("login"), TI.state, TI.try_number)
        .add_columns(TI.end_date)
        .where(TI.state.in_(FAILING_STATES), TI.operator.in_(SYNC_OPERATORS), TI.end_date >= since)
        .order_by(TI.end_date.desc())
    ).all()
    latest: dict[tuple[str, str, str], Any] = {}
    for row in failures:  # newest first: the first row of a login is its latest failure
        latest.setdefault((row.dag_id, row.task_id, row.login or row.task_id), row)
    if not latest:
        return []
    first = min(row.end_date for row in latest.values())
    recovered = {
        (dag_id, task_id, name or task_id): ended
        for dag_id, task_id, name, ended in session.execute(
            select(TI.dag_id, TI.task_id, login, func.max(TI.end_date))
            .where(
                TI.dag_id.in_({key[0] for key in latest}),
                TI.task_id.in_({key[1] for key in latest}),
                TI.state.in_(RECOVERED_STATES),
                TI.end_date > first,
            )
            .group_by(TI.dag_id, TI.task_id, login)
        )
    }
    failing = [row for key, row in latest.items() if recovered.get(key, row.end_date) <= row.end_date]
    return [
        FailingLogin(
            client_login=row.login or row.task_id,
            dag_id=row.dag_id,
            run_id=row.run_id,
            task_id=row.task_id,
            map_index=row.map_index,
            state=str(row.state),
            try_number=row.try_number,
            failed_at=row.end_date,
            url=task_instance_url(root, row.dag_id, row.run_id, row.task_id, row.map_index),
        )
        for row in failing[:limit]
    ]
