"""The variants the reference-stack tests synthesize (stack name -> options)."""

from __future__ import annotations

from itertools import product

from rdslink.stack.options import ReferenceOptions

#: The default system, under the stack name `rdslink stack synth` uses (so it equals examples/reference-stack.yaml).
DEFAULT_STACK = "reference-stack"

#: engine x egress x proxy: the proof matrix.
MATRIX: dict[str, ReferenceOptions] = {}
for _engine, _egress, _proxy in product(("postgres", "mysql"), ("endpoints", "nat"), (False, True)):
    _opts = ReferenceOptions(engine=_engine, egress=_egress, proxy=_proxy)
    _name = DEFAULT_STACK if _opts == ReferenceOptions() else f"{_engine}-{_egress}-{'proxy' if _proxy else 'direct'}"
    MATRIX[_name] = _opts

#: Option variants beyond the matrix.
EXTRA: dict[str, ReferenceOptions] = {
    "three-azs-schedule": ReferenceOptions(azs=3, trigger="schedule", cidr="10.20.0.0/20"),
    "nat-single": ReferenceOptions(egress="nat", nat_gateways=1, azs=3),
    "small-nonprod": ReferenceOptions(multi_az=False, deletion_protection=False, reserved_concurrency=None,
                                      cidr="10.1.0.0/22", engine="mysql"),
}

_BASE, _PROXY = ReferenceOptions(), ReferenceOptions(proxy=True)

#: Deliberately broken variants: stack name -> options with one fault.
FAULTS: dict[str, ReferenceOptions] = {
    "fault-db-admits-cidr": _BASE.with_faults("db-admits-cidr"),
    "fault-db-no-ingress": _BASE.with_faults("db-no-ingress"),
    "fault-db-wrong-port": _BASE.with_faults("db-wrong-port"),
    "fault-lambda-no-egress": _BASE.with_faults("lambda-no-egress"),
    "fault-single-az": _BASE.with_faults("single-az"),
    "fault-no-vpc": _BASE.with_faults("no-vpc"),
    "fault-no-vpc-policy": _BASE.with_faults("no-vpc-policy"),
    "fault-no-egress": _BASE.with_faults("no-egress"),
    "fault-endpoint-no-private-dns": _BASE.with_faults("endpoint-no-private-dns"),
    "fault-endpoint-no-ingress": _BASE.with_faults("endpoint-no-ingress"),
    "fault-dns-support-off": _BASE.with_faults("dns-support-off"),
    "fault-proxy-admits-cidr": _PROXY.with_faults("db-admits-cidr"),
    "fault-proxy-db-no-ingress": _PROXY.with_faults("proxy-db-no-ingress"),
    "fault-proxy-no-connect": _PROXY.with_faults("proxy-no-connect"),
}

ALL_VARIANTS: dict[str, ReferenceOptions] = {**MATRIX, **EXTRA, **FAULTS}
