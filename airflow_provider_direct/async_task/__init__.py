"""A small declarative framework for APIs that run long jobs in the background.

A protocol (:class:`~airflow_provider_direct.async_task.protocol.AsyncTaskProtocol`) knows four
operations of one API: start, poll, fetch, cancel. The hook, the deferrable operator and the trigger
are generic over it, so a new API is one protocol class.
"""
