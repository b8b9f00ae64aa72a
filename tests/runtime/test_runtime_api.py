"""Import cost, configuration from the environment, and the concurrency budget helper (no server needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rdslink.runtime import (
    ConfigurationError,
    Credentials,
    Database,
    assess_concurrency,
    default_max_connections,
)

HEAVY = ("boto3", "botocore", "psycopg", "pymysql", "aws_lambda_powertools", "rich", "logging", "json")

PROBE = f"""
import sys
HEAVY = {HEAVY!r}
import rdslink.runtime
after_import = sorted(m for m in sys.modules if m.startswith("rdslink"))
from rdslink.runtime import Database
db = Database(host="db.example.internal", user="app", password="pw", engine="postgres")
mods = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY or m.startswith("rdslink"))
import json
print(json.dumps({{"after_import": after_import, "modules": mods}}))
"""


def _probe() -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_is_light() -> None:
    """Which modules importing and constructing pull in (the import time is measured by
    benchmarks/runtime_bench.py, not asserted here: timing does not belong in tests)."""
    probe = _probe()
    assert probe["after_import"] == ["rdslink", "rdslink.runtime"]  # names resolve lazily
    modules = probe["modules"]
    # Neither boto3 nor a driver, nor logging/json, nor anything from the rest of rdslink: only the runtime.
    assert all(m == "rdslink" or m.startswith("rdslink.runtime") for m in modules), modules
    assert not any(m.split(".")[0] in HEAVY for m in modules), modules
    assert "rdslink.runtime.database" in modules  # the probe did import what it claims to check


def test_from_env_reads_the_documented_variables() -> None:
    db = Database.from_env({"DB_HOST": "db.example.internal", "DB_PORT": "6543", "DB_NAME": "orders",
                            "DB_USER": "app", "DB_PASSWORD": "pw", "DB_ENGINE": "aurora-postgresql",
                            "DB_CONNECT_TIMEOUT": "2.5", "DB_PING_AFTER": "10", "DB_SSL_MODE": "verify-full"})
    assert (db.host, db.port, db.dbname, db.user, db.engine) == ("db.example.internal", 6543, "orders", "app",
                                                                 "postgresql")
    assert db.connect_timeout == 2.5 and db.ping_after == 10.0 and db.tls == "verify-full"
    assert "pw" not in repr(db) and "credentials='env'" in repr(db)

    secret = Database.from_env({"DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
                                "DB_SECRET_MAX_AGE": "60"})
    assert "secretsmanager:arn:aws:secretsmanager" in repr(secret)

    iam = Database.from_env({"DB_HOST": "h.abc.us-west-2.rds.amazonaws.com", "DB_USER": "app", "DB_IAM_AUTH": "1",
                             "DB_ENGINE": "mysql"})
    assert iam.iam_auth and "iam:app@h.abc.us-west-2.rds.amazonaws.com:3306" in repr(iam)

    failover = Database.from_env({"DB_HOST": "writer.cluster-abc.us-east-1.rds.amazonaws.com", "DB_USER": "u",
                                  "DB_PASSWORD": "p", "DB_ENGINE": "postgres",
                                  "DB_READER_HOST": "writer.cluster-ro-abc.us-east-1.rds.amazonaws.com",
                                  "DB_MAX_CONNECTIONS": "405", "DB_RESERVED_CONCURRENCY": "100"})
    assert failover.reader_host == "writer.cluster-ro-abc.us-east-1.rds.amazonaws.com"
    assert (failover.max_connections, failover.reserved_concurrency) == (405, 100)
    with pytest.raises(ConfigurationError, match="DB_RESERVED_CONCURRENCY"):
        Database.from_env({"DB_HOST": "h", "DB_USER": "u", "DB_RESERVED_CONCURRENCY": "lots"})

    overridden = Database.from_env({"DB_HOST": "a", "DB_USER": "u", "DB_PASSWORD": "p", "DB_ENGINE": "mysql"},
                                   host="b", connect_timeout=1)
    assert overridden.host == "b" and overridden.connect_timeout == 1.0


@pytest.mark.parametrize("env,match", [
    ({"DB_HOST": "h", "DB_USER": "u", "DB_PORT": "abc"}, "DB_PORT"),
    ({"DB_USER": "u", "DB_PASSWORD": "p"}, "DB_HOST"),
    ({"DB_SECRET_ARN": "x", "DB_IAM_AUTH": "true", "DB_HOST": "h", "DB_USER": "u"}, "not both"),
    ({"DB_SECRET_ARN": "x", "DB_PASSWORD": "p"}, "cannot be combined"),
    ({"DB_HOST": "h", "DB_USER": "u", "DB_ENGINE": "oracle-ee"}, "unsupported engine"),
    ({"DB_HOST": "h", "DB_IAM_AUTH": "1", "DB_ENGINE": "postgres"}, "DB_USER"),
    ({"DB_HOST": "h", "DB_USER": "u", "DB_CONNECT_TIMEOUT": "0"}, "connect_timeout"),
])
def test_bad_configuration_names_the_problem(env: dict, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Database.from_env(env)


def test_engine_from_port_or_refusal() -> None:
    db = Database(host="h", user="u", password="p", port=3306)
    assert db._resolve(Credentials(host=None, port=None, user=None, password="p", dbname=None, engine=None,
                                   source="env"))[0].engine == "mysql"
    unknown = Database(host="h", user="u", password="p", port=9999)
    with pytest.raises(ConfigurationError, match="cannot tell the engine"):
        with unknown.connection():
            pass


def test_deadline_keeps_a_reserve_of_the_remaining_time() -> None:
    class Ctx:
        def __init__(self, ms: int) -> None:
            self.ms = ms

        def get_remaining_time_in_millis(self) -> int:
            return self.ms

    db = Database(host="h", user="u", password="p", engine="postgres", connect_timeout=5)
    assert db._timeout(db._deadline(Ctx(3000))) == pytest.approx(2.4, abs=0.05)  # 20 % reserve
    assert db._timeout(db._deadline(Ctx(60_000))) == 5.0  # the configured timeout when time is plenty
    assert db._timeout(db._deadline(Ctx(0))) == 0.05  # floor: fail fast, never wait forever
    assert db._timeout(db._deadline(None)) == 5.0


def test_concurrency_budget_says_when_rds_proxy_is_needed() -> None:
    small = assess_concurrency(max_connections=112, expected_concurrency=1000)
    assert small.needs_proxy and small.peak_demand == 1000 and small.usable == int((112 - 3) * 0.8)
    assert "RDS Proxy" in small.reason and "reserved concurrency" in small.reason

    fits = assess_concurrency(max_connections=5000, expected_concurrency=100)
    assert not fits.needs_proxy and fits.utilisation == pytest.approx(100 / int(4997 * 0.8))

    edge = assess_concurrency(max_connections=103, expected_concurrency=80, reserved=3, headroom=0.8)
    assert edge.usable == 80 and not edge.needs_proxy
    assert assess_concurrency(max_connections=103, expected_concurrency=81, reserved=3, headroom=0.8).needs_proxy
    two = assess_concurrency(max_connections=103, expected_concurrency=41, connections_per_environment=2)
    assert two.peak_demand == 82 and two.needs_proxy
    assert json.dumps(two.as_dict())  # JSON-ready for `rdslink check`

    with pytest.raises(ValueError):
        assess_concurrency(max_connections=100, expected_concurrency=10, headroom=0)
    with pytest.raises(ValueError):
        assess_concurrency(max_connections=-1, expected_concurrency=10)


def test_default_max_connections_follows_the_rds_formulas() -> None:
    gib = 1024**3
    assert default_max_connections("postgres", gib) == 112  # db.t3.micro-sized, 1 GiB / 9531392
    assert default_max_connections("aurora-postgresql", 512 * gib) == 5000  # capped
    assert default_max_connections("mysql", gib) == 85  # 1 GiB / 12582880
    assert default_max_connections("MariaDB", 2 * gib) == 170
    with pytest.raises(ValueError):
        default_max_connections("sqlserver-ex", gib)


def test_max_connections_for_an_instance_class() -> None:
    from rdslink.runtime.budget import instance_class_memory, max_connections_for

    gib = 1024**3
    assert instance_class_memory("db.t4g.micro") == gib
    assert instance_class_memory("db.r6g.large") == 16 * gib and instance_class_memory("db.m5.24xlarge") == 384 * gib
    assert instance_class_memory("db.serverless") is None and instance_class_memory("t3.micro") is None
    assert max_connections_for("postgres", "db.t4g.micro") == 112
    assert max_connections_for("mysql", "db.t3.small") == 170
    assert max_connections_for("aurora-mysql", "db.r6g.large") == 1000  # AWS's table, not the MySQL formula
    assert max_connections_for("aurora-mysql", "db.t3.medium") == 90
    assert max_connections_for("aurora-mysql", "db.x2g.large") is None
    assert max_connections_for("sqlserver-ex", "db.t3.micro") is None
    assert max_connections_for("postgres", "db.serverless") is None
