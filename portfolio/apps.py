from __future__ import annotations

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Nexus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portfolio import signals  # noqa: F401  (connects the receivers)
