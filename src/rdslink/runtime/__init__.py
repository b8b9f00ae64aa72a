"""rdslink.runtime: the Lambda handler side of reaching an RDS/Aurora database.

    from rdslink.runtime import Database
    db = Database.from_env()          # DB_HOST/DB_PORT/DB_NAME/DB_USER + DB_SECRET_ARN or DB_IAM_AUTH=1

    def handler(event, context):
        with db.connection(context) as conn:   # psycopg 3 or PyMySQL connection, reused while warm
            ...

Importing this package is cheap (standard library only): boto3, Powertools and the database drivers are
imported on first use. See docs/runtime.md.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .budget import ConcurrencyBudget, assess_concurrency, default_max_connections
    from .credentials import (
        Credentials,
        IamAuthTokenCredentials,
        SecretsManagerCredentials,
        StaticCredentials,
    )
    from .database import ConnectFailed, Database, TooManyConnections
    from .errors import (
        AuthenticationFailed,
        ConfigurationError,
        DatabaseUnreachable,
        DeadlineExceeded,
        RdslinkRuntimeError,
        SecretError,
        SecretUnreachable,
        TLSVerificationFailed,
    )

# Submodules load on first attribute access (PEP 562): `import rdslink.runtime` costs almost nothing.
_EXPORTS = {
    "ConcurrencyBudget": "budget", "assess_concurrency": "budget", "default_max_connections": "budget",
    "Credentials": "credentials", "IamAuthTokenCredentials": "credentials",
    "SecretsManagerCredentials": "credentials", "StaticCredentials": "credentials",
    "ConnectFailed": "database", "Database": "database", "TooManyConnections": "database",
    "AuthenticationFailed": "errors", "ConfigurationError": "errors", "DatabaseUnreachable": "errors",
    "DeadlineExceeded": "errors",
    "RdslinkRuntimeError": "errors", "SecretError": "errors", "SecretUnreachable": "errors",
    "TLSVerificationFailed": "errors",
}

__all__ = [
    "AuthenticationFailed",
    "ConcurrencyBudget",
    "ConfigurationError",
    "ConnectFailed",
    "Credentials",
    "Database",
    "DatabaseUnreachable",
    "DeadlineExceeded",
    "IamAuthTokenCredentials",
    "RdslinkRuntimeError",
    "SecretError",
    "SecretUnreachable",
    "SecretsManagerCredentials",
    "StaticCredentials",
    "TLSVerificationFailed",
    "TooManyConnections",
    "assess_concurrency",
    "default_max_connections",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
