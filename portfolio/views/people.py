from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from portfolio.http import HtmxHttpRequest
from portfolio.models import Page, Status, User


@require_safe
def profile(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username.lower(), is_active=True)
    pages = (
        Page.objects.visible_to(request.user)
        .filter(author=person)
        .select_related("cohort")
        .annotate(
            section_count=Count("sections"),
            approved_first=Case(
                When(status=Status.APPROVED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("approved_first", "-updated_at")
    )
    return render(request, "portfolio/profile.html", {"person": person, "pages": pages})
