"""Tests of the provider's Airflow plugin, through a real api-server and a real browser."""
