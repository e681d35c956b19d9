"""``probelint measure``: health-endpoint latency and startup time, measured instead of guessed.

The timing rules and ``suggest`` are only as good as the p99 and startup figures they are given.
This package measures them against a running service (``clients``, ``load``, ``stats``), times
a command from start to healthy (``startup``), or reads them from the kubelet's own probe
metrics (``kubelet``), and writes them into a service profile file (``profile_out``). Nothing
here is imported by ``probelint check``: the command is registered lazily in ``probelint.cli``.
"""
