"""OpenLineage datasets and facets of the provider's operators; OpenLineage itself is imported only when asked."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from airflow_provider_direct.utils.lineage import RUN_FACET, api_dataset, operator_lineage, warehouse_dataset


def test_datasets_follow_openlineage_naming() -> None:
    assert api_dataset("https://api.direct.yandex.com", "client-1", "keywords") == (
        "https://api.direct.yandex.com",
        "client-1/keywords",
    )
    assert api_dataset(None, None, "workers") == ("https://unknown", "-/workers")
    pg = SimpleNamespace(conn_type="postgres", host="db", port=None, schema="warehouse")
    assert warehouse_dataset(pg, "direct", "direct_ads") == ("postgres://db:5432", "warehouse.direct.direct_ads")
    ch = SimpleNamespace(conn_type="clickhouse", host="ch", port=8123, schema="default")
    assert warehouse_dataset(ch, "analytics", "direct_ads") == ("clickhouse://ch:8123", "analytics.direct_ads")
    lite = SimpleNamespace(conn_type="sqlite", host="/data/wh.db", port=None, schema=None)
    assert warehouse_dataset(lite, None, "direct_ads") == ("sqlite:///data/wh.db", "direct_ads")


def test_operator_lineage_carries_units_and_rows_in_its_own_run_facet() -> None:
    lineage = operator_lineage(
        [("https://api", "c/keywords")], [("sqlite:///wh.db", "direct_keywords")], units_spent=40, rows=7
    )
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("https://api", "c/keywords")]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("sqlite:///wh.db", "direct_keywords")]
    facet = lineage.run_facets[RUN_FACET]
    assert (facet.units_spent, facet.rows) == (40, 7)
    assert facet._schemaURL.endswith("YandexDirectRunFacet.json")


def test_the_operators_import_no_openlineage() -> None:
    """The provider works without OpenLineage: nothing of it loads until a listener asks."""
    code = (
        "import sys\n"
        "import airflow_provider_direct.operators.direct, airflow_provider_direct.operators.direct_reports\n"
        "import airflow_provider_direct.operators.async_task, airflow_provider_direct.utils.lineage\n"
        "print(sorted(m for m in sys.modules if m.startswith('openlineage') or '.openlineage.extractors' in m))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
