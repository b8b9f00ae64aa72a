"""RL7xx, RDS Proxy: its security group, IAM auth, TLS, its role and secret.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.proxy`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import INFO, Check, E, declare

CHECKS = declare(
    "proxy",
    Check("RL701", "RDS Proxy security group does not admit the function",
          E, summary="The RDS Proxy's security group does not admit the function."),
    Check("RL702", "DB security group does not admit the RDS Proxy",
          E, summary="The database's security group does not admit the RDS Proxy."),
    Check("RL703", "proxy requires IAM auth but the function role lacks rds-db:connect on the proxy",
          E, summary="The proxy requires IAM authentication but the function's role lacks "
                     "`rds-db:connect` on the proxy (`prx-...`) resource."),
    Check("RL704", "proxy requires TLS: client must connect with TLS",
          INFO, summary="The proxy requires TLS."),
    Check("RL705", "proxy's role cannot read its auth secret",
          E, summary="The proxy's role cannot read its auth secret (or decrypt it with the secret's KMS "
                     "key)."),
)
