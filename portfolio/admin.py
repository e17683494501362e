from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from portfolio.models import Cohort, Invite, Membership, User

# These classes are generic in django-stubs only: Django's take no [Model] at run time.
if TYPE_CHECKING:
    UserChangeFormBase = UserChangeForm[User]
    UserAdminBase = BaseUserAdmin[User]
    MembershipInlineBase = admin.TabularInline[Membership, Cohort]
    InviteInlineBase = admin.TabularInline[Invite, Cohort]
    CohortAdminBase = admin.ModelAdmin[Cohort]
    MembershipAdminBase = admin.ModelAdmin[Membership]
    InviteAdminBase = admin.ModelAdmin[Invite]
else:
    UserChangeFormBase = UserChangeForm
    UserAdminBase = BaseUserAdmin
    MembershipInlineBase = InviteInlineBase = admin.TabularInline
    CohortAdminBase = MembershipAdminBase = InviteAdminBase = admin.ModelAdmin


class NexusUserCreationForm(UserCreationForm[User]):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email", "username")


class NexusUserChangeForm(UserChangeFormBase):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(UserAdminBase):
    form = NexusUserChangeForm
    add_form = NexusUserCreationForm
    ordering = ["email"]
    list_display = ["email", "username", "display_name", "is_staff", "date_joined"]
    search_fields = ["email", "username", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "username", "password"]}),
        ("Profile", {"fields": ["display_name", "bio"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "username", "password1", "password2"]}),
    ]


class MembershipInline(MembershipInlineBase):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]


class InviteInline(InviteInlineBase):
    model = Invite
    extra = 0
    fields = ["role", "expires_at", "max_uses", "uses", "revoked_at", "created_by"]
    readonly_fields = ["uses", "created_by"]


@admin.register(Cohort)
class CohortAdmin(CohortAdminBase):
    list_display = ["name", "slug", "program", "starts_on", "ends_on", "archived_at"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "program"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, InviteInline]


@admin.register(Membership)
class MembershipAdmin(MembershipAdminBase):
    list_display = ["user", "cohort", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "cohort__name"]
    autocomplete_fields = ["user", "cohort"]
    list_select_related = ["user", "cohort"]


@admin.register(Invite)
class InviteAdmin(InviteAdminBase):
    list_display = ["cohort", "role", "uses", "max_uses", "expires_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["cohort__name", "token"]
    readonly_fields = ["token", "uses", "created_at"]
    autocomplete_fields = ["cohort", "created_by"]
    list_select_related = ["cohort"]
