"""The error of an impossible mutation, shared by the account state and the account-level store.

Kept apart so ``state`` and ``account_store`` can both raise it without importing each other; the
admin API answers it with HTTP 400 and random batches draw again.
"""

from __future__ import annotations


class StateError(ValueError):
    """An impossible mutation (unknown parent, deleted target, an object still in use, ...)."""
