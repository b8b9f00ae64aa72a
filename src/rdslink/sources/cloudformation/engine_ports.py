"""Default TCP ports of RDS engines (CreateDBInstance ``Port`` defaults) and of RDS Proxy engine families: the
one engine-port table of the template sources, shared by the loader and the builder."""

from __future__ import annotations

from typing import Any

ENGINE_PORTS = {
    "mysql": 3306,
    "mariadb": 3306,
    "aurora": 3306,
    "aurora-mysql": 3306,
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "oracle-ee": 1521,
    "oracle-se2": 1521,
    "oracle-ee-cdb": 1521,
    "oracle-se2-cdb": 1521,
    "sqlserver-ee": 1433,
    "sqlserver-se": 1433,
    "sqlserver-ex": 1433,
    "sqlserver-web": 1433,
}

PROXY_FAMILY_PORTS = {"MYSQL": 3306, "POSTGRESQL": 5432, "SQLSERVER": 1433}


def engine_port(engine: Any) -> int | None:
    """Default port of ``engine`` (``postgres``, ``aurora-mysql``, ...), None when unknown."""
    if not isinstance(engine, str):
        return None
    return ENGINE_PORTS.get(engine.lower())
