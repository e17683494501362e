from __future__ import annotations

from datetime import timedelta

from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from portfolio.models import RESERVED_COHORT_SLUGS, Cohort, Role, User


class NexusFormRenderer(TemplatesSetting):
    """Render fields with templates/forms/field.html: label, errors, input, help."""

    field_template_name = "forms/field.html"


class SignupExtraForm(forms.Form):
    """Fields allauth adds to its sign-up form."""

    display_name = forms.CharField(
        max_length=80,
        required=False,
        label="Display name",
        help_text="How mentors and peers see you, e.g. “Ada Lovelace”. Optional.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "slug", "program", "description", "starts_on", "ends_on"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off", "data-slug-source": ""}),
            "slug": forms.TextInput(attrs={"autocomplete": "off", "data-slug-target": ""}),
            "description": forms.Textarea(
                attrs={"rows": 4, "placeholder": "Who is in it, what they build, how it runs."}
            ),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields[
            "slug"
        ].help_text = "Its address: /cohorts/<slug>/. Leave empty to derive it from the name."

    def clean_slug(self) -> str:
        slug = slugify(self.cleaned_data.get("slug") or "")
        if slug in RESERVED_COHORT_SLUGS:
            raise forms.ValidationError("“%(slug)s” is reserved.", params={"slug": slug})
        return slug

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("slug") and data.get("name") and "slug" not in self.errors:
            data["slug"] = unique_cohort_slug(data["name"], exclude=self.instance.pk)
            if not data["slug"]:
                self.add_error("slug", "Choose an address with at least one letter or digit.")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date must not be before the start date.")
        return data


def unique_cohort_slug(name: str, exclude: int | None = None) -> str:
    base = slugify(name)[:50].strip("-")
    if not base:
        return ""
    if base in RESERVED_COHORT_SLUGS:
        base = f"{base}-cohort"
    taken = set(
        Cohort.objects.filter(slug__startswith=base)
        .exclude(pk=exclude)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=Role.choices,
        error_messages={
            "invalid_choice": "“%(value)s” is not a role. Choose learner, mentor or organizer."
        },
    )


EXPIRY_CHOICES = [(1, "1 day"), (3, "3 days"), (7, "1 week"), (14, "2 weeks"), (30, "30 days")]


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.LEARNER,
        error_messages={
            "invalid_choice": "“%(value)s” is not a role. Choose learner, mentor or organizer."
        },
    )
    expires_in = forms.TypedChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, coerce=int, initial=7
    )
    max_uses = forms.IntegerField(
        label="Uses allowed",
        min_value=1,
        max_value=500,
        initial=30,
        help_text="How many people can join with this link.",
    )

    def expires_at(self):
        return timezone.now() + timedelta(days=self.cleaned_data["expires_in"])
