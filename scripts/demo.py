"""`make demo`: the incremental sync DAG against the bundled emulator, into the embedded SQLite warehouse.

1. starts the emulator (an agency with three client logins) on a free 127.0.0.1 port;
2. runs ``airflow dags test direct_incremental_sync``: a full snapshot of every client;
3. applies a batch of emulated changes (creates, updates, deletes at every level);
4. runs the DAG again: an incremental sync through the Changes service;
5. prints rows / soft-deleted rows per table and units per run, checks the warehouse against the
   emulator's ground truth, and says where the warehouse file is.

Everything Airflow writes stays in ``./airflow_home`` (git-ignored). The emulator is stopped on exit.
It ends by printing the units and freshness dashboard's URL and the command that serves it:
``make dashboard`` (``scripts/demo.py --serve``), an api-server on 127.0.0.1 over the demo's metadata
and warehouse.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "airflow_home"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
LOGINS = ["client-1", "client-2", "client-3"]
AGENCY = "agency-login"  # the emulator's agency, whose token the demo uses
AGENCY_TABLE = "direct_agency_clients"
DASHBOARD_PORT = int(os.environ.get("DASHBOARD_PORT", "8080"))


def airflow_env(emulator_url: str, warehouse: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "DIRECT_SYNC_SCHEDULE": "@hourly",
        "AIRFLOW_CONN_YANDEX_DIRECT_DEFAULT": json.dumps(
            {"conn_type": "yandex_direct", "host": emulator_url, "password": "agency-token"}
        ),
        "AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
    }


def run(args: list[str], env: dict[str, str], what: str) -> None:
    started = time.monotonic()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{what} failed (exit {done.returncode})")
    print(f"  {what}: ok in {time.monotonic() - started:.1f}s")


def report(warehouse: Path, title: str) -> None:
    os.environ["AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT"] = json.dumps({"conn_type": "sqlite", "host": str(warehouse)})
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    store = DirectWarehouse.from_conn_id("direct_warehouse_default")
    print(f"\n{title}")
    counts = {login: store.counts(login) for login in LOGINS}
    states = {login: store.read_table_states(login) for login in LOGINS}
    print(
        f"  {'table':<36}" + "".join(f"{login + ' live (deleted)':>26}" for login in LOGINS) + "  refreshed (client-1)"
    )
    for table in counts[LOGINS[0]]:
        if table == AGENCY_TABLE:
            continue  # rows of the agency, not of a client login: shown below
        cells = "".join(
            f"{counts[login][table]['live']:>17,} ({counts[login][table]['deleted']:>5,})" for login in LOGINS
        )
        refreshed = states[LOGINS[0]].get(table)
        when = refreshed.refreshed_at.strftime("%H:%M:%S") if refreshed and refreshed.refreshed_at else "-"
        print(f"  {table:<36}{cells}  {when}")
    agency = store.counts(AGENCY)[AGENCY_TABLE]
    print(f"  {AGENCY_TABLE} (rows of {AGENCY}): {agency['live']} live ({agency['deleted']} deleted)")
    runs = store._fetch(
        "SELECT client_login, mode, upserted, deleted, units_spent, duration_seconds, watermark_to "
        "FROM direct_sync_runs ORDER BY run_id"
    )
    print(f"  {'login':<10} {'mode':<12} {'upserted':>9} {'deleted':>8} {'units':>7} {'seconds':>8}  watermark")
    for login, mode, upserted, deleted, units, seconds, watermark in runs:
        print(f"  {login:<10} {mode:<12} {upserted:>9,} {deleted:>8,} {units:>7,} {seconds:>8.2f}  {watermark}")


def check_truth(warehouse: Path, admin: object, *, whole: bool) -> None:
    """Compare every table with the emulator's truth, for every login.

    The object tables must match after every run. Of the account services, ``whole=False`` (an
    hourly run) requires only what each policy guarantees every run (listings, dictionaries, every
    object an ad points at) and shows the rest as waiting for its policy: silent bid moves for the
    rolling refresh, unreferenced deletions for the daily reconcile. ``whole=True`` requires all.
    """
    from airflow_provider_direct.emulator.truth import archived_campaign_ids, service_items, visible_objects
    from airflow_provider_direct.sync.catalog import CATALOG
    from airflow_provider_direct.sync.policies import Dictionary, Listing, Referenced
    from airflow_provider_direct.warehouse.account_tables import AGENCY_CLIENTS
    from airflow_provider_direct.warehouse.schema import ADS, KEYWORDS, OBJECT_TABLES
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    store = DirectWarehouse.from_conn_id("direct_warehouse_default")
    kinds = {
        "direct_campaigns": "campaigns",
        "direct_ad_groups": "ad_groups",
        "direct_ads": "ads",
        "direct_keywords": "keywords",
    }
    failures: list[str] = []
    waiting: dict[str, int] = {}
    agency_truth: dict[str, dict[str, object]] = {}
    for login in LOGINS:
        # The API hides keywords of archived campaigns: the warehouse keeps what it had, the truth omits them.
        archived = archived_campaign_ids(admin, login)  # type: ignore[arg-type]
        hidden = set(store.live_ids(KEYWORDS, login, campaign_ids=sorted(archived))) if archived else set()
        for table in OBJECT_TABLES:
            truth = {o["Id"] for o in visible_objects(admin, login, kinds[table.table], archived)}  # type: ignore[arg-type]
            live = set(store.live_ids(table, login)) - (hidden if table is KEYWORDS else set())
            if truth != live:
                failures.append(f"{login} {table.table}: {len(truth ^ live)} ids differ")
        ads = list(store.iter_payloads(ADS, login))
        agency_truth[login] = next(service_items(admin, login, "clients", "Clients"))  # type: ignore[arg-type]
        for service in CATALOG:
            t = service.table
            truth_rows = {t.key_of(o): o for o in service_items(admin, login, t.service, t.result_key)}  # type: ignore[arg-type]
            live_rows = {t.key_of(o): o for o in store.live_objects(t, login)}
            differ = sum(1 for k in truth_rows.keys() | live_rows.keys() if truth_rows.get(k) != live_rows.get(k))
            if not differ:
                continue
            if whole or isinstance(service.policy, (Listing, Dictionary)):
                failures.append(f"{login} {t.table}: {differ} rows differ")
            elif isinstance(service.policy, Referenced) and service.policy.references(ads) - live_rows.keys():
                failures.append(f"{login} {t.table}: ads point at rows it does not have")
            else:
                waiting[t.table] = waiting.get(t.table, 0) + differ
    # The agency's client list is read whole every run: it must match every time.
    agency_rows = {o["Login"]: o for o in store.live_objects(AGENCY_CLIENTS, AGENCY)}
    if agency_rows != agency_truth:
        failures.append(f"{AGENCY} {AGENCY_CLIENTS.table}: rows differ")
    tables = len(OBJECT_TABLES) + len(CATALOG) + 1
    if failures:
        print(f"\nWarehouse DIFFERS from the emulator's ground truth: {'; '.join(failures)}")
        raise SystemExit(1)
    print(f"\nWarehouse matches the emulator's ground truth: {tables} tables, every login", end="")
    if waiting:
        print(
            ", except rows waiting for their policy (within its freshness guarantee): "
            + ", ".join(f"{n} in {t}" for t, n in sorted(waiting.items()))
        )
    else:
        print(", every row.")


def main() -> None:
    started = time.monotonic()
    from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer

    if HOME.exists():
        shutil.rmtree(HOME)  # a demo starts from nothing: no metadata, no warehouse
    HOME.mkdir()
    warehouse = HOME / "direct_warehouse.db"
    config = EmulatorConfig(
        logins=LOGINS,
        campaigns=8,
        smart_campaigns=1,
        dynamic_campaigns=1,  # dynamic text groups: their webpage targets
        performance_campaigns=1,  # smart groups: their filters
        groups=20,
        ads=3,
        keywords=40,
        seed=2026,
        account_services_mutations=True,  # changes touch sitelinks, bids, lists... too
    )
    with EmulatorServer(config, mode="process") as emulator:
        print(f"Emulator (agency-token, logins {', '.join(LOGINS)}) at {emulator.url}")
        env = airflow_env(emulator.url, warehouse)
        run([AIRFLOW, "db", "migrate"], env, "airflow db migrate")
        run(
            [AIRFLOW, "pools", "set", "yandex_direct_api", "5", "Yandex Direct: logins synced at once"],
            env,
            "pool yandex_direct_api (5 slots)",
        )
        run([AIRFLOW, "dags", "test", "direct_incremental_sync"], env, "run 1: airflow dags test (full snapshot)")
        report(warehouse, "After run 1 (full snapshot):")

        admin = EmulatorAdmin(emulator.url)
        applied = [m for i, login in enumerate(LOGINS) for m in admin.random_mutations(30, login=login, seed=7 + i)]
        kinds: dict[str, int] = {}
        for mutation in applied:
            key = f"{mutation['op']} {mutation['type']}"
            kinds[key] = kinds.get(key, 0) + 1
        print(f"\nApplied {len(applied)} emulated changes: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
        admin.advance_clock(2)  # change times are whole seconds: the next watermark is strictly newer

        run([AIRFLOW, "dags", "test", "direct_incremental_sync"], env, "run 2: airflow dags test (incremental)")
        report(warehouse, "After run 2 (incremental through Changes, the other services by their policies):")
        check_truth(warehouse, admin, whole=False)

        run(
            [AIRFLOW, "dags", "test", "direct_incremental_sync", "-c", json.dumps({"full_refresh": True})],
            env,
            "run 3: airflow dags test -c '{\"full_refresh\": true}' (the whole account again)",
        )
        check_truth(warehouse, admin, whole=True)
    print(f"\nWarehouse file: {warehouse}")
    print(f"Airflow home:   {HOME}")
    print(f"Demo finished in {time.monotonic() - started:.0f}s; the emulator is stopped.")
    print(f"\nDashboard:      http://127.0.0.1:{DASHBOARD_PORT}/plugin/direct-dashboard  (Browse > Yandex Direct)")
    print(f"  the page alone: http://127.0.0.1:{DASHBOARD_PORT}/direct-dashboard/ , its JSON: .../api/figures")
    print("Serve it with:  make dashboard   (an api-server on 127.0.0.1 over this demo's data; Ctrl-C stops it)")


def serve_dashboard() -> None:
    """The demo's api-server: its metadata DB and warehouse, every local user an admin, loopback only."""
    warehouse = HOME / "direct_warehouse.db"
    if not warehouse.exists():
        raise SystemExit("No demo data yet: run `make demo` first.")
    env = airflow_env("http://127.0.0.1:9", warehouse)  # the dashboard never calls the API
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
    print(f"Dashboard: http://127.0.0.1:{DASHBOARD_PORT}/plugin/direct-dashboard (Ctrl-C stops the api-server)")
    args = [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(DASHBOARD_PORT), "--workers", "1"]
    os.execve(AIRFLOW, args, env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The sync demo against the emulator, or its dashboard.")
    parser.add_argument("--serve", action="store_true", help="serve the dashboard over the last demo's data")
    if parser.parse_args().serve:
        serve_dashboard()
    else:
        main()
