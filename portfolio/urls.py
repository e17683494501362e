from __future__ import annotations

from django.urls import path

from portfolio.views import core

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
]
