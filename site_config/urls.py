from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("portfolio.urls")),
]

handler400 = "portfolio.views.core.bad_request"
handler403 = "portfolio.views.core.forbidden"
handler404 = "portfolio.views.core.not_found"
handler500 = "portfolio.views.core.server_error"
