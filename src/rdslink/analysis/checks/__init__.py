"""Checks, one module per family (``inputs`` RL0xx, ``functions`` RL1xx, ``security_groups`` RL2xx,
``network_acls`` RL3xx, ``dns`` RL4xx, ``aws_api`` RL5xx, ``databases`` RL6xx, ``proxy`` RL7xx), each a mixin
of :class:`~rdslink.analysis.engine.Analyzer` reading the inventory and the path engine's traces; each
family's ids are declared once in ``declarations/<family>.py`` (:mod:`.declarations`) and assembled by
:mod:`.registry`."""
