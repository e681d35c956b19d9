"""probelint: static analysis and generation of Kubernetes health-probe configuration."""
from __future__ import annotations

__version__ = "0.1.0"
