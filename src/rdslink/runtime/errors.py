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
    allowed, float), ``kind`` ("timeout" | "refused" | "dns" | "network"), ``phase`` ("connect", or
    "ping+connect" when the cached connection's ping failed first).
    """

    def __init__(self, message: str, *, host: str, port: int, elapsed: float, timeout: float, kind: str,
                 phase: str = "connect") -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.elapsed = elapsed
        self.timeout = timeout
        self.kind = kind
        self.phase = phase


class DeadlineExceeded(RdslinkRuntimeError, TimeoutError):
    """A statement (or the commit at the end of the ``with`` block) was cut short at the invocation's
    deadline: the remaining time less the reserve. The connection was shut down so the handler gets its
    error before Lambda's timeout; it is replaced on the next invocation. The statement was not retried
    (it may or may not have run on the server).

    Attributes: ``phase`` ("statement" | "commit"), ``waited`` (seconds from entering the block to the
    cut, float), ``budget`` (seconds the block had, float), ``host``, ``port``, ``unacked`` (segments the
    server's host had not acknowledged, Linux only, else None).
    """

    def __init__(self, message: str, *, phase: str, waited: float, budget: float, host: str | None,
                 port: int | None, unacked: int | None) -> None:
        super().__init__(message)
        self.phase = phase
        self.waited = waited
        self.budget = budget
        self.host = host
        self.port = port
        self.unacked = unacked


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
    """Return `text` with each non-empty string of `secrets` replaced by ``***`` where it stands as a whole
    value: not preceded or followed by a letter or digit. A 1-character password "M" leaves "MySQL"
    alone but hides "password 'M'"; a password quoted, between spaces or at either end is always hidden."""
    if not any(s and s in text for s in secrets):
        return text
    import re

    for s in sorted((s for s in secrets if s), key=len, reverse=True):
        text = re.sub(r"(?<![^\W_])" + re.escape(s) + r"(?![^\W_])", "***", text)
    return text
