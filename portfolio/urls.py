from __future__ import annotations

from django.urls import path

from portfolio.views import cohorts, core

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("cohorts/", cohorts.cohort_list, name="cohort_list"),
    path("cohorts/new/", cohorts.cohort_create, name="cohort_create"),
    path("cohorts/<slug:slug>/", cohorts.cohort_detail, name="cohort_detail"),
    path("cohorts/<slug:slug>/edit/", cohorts.cohort_edit, name="cohort_edit"),
    path("cohorts/<slug:slug>/archive/", cohorts.cohort_archive, name="cohort_archive"),
    path("cohorts/<slug:slug>/leave/", cohorts.cohort_leave, name="cohort_leave"),
    path("cohorts/<slug:slug>/members/", cohorts.member_list, name="member_list"),
    path("cohorts/<slug:slug>/members/<int:pk>/role/", cohorts.member_role, name="member_role"),
    path(
        "cohorts/<slug:slug>/members/<int:pk>/remove/",
        cohorts.member_remove,
        name="member_remove",
    ),
    path("cohorts/<slug:slug>/invites/", cohorts.invite_create, name="invite_create"),
    path(
        "cohorts/<slug:slug>/invites/<int:pk>/revoke/",
        cohorts.invite_revoke,
        name="invite_revoke",
    ),
    path("join/<str:token>/", cohorts.join, name="join"),
]
