"""Airflow plugins this provider registers through its provider info (``plugins``)."""
