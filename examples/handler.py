"""The article's Lambda handler ("Lambda Connecting to Private RDS: VPC Configuration Explained",
Step 4), rewritten on rdslink.runtime.

What changes against the article's cached psycopg2 global:
  * the password is not in an environment variable: it comes from Secrets Manager (DB_SECRET_ARN), cached,
    and fetched again once when the database rejects it (rotation) -- or from IAM auth (DB_IAM_AUTH=1);
  * a connection that died while the environment was frozen is found by a ping after idle time and
    replaced before the handler sends anything; an error after a statement was sent is raised, never
    replayed;
  * TLS verify-full against the RDS CA bundle (ship global-bundle.pem next to this file, or set DB_SSL_CA);
  * a connect timeout raises DatabaseUnreachable naming the security group / VPC / NACL causes and the
    `rdslink check --live --function NAME` command, instead of a bare timeout; a Secrets Manager call
    that cannot leave the VPC raises SecretUnreachable naming the endpoint and NAT fixes;
  * the statement is bounded by the invocation's remaining time (pass `context`): a stalled database
    raises DeadlineExceeded before Lambda kills the environment, so the handler can still answer;
  * after a failover (read-only session) the connection is replaced; a full database raises
    TooManyConnections naming RDS Proxy and reserved concurrency, after jittered retries.

Environment (set on the function):
    DB_SECRET_ARN   the RDS-managed or rotated secret (JSON: host, port, username, password, dbname, engine)
    DB_HOST         optional: an RDS Proxy endpoint overrides the secret's host
    DB_NAME         optional: overrides the secret's dbname
Package: `pip install 'rdslink[runtime]' -t package/` (psycopg[binary], PyMySQL, boto3, Powertools).

Run it locally against any PostgreSQL without AWS:
    DB_HOST=127.0.0.1 DB_PORT=5432 DB_USER=app DB_PASSWORD=... DB_NAME=app python examples/handler.py
(DB_ENGINE=postgres or mysql when the port is not the standard 5432/3306.)
"""

from __future__ import annotations

import json

from rdslink.runtime import (
    Database,
    DatabaseUnreachable,
    DeadlineExceeded,
    SecretUnreachable,
    TooManyConnections,
)

# Created once per execution environment (init phase): no network, no driver import until first use.
db = Database.from_env()


def lambda_handler(event, context):
    try:
        with db.connection(context) as conn:  # the same connection on every warm invocation
            with conn.cursor() as cur:
                cur.execute("SELECT version();")
                result = cur.fetchone()
    except (DatabaseUnreachable, SecretUnreachable, DeadlineExceeded, TooManyConnections) as exc:
        # The message says what to fix; it never contains the password or token.
        print(json.dumps({"level": "ERROR", "error": type(exc).__name__, "message": str(exc)}))
        return {"statusCode": 503, "body": json.dumps({"error": "database unavailable"})}
    return {"db_version": result[0]}


if __name__ == "__main__":  # local smoke run: two invocations, one connection
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(lambda_handler({}, None))
    print(lambda_handler({}, None))
    print(db.stats)
