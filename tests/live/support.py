"""Helpers of the live tests. botocore event hooks: deny chosen API calls (AccessDenied / UnauthorizedOperation, as
IAM would) and record every call, by patching ``boto3.session.Session`` so the sessions rdslink creates carry a
``before-call`` handler (clients copy their session's event handlers when they are created)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import boto3.session
from botocore.awsrequest import AWSResponse

#: The error code each service returns for a call the caller's policy does not allow.
DENIED_CODE = {"ec2": "UnauthorizedOperation", "iam": "AccessDenied", "rds": "AccessDenied",
               "lambda": "AccessDeniedException", "secretsmanager": "AccessDeniedException"}


def action_of(model: Any) -> str:
    """IAM action name (``ec2:DescribeVpcs``) of a botocore operation model."""
    sm = model.service_model
    prefix = sm.metadata.get("signingName") or sm.endpoint_prefix
    return f"{prefix}:{model.name}"


@contextlib.contextmanager
def patched_sessions(deny: set[str] | frozenset[str] = frozenset()) -> Iterator[Counter[str]]:
    """Within the block, every boto3 Session created records each API call (``service:Operation`` -> count,
    the yielded Counter) and answers the actions in ``deny`` with HTTP 403 and the service's denial code."""
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def before_call(model: Any = None, **_: Any) -> Any:
        if model is None:
            return None
        action = action_of(model)
        with lock:
            calls[action] += 1
        if action in deny:
            code = DENIED_CODE.get(action.split(":")[0], "AccessDenied")
            http = AWSResponse("https://denied.invalid/", 403, {}, None)
            return http, {"Error": {"Code": code, "Message": f"not authorized to perform: {action}"},
                          "ResponseMetadata": {"HTTPStatusCode": 403}}
        return None

    original = boto3.session.Session

    class HookedSession(original):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.events.register("before-call", before_call)

    boto3.session.Session = HookedSession  # type: ignore[misc]
    try:
        yield calls
    finally:
        boto3.session.Session = original  # type: ignore[misc]


def error_ids(pair: Any) -> set[str]:
    return {f.id for f in pair.findings if f.severity.value == "error"}


def pairs_by_function(result: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for p in result.pairs:
        out.setdefault(p.function.name, []).append(p)
    return out


def summary(doc: dict[str, Any]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """(function id, target id, verdict, sorted finding ids) of every pair of a ``--format json`` document."""
    return {(p["function"]["id"], p["target"]["id"], p["verdict"], tuple(sorted({f["id"] for f in p["findings"]})))
            for p in doc["pairs"]}
