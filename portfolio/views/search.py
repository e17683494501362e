from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from portfolio import search as engine
from portfolio.forms import SearchForm
from portfolio.http import HtmxHttpRequest

PAGE_SIZE = 20


@vary_on_headers("HX-Request")
@require_safe
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: engine.MAX_QUERY]
    listing = Paginator(engine.search(request.user, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": SearchForm(initial={"q": query}),
        "query": query.strip(),
        "listing": listing,
        "results": engine.snippets(list(listing), query),
    }
    if request.htmx:
        return render(request, "portfolio/search.html#results", context)
    return render(request, "portfolio/search.html", context)
