"""Loading the repository's DAGs for dag.test()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DAGS = Path(__file__).resolve().parents[2] / "dags"


def load_dagbag() -> Any:
    """A fresh parse of ``dags/`` (dag.test() keeps a previous run's conf in a DAG object's params)."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def without_retries(dag: Any) -> Any:
    """The DAG with every task's retries off, so a failure shows at once."""
    for task in dag.tasks:
        task.retries = 0
    return dag


def run_dag(dag_id: str, run_conf: dict[str, Any]) -> Any:
    """One ``dag.test`` run of a freshly parsed DAG, retries off: its DagRun."""
    return without_retries(load_dagbag().get_dag(dag_id)).test(run_conf=run_conf)
