"""Exceptions raised by :mod:`rdslink.runtime`.

Every message names what failed (host and port, secret id, endpoint), how long it took, the usual causes
and the command that checks them. No message, ``repr`` or attribute of these exceptions ever holds a
password or an IAM token: driver messages are copied in only after redaction, and the driver exception is
not chained (``__cause__`` is None) so a traceback cannot leak it either.
"""

from __future__ import annotations

CHECK_COMMAND = "rdslink check --live --function {function}"


class RdslinkRuntimeError(Exception):
    """Base class of every error :mod:`rdslink.runtime` raises (driver errors raised by your own
    statements inside ``with db.connection()`` are propagated unchanged)."""


class ConfigurationError(RdslinkRuntimeError, ValueError):
    """The settings cannot work (missing host, unknown engine, IAM auth with TLS disabled, ...)."""


class DatabaseUnreachable(RdslinkRuntimeError, ConnectionError):
    """The database did not answer: TCP connect or the server's first reply timed out, was refused,
    or the host name did not resolve.

    Attributes: ``host`` (str), ``port`` (int), ``elapsed`` (seconds waited, float), ``timeout`` (seconds
    allowed, float), ``kind`` ("timeout" | "refused" | "dns" | "network").
    """

    def __init__(self, message: str, *, host: str, port: int, elapsed: float, timeout: float, kind: str) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.elapsed = elapsed
        self.timeout = timeout
        self.kind = kind


class SecretUnreachable(RdslinkRuntimeError, ConnectionError):
    """The Secrets Manager API did not answer (connect or read timeout, connection refused).

    Attributes: ``secret_id`` (ARN or name), ``endpoint`` (URL or None for the default), ``elapsed``
    (seconds, float).
    """

    def __init__(self, message: str, *, secret_id: str, endpoint: str | None, elapsed: float) -> None:
        super().__init__(message)
        self.secret_id = secret_id
        self.endpoint = endpoint
        self.elapsed = elapsed


class SecretError(RdslinkRuntimeError):
    """Secrets Manager answered but the secret cannot be used (access denied, not found, not the RDS
    JSON format, no password)."""


class AuthenticationFailed(RdslinkRuntimeError):
    """The server rejected the credentials, after the one allowed refresh (new secret value or new IAM
    token) when the credential source can refresh. Attributes: ``host``, ``port``, ``user``,
    ``refreshed`` (bool: whether a refresh was tried)."""

    def __init__(self, message: str, *, host: str, port: int, user: str, refreshed: bool) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.user = user
        self.refreshed = refreshed


class TLSVerificationFailed(RdslinkRuntimeError):
    """TLS could not be established or the server certificate did not verify against the CA bundle.
    Attributes: ``host``, ``port``, ``ca_bundle`` (path or None for the system trust store)."""

    def __init__(self, message: str, *, host: str, port: int, ca_bundle: str | None) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.ca_bundle = ca_bundle


def redact(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    """Return `text` with every occurrence of each non-empty string in `secrets` replaced by ``***``."""
    for s in secrets:
        if s and s in text:
            text = text.replace(s, "***")
    return text
