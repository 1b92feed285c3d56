# Airflow with this provider installed in every service: the api-server needs it for the connection form,
# the triggerer for the triggers, workers and the dag-processor for the operators. The provider is installed
# in the same pip call that pins apache-airflow, so pip can never move Airflow to another version.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}
ARG AIRFLOW_VERSION=3.3.2
COPY --chown=airflow:root pyproject.toml README.md /opt/airflow/provider/
COPY --chown=airflow:root airflow_provider_direct /opt/airflow/provider/airflow_provider_direct
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/airflow/provider[postgres,clickhouse]" \
    "apache-airflow-providers-celery" "celery>=5.5,<5.7"
