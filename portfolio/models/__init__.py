"""Nexus's models, by domain. Everything is importable from `portfolio.models`."""

from portfolio.models.journal import *  # noqa: F403
