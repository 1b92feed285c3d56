"""A DAG of one non-deferrable workers export, and the two worker lives the durable-job test gives it.

Copied into a throw-away DAGs folder. Run as a script: ``start`` runs the DAG with ``dag.test()`` (the
test kills this process mid-wait); ``retry`` runs the task's next try, as the scheduler would after the
worker stopped heart-beating.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

from airflow.sdk import DAG

from airflow_provider_direct.operators.workers import WorkersTaskOperator

LOGICAL_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

with DAG("durable_job", schedule=None, start_date=LOGICAL_DATE, catchup=False) as dag:
    WorkersTaskOperator(
        task_id="export",
        http_conn_id=os.environ.get("DURABLE_CONN_ID", "workers_default"),
        worker_task_type="bookings_export",
        deferrable=False,
        durable=os.environ.get("DURABLE", "1") == "1",
        poll_interval=0.1,
        retries=1,
    )


def retry() -> dict[str, object]:
    """The killed task's next try: what the scheduler does once the dead worker's heartbeat times out."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.sdk.definitions.dag import _run_task
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        ti = session.scalar(select(TaskInstance).where(TaskInstance.dag_id == dag.dag_id))
        assert ti is not None and ti.state == TaskInstanceState.RUNNING, ti
        ti.prepare_db_for_next_try(session)
        ti.try_number += 1
        ti.state = TaskInstanceState.SCHEDULED
        session.commit()
        session.refresh(ti)
        _run_task(ti=ti, task=dag.task_dict["export"])
        value = session.scalar(
            select(XComModel.value).where(XComModel.dag_id == dag.dag_id, XComModel.key == "return_value")
        )
        return {"state": TaskInstanceState(ti.state).value, "try_number": ti.try_number, "return_value": value}


if __name__ == "__main__":
    if sys.argv[1] == "start":
        dag.test(logical_date=LOGICAL_DATE)
    else:
        print("RESULT " + json.dumps(retry(), default=str), flush=True)
