"""The fields Nexus adds to allauth's sign-up form.

A module of its own that does not import allauth: allauth imports this form while
building its own forms, so importing them from here would be a cycle.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from portfolio.models import User


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
