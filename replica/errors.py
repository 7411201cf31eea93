"""The errors the replica raises, under veille's base :class:`~veille.core.errors.VeilleError`.

Decisions:
- They live here, not in ``veille.core.errors``: the replica is a test bench that does not
  ship, and the product's errors module names only what the product raises.
- Each also derives from the built-in exception the replica raised before (``ValueError``
  for an argument it refuses, ``RuntimeError`` for a server that does not come up), so
  tests written against those keep working.
"""

from __future__ import annotations

from veille.core.errors import VeilleError

__all__ = ["ReplicaArgumentError", "ReplicaError", "ReplicaServerError"]


class ReplicaError(VeilleError):
    """The base of every error the replica raises on purpose."""


class ReplicaArgumentError(ReplicaError, ValueError):
    """A site that cannot be generated or changed as asked (unknown source, too few or too
    many articles, contradictory edit options, an unknown server engine)."""


class ReplicaServerError(ReplicaError, RuntimeError):
    """The replica server did not start in time, or exited."""
