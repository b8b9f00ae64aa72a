"""Declarations of the checks, one module per family: ``declarations/<family>.py`` holds the ``CHECKS``
tuple of that family (id, title, default severity, one-paragraph summary), and ``checks/<family>.py`` beside
this package implements them. From an id, one guess finds both: the id's digit names the family (``RL2xx`` ->
``security_groups``).

Why the declarations are not at the top of ``checks/<family>.py`` itself: the family modules build findings
with :func:`rdslink.analysis.checks.registry.make`, which must know every id (a family reports ids of other
families too: the network leg reports RL201/RL204/RL701), so each family module imports the registry; if the
registry imported the family modules to collect their declarations, every family would sit in an import cycle
with it (``tests/unit/test_import_cycles.py`` fails on any). These modules import nothing of rdslink but
:mod:`rdslink.findings` and this package, so the registry can import all of them and everyone can import the
registry. Importing them declares; nothing is registered anywhere: :mod:`..registry` assembles its table from
the ``CHECKS`` tuples it imports by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from ....findings import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

#: families in id order: RL0xx inputs, RL1xx functions, RL2xx security_groups, RL3xx network_acls (NACLs and
#: routes), RL4xx dns, RL5xx aws_api, RL6xx databases, RL7xx proxy
FAMILIES = ("inputs", "functions", "security_groups", "network_acls", "dns", "aws_api", "databases", "proxy")


@dataclass(frozen=True, slots=True)
class Check:
    """One check.

    Attributes:
        id: ``RLnnn``, stable, never reused (``../shared/design/CHECKS.md``).
        title: one line, no final period; the title of every finding with this id.
        severity: default severity of its findings (a finding may override it).
        summary: what it means, one paragraph; the first paragraph of ``docs/checks/<id>.md`` "What it means".
    """

    id: str
    title: str
    severity: Severity
    summary: str = ""

    @property
    def family(self) -> str:
        """Module of :mod:`rdslink.analysis.checks` that implements it (and of ``.declarations`` that declares
        it), named by the id's first digit.

        Raises:
            ValueError: the id is not ``RL`` and three digits.
        """
        if len(self.id) != 5 or not self.id.startswith("RL") or not self.id[2:].isdigit():
            raise ValueError(f"check id {self.id!r} is not RL and three digits")
        return FAMILIES[int(self.id[2])]

    @property
    def doc(self) -> str:
        """Path of its documentation page, relative to the repository."""
        return f"docs/checks/{self.id}.md"


def declare(family: str, *checks: Check) -> tuple[Check, ...]:
    """The ``CHECKS`` tuple of one family module: ``checks`` unchanged, after checking they belong there.

    Raises:
        ValueError: unknown ``family``, an id of another family, an id declared twice, an empty title or
            summary.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown check family {family!r}; one of {', '.join(FAMILIES)}")
    seen: set[str] = set()
    for c in checks:
        if c.family != family:
            raise ValueError(f"{c.id} belongs to family {c.family}, not {family}")
        if c.id in seen:
            raise ValueError(f"{c.id} declared twice in {family}")
        if not c.title or not c.summary:
            raise ValueError(f"{c.id}: title and summary are required")
        seen.add(c.id)
    return tuple(checks)
