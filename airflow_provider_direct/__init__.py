"""Apache Airflow provider for Yandex Direct API v5 and async-report APIs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
