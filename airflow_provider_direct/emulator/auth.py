"""Who is calling, on whose behalf, and whose units pay.

Mirrors the API's rules: a token identifies an operator (agency or advertiser); agencies must name the
advertiser in ``Client-Login`` and may only reach clients they serve; ``Use-Operator-Units`` moves the
charge to the agency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from airflow_provider_direct.emulator.config import EmulatorConfig, TokenIdentity
from airflow_provider_direct.emulator.errors import ApiError

AGENCY_SELF_SERVICES = frozenset({"agencyclients"})


@dataclass(frozen=True)
class Caller:
    """Resolved identity of one request."""

    operator: str
    is_agency: bool
    client_login: str | None  # advertiser whose data is read; None for agency-level services
    charged_login: str


def authenticate(config: EmulatorConfig, authorization: str | None) -> TokenIdentity:
    """Error 53 unless ``Authorization: Bearer <known token>``."""
    if not authorization or not authorization.strip():
        raise ApiError(53, "token_missing")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(53, "token_missing")
    identity = config.tokens.get(token.strip())
    if identity is None:
        raise ApiError(53, "token_invalid")
    return identity


def authorize(config: EmulatorConfig, identity: TokenIdentity, headers: Mapping[str, str], service: str) -> Caller:
    """Resolve Client-Login and the paying account (errors 8000, 54, 513)."""
    requested = (headers.get("client-login") or "").strip().lower() or None
    operator_units = (headers.get("use-operator-units") or "").strip().lower() == "true"
    if identity.role == "client":
        if requested is not None and requested != identity.login:
            if requested not in config.logins:
                raise ApiError(513, "login_unknown", login=requested)
            raise ApiError(54, "foreign_login", login=requested)
        return Caller(identity.login, False, identity.login, identity.login)
    if service in AGENCY_SELF_SERVICES:
        return Caller(identity.login, True, None, identity.login)
    if requested is None:
        raise ApiError(8000, "client_login_required")
    if requested not in config.logins:
        raise ApiError(513, "login_unknown", login=requested)
    if requested not in (config.agency_clients or ()):
        raise ApiError(54, "login_not_served", login=requested, agency=identity.login)
    charged = identity.login if operator_units else requested
    return Caller(identity.login, True, requested, charged)
