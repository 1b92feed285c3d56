"""``python -m airflow_provider_direct.emulator``: see ``cli``."""

from __future__ import annotations

from airflow_provider_direct.emulator.cli import main

if __name__ == "__main__":
    main()
