from __future__ import annotations

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.urls import include, path

from portfolio.sitemaps import PublicPages, PublicProfiles
from portfolio.views import (
    cohorts,
    comments,
    core,
    notifications,
    pages,
    people,
    reviews,
    search,
)

page_urls = [
    path("", pages.page_detail, name="page_detail"),
    path("meta/", pages.page_meta, name="page_meta"),
    path("visibility/", pages.page_visibility, name="page_visibility"),
    path("tags/", pages.tag_add, name="tag_add"),
    path("tags/<slug:tag>/remove/", pages.tag_remove, name="tag_remove"),
    path("preview/", pages.page_preview, name="page_preview"),
    path("sections/", pages.section_add, name="section_add"),
    path("sections/<int:pk>/", pages.section_detail, name="section_detail"),
    path("sections/<int:pk>/edit/", pages.section_edit, name="section_edit"),
    path("sections/<int:pk>/delete/", pages.section_delete, name="section_delete"),
    path("sections/<int:pk>/move/", pages.section_move, name="section_move"),
    path("history/", pages.page_history, name="page_history"),
    path("history/<int:pk>/restore/", pages.revision_restore, name="revision_restore"),
    path("history/<int:pk>/page/", pages.page_as_of, name="page_as_of"),
    path("submit/", reviews.page_submit_view, name="page_submit"),
    path("withdraw/", reviews.page_withdraw_view, name="page_withdraw"),
    path("review/", reviews.page_review, name="page_review"),
    path("review/sections/<int:pk>/", reviews.section_mark, name="section_mark"),
    path("comments/", comments.comment_create, name="comment_create"),
    path("comments/<int:pk>/edit/", comments.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", comments.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/resolve/", comments.comment_resolve, name="comment_resolve"),
    path("comments/<int:pk>/address/", comments.comment_address, name="comment_address"),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("account/delete/", people.account_delete, name="account_delete"),
    path("robots.txt", core.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap_view,
        {"sitemaps": {"pages": PublicPages, "people": PublicProfiles}},
        name="sitemap",
    ),
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
    path("cohorts/<slug:slug>/dashboard/", cohorts.cohort_dashboard, name="cohort_dashboard"),
    path("cohorts/<slug:slug>/review/", reviews.review_queue, name="review_queue"),
    path("cohorts/<slug:slug>/review/<int:pk>/claim/", reviews.review_claim, name="review_claim"),
    path("cohorts/<slug:slug>/replies/", reviews.saved_replies, name="saved_replies"),
    path(
        "cohorts/<slug:slug>/replies/<int:pk>/delete/",
        reviews.saved_reply_delete,
        name="saved_reply_delete",
    ),
    # Tokens are URL-safe base64, so anything else is no invite (and never reaches a query).
    path("join/<slug:token>/", cohorts.join, name="join"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read_all, name="notification_read_all"),
    path(
        "notifications/<int:pk>/open/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.notifications_unsubscribe,
        name="notifications_unsubscribe",
    ),
    path("search/", search.search, name="search"),
    path("pages/new/", pages.page_new, name="page_new"),
    path("pages/import/", pages.page_import_view, name="page_import"),
    path("pages/export.zip", pages.pages_export_zip, name="pages_export_zip"),
    path("@<slug:username>/", people.profile, name="profile"),
    path("@<slug:username>/edit/", people.profile_edit, name="profile_edit"),
    path("@<slug:username>/<slug:slug>.md", pages.page_export_view, name="page_export"),
    path("@<slug:username>/<slug:slug>/", include(page_urls)),
]
