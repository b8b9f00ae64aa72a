"""Where the database password comes from: plain values, Secrets Manager, or an IAM auth token.

Each source has ``get(time_left=..., force=False) -> Credentials`` and a ``refreshable`` flag: after an
authentication failure :class:`~rdslink.runtime.Database` calls ``get(force=True)`` once when the source
is refreshable (a rotated secret, an expired or rejected token). boto3 and Powertools are imported on the
first ``get`` only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from ._deadline import CallTimedOut, call_with_deadline
from .errors import ConfigurationError, SecretError, SecretUnreachable

__all__ = ["Credentials", "StaticCredentials", "SecretsManagerCredentials", "IamAuthTokenCredentials"]

#: An IAM database authentication token is valid for 15 minutes
#: (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html).
IAM_TOKEN_LIFETIME = 900.0


class Credentials:
    """One set of connection values. ``password`` is never shown by ``repr``/``str``.

    Attributes: host (str | None), port (int | None), user (str | None), password (str), dbname
    (str | None), engine (str | None, as the secret spells it), source ("env" | "secretsmanager" | "iam").
    """

    __slots__ = ("host", "port", "user", "password", "dbname", "engine", "source")

    def __init__(self, *, host: str | None, port: int | None, user: str | None, password: str,
                 dbname: str | None, engine: str | None, source: str) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.dbname = dbname
        self.engine = engine
        self.source = source

    def __repr__(self) -> str:
        return (f"Credentials(source={self.source!r}, host={self.host!r}, port={self.port!r}, user={self.user!r}, "
                f"dbname={self.dbname!r}, engine={self.engine!r}, password=***)")

    __str__ = __repr__


class StaticCredentials:
    """Fixed values, typically from environment variables (local development, tests)."""

    kind = "env"
    refreshable = False

    def __init__(self, *, password: str = "", user: str | None = None) -> None:
        self._creds = Credentials(host=None, port=None, user=user, password=password, dbname=None, engine=None,
                                  source=self.kind)

    def get(self, *, time_left: float | None = None, force: bool = False) -> Credentials:
        """Return the fixed credentials (never fails, never refreshes)."""
        return self._creds

    def describe(self) -> str:
        return "env"


class SecretsManagerCredentials:
    """An RDS-format secret (JSON with host, port, username, password, dbname, engine) from Secrets Manager.

    Fetched through Powertools' parameters utility (``SecretsProvider``), cached for `max_age` seconds
    (https://docs.powertools.aws.dev/lambda/python/latest/utilities/parameters/). The boto3 client gets
    its own ``connect_timeout``/``read_timeout`` (seconds) and at most 2 attempts, each shortened to fit
    the time left before the invocation's deadline, so an unreachable endpoint (a VPC with neither an
    interface endpoint nor a NAT route) fails fast with :class:`SecretUnreachable` instead of hanging
    until the function times out.

    Args:
        secret_id: secret ARN or name.
        region: AWS region (None: boto3's default, ``AWS_REGION`` in Lambda).
        max_age: seconds a fetched value is reused (cached here; every fetch goes to the API).
        connect_timeout, read_timeout: per-attempt boto timeouts in seconds.
        endpoint_url: Secrets Manager endpoint (None: the regional default or AWS_ENDPOINT_URL_*).
        boto3_session: optional boto3 Session to build the client from.
        clock: seconds, used only to decide whether a value is still cached (default time.monotonic).
    """

    kind = "secretsmanager"
    refreshable = True
    max_attempts = 2
    retry_backoff = 1.0  #: longest wait botocore's standard retry mode makes before the 2nd attempt (s)

    def __init__(self, secret_id: str, *, region: str | None = None, max_age: float = 300.0,
                 connect_timeout: float = 1.0, read_timeout: float = 2.0, endpoint_url: str | None = None,
                 boto3_session: Any = None, clock: Callable[[], float] | None = None) -> None:
        if not secret_id:
            raise ConfigurationError("secret_id must be a Secrets Manager secret ARN or name")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ConfigurationError("Secrets Manager connect_timeout and read_timeout must be > 0 seconds")
        self.secret_id = secret_id
        self.region = region
        self.max_age = max_age
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.endpoint_url = endpoint_url
        self._session = boto3_session
        self._clock = clock or time.monotonic
        self._provider: Any = None
        self._provider_timeouts: tuple[float, float, int] = (0.0, 0.0, 0)
        self._fetched_at: float | None = None
        self._value: Credentials | None = None
        self.fetches = 0  #: network fetches done (cache hits not counted)
        self.function_name: str | None = None  #: named in SecretUnreachable's advice (set by Database)

    def describe(self) -> str:
        return f"secretsmanager:{self.secret_id}"

    def _timeouts(self, time_left: float | None) -> tuple[float, float, int]:
        """(connect timeout, read timeout, attempts) whose worst case fits in `time_left` seconds."""
        c, r = self.connect_timeout, self.read_timeout
        attempts = self.max_attempts
        if time_left is not None and attempts * (c + r) + self.retry_backoff > time_left:
            # Not enough time for a retry (botocore's standard mode waits up to 1 s before it): one
            # attempt whose connect + read waits fit in the time left.
            attempts = 1
            share = max(0.05, time_left / 2)
            c, r = min(c, share), min(r, share)
        return round(c, 3), round(r, 3), attempts

    def _provider_for(self, timeouts: tuple[float, float, int]) -> Any:
        if self._provider is not None and self._provider_timeouts == timeouts:
            return self._provider
        import boto3
        from aws_lambda_powertools.utilities.parameters import SecretsProvider
        from botocore.config import Config

        config = Config(connect_timeout=timeouts[0], read_timeout=timeouts[1],
                        retries={"total_max_attempts": timeouts[2], "mode": "standard"})
        session = self._session or boto3.session.Session()
        client = session.client("secretsmanager", region_name=self.region, endpoint_url=self.endpoint_url,
                                config=config)
        self._provider = SecretsProvider(boto3_client=client)
        self._provider_timeouts = timeouts
        return self._provider

    def get(self, *, time_left: float | None = None, force: bool = False) -> Credentials:
        """Return the secret's credentials: the value cached less than `max_age` s ago (the last one that
        logged in, see :meth:`use`), else AWSCURRENT fetched now (always when `force`).

        Raises SecretUnreachable (endpoint did not answer), SecretError (denied, missing, not RDS JSON).
        """
        now = self._clock()
        if not force and self._value is not None and self._fetched_at is not None \
                and now - self._fetched_at < self.max_age:
            return self._value
        value = self._fetch(time_left, "AWSCURRENT")
        assert value is not None
        self._value, self._fetched_at = value, now
        return value

    def get_pending(self, *, time_left: float | None = None) -> Credentials | None:
        """Fetch the AWSPENDING version (between a rotation's ``createSecret`` and ``finishSecret`` the
        database may already have its password: ``setSecret`` runs before AWSCURRENT moves,
        https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html).
        Returns None when the secret has no AWSPENDING version. Not cached until :meth:`use` says it
        logged in. Raises as :meth:`get`."""
        return self._fetch(time_left, "AWSPENDING")

    def use(self, creds: Credentials) -> None:
        """Cache `creds` (a value that logged in) as the secret's value for the next `max_age` seconds."""
        self._value, self._fetched_at = creds, self._clock()

    def _fetch(self, time_left: float | None, stage: str) -> Credentials | None:
        started = time.monotonic()
        deadline_at = None if time_left is None else started + time_left
        # Import first: on the first call the imports (~0.3 s) count against the time left.
        import boto3  # noqa: F401
        from aws_lambda_powertools.utilities.parameters.exceptions import (
            GetParameterError,
            TransformParameterError,
        )

        if time_left is not None:
            time_left = max(0.05, time_left - (time.monotonic() - started))
        timeouts = self._timeouts(time_left)
        provider = self._provider_for(timeouts)
        options = {"VersionStage": stage}  # AWSCURRENT is the API's default; said explicitly all the same

        def fetch() -> Any:
            return provider.get(self.secret_id, max_age=max(1, int(self.max_age)), transform="json",
                                force_fetch=True, **options)

        t0 = time.perf_counter()
        try:
            if deadline_at is None:
                value = fetch()
            else:
                # botocore's timeouts bound each attempt; this bounds the whole call (client creation,
                # retries and back-off included) by the time the invocation has left.
                value = call_with_deadline(fetch, max(0.05, deadline_at - time.monotonic()), lambda _: None)
        except CallTimedOut:
            raise self._classify(TimeoutError("deadline"), time.perf_counter() - t0, timeouts) from None
        except GetParameterError as exc:
            cause = exc.__cause__ or exc.__context__ or exc
            if stage != "AWSCURRENT" and _error_code(cause) == "ResourceNotFoundException":
                self.fetches += 1
                return None  # no version has that stage
            raise self._classify(cause, time.perf_counter() - t0, timeouts) from None
        except TransformParameterError:
            raise SecretError(f"secret {self.secret_id} ({stage}) is not JSON: an RDS database secret holds "
                              '{"username", "password", "host", "port", "dbname", "engine"}') from None
        self.fetches += 1
        return self._parse(value)

    def _parse(self, value: Any) -> Credentials:
        if not isinstance(value, dict) or not isinstance(value.get("password"), str):
            raise SecretError(f"secret {self.secret_id} has no string 'password' field: an RDS database secret "
                              'holds {"username", "password", "host", "port", "dbname", "engine"}')
        port = value.get("port")
        try:
            port_i = None if port is None or port == "" else int(port)
        except (TypeError, ValueError):
            raise SecretError(f"secret {self.secret_id} has a non-numeric 'port'") from None
        return Credentials(host=value.get("host") or None, port=port_i,
                           user=value.get("username") or value.get("user") or None,
                           password=value["password"], dbname=value.get("dbname") or value.get("dbName") or None,
                           engine=value.get("engine") or None, source=self.kind)

    def _function(self) -> str:
        return self.function_name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "<NAME>"

    def _classify(self, exc: BaseException, elapsed: float, timeouts: tuple[float, float, int]) -> Exception:
        from botocore import exceptions as bex

        endpoint = self.endpoint_url or "the regional Secrets Manager endpoint"
        if isinstance(exc, (bex.ConnectionError, bex.HTTPClientError, TimeoutError)):
            why = "the invocation's remaining time ran out" if isinstance(exc, TimeoutError) else type(exc).__name__
            region = self.region or _region_from_arn(self.secret_id) or os.environ.get("AWS_REGION") or "<region>"
            return SecretUnreachable(
                f"Secrets Manager did not answer for secret {self.secret_id} at {endpoint} after {elapsed:.2f} s "
                f"({why}; connect timeout {timeouts[0]} s, read timeout {timeouts[1]} s, "
                f"{timeouts[2]} attempt(s)). A function in a VPC reaches the Secrets Manager API only "
                f"through (1) an interface VPC endpoint com.amazonaws.{region}.secretsmanager with private DNS "
                "enabled, in the function's subnets, whose security group admits TCP 443 from the function's "
                "security group, or (2) a route from the function's subnets to a NAT gateway. "
                f"Check with: rdslink check --live --function {self._function()}",
                secret_id=self.secret_id, endpoint=self.endpoint_url, elapsed=elapsed)
        if isinstance(exc, bex.ClientError):
            code = exc.response.get("Error", {}).get("Code", "ClientError")
            hint = {
                "AccessDeniedException": "grant the function's role secretsmanager:GetSecretValue on the secret "
                                         "(and kms:Decrypt on its KMS key if it uses a customer managed key)",
                "ResourceNotFoundException": "check DB_SECRET_ARN and the region",
                "DecryptionFailure": "grant the function's role kms:Decrypt on the secret's KMS key",
            }.get(code, "see the Secrets Manager error code")
            return SecretError(f"Secrets Manager refused secret {self.secret_id}: {code}: {hint}")
        if isinstance(exc, bex.NoCredentialsError):
            return SecretError(f"no AWS credentials to read secret {self.secret_id}")
        return SecretError(f"reading secret {self.secret_id} failed: {type(exc).__name__}: {exc}")


class IamAuthTokenCredentials:
    """An RDS IAM database authentication token used as the password.

    ``rds.generate_db_auth_token`` signs locally (no network call) with the function's role credentials
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.Python.html).
    A token lives 15 minutes; this source reuses it for `max_age` seconds (default 600, must be below 900)
    and makes a new one when asked to refresh after an authentication failure. IAM auth requires TLS.

    Args: host, port, user: what the token is signed for (must match the connection); region: AWS region
    (None: parsed from an ``*.<region>.rds.amazonaws.com`` host, else boto3's default); clock: wall-clock
    seconds (default time.time: token expiry is wall-clock time on the AWS side).
    """

    kind = "iam"
    refreshable = True

    def __init__(self, *, host: str, port: int, user: str, region: str | None = None, max_age: float = 600.0,
                 boto3_session: Any = None, client: Any = None, clock: Callable[[], float] | None = None) -> None:
        if not host or not user or not port:
            raise ConfigurationError("IAM database authentication needs DB_HOST, DB_PORT (or engine) and DB_USER")
        if not 0 < max_age < IAM_TOKEN_LIFETIME:
            raise ConfigurationError("IAM token max_age must be between 0 and 900 seconds (the token's lifetime)")
        self.host, self.port, self.user = host, int(port), user
        self.region = region or _region_from_host(host)
        self.max_age = float(max_age)
        self._session = boto3_session
        self._client = client
        self._clock = clock or time.time
        self._token: str | None = None
        self._issued_at = 0.0
        self.generated = 0  #: tokens generated so far

    def describe(self) -> str:
        return f"iam:{self.user}@{self.host}:{self.port}"

    def get(self, *, time_left: float | None = None, force: bool = False) -> Credentials:
        """Return credentials whose password is a valid token (new one if older than max_age or `force`)."""
        now = self._clock()
        if force or self._token is None or now - self._issued_at >= self.max_age:
            if self._client is None:
                import boto3

                session = self._session or boto3.session.Session()
                self._client = session.client("rds", region_name=self.region)
            try:
                self._token = self._client.generate_db_auth_token(DBHostname=self.host, Port=self.port,
                                                                  DBUsername=self.user, Region=self.region)
            except Exception as exc:
                raise ConfigurationError(f"could not sign an IAM auth token for {self.user}@{self.host}:{self.port}: "
                                         f"{type(exc).__name__} (are AWS credentials and the region set?)") from None
            self._issued_at = now
            self.generated += 1
        assert self._token is not None
        return Credentials(host=None, port=None, user=self.user, password=self._token, dbname=None, engine=None,
                           source=self.kind)

    @property
    def token_age(self) -> float | None:
        """Seconds since the cached token was generated (None before the first)."""
        return None if self._token is None else self._clock() - self._issued_at


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _region_from_host(host: str) -> str | None:
    parts = host.lower().split(".")
    if len(parts) >= 5 and parts[-2:] == ["amazonaws", "com"] and parts[-3] == "rds":
        return parts[-4]
    return None


def _region_from_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 4 and parts[0] == "arn" else None
