from __future__ import annotations

from datetime import timedelta

from django import template
from django.core.cache import cache

register = template.Library()


@register.filter
def timedelta_human(value: timedelta | None) -> str:
    """3 days, 5 hours, 12 minutes: the largest unit that fits."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


FRAGMENT_TTL = 60 * 60 * 24


class FragmentNode(template.Node):
    def __init__(self, key: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.key = key
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        found = context.get("fragments") or {}
        if key in found:
            return found[key]
        html = self.nodelist.render(context)
        cache.set(key, html, FRAGMENT_TTL)
        return html


@register.tag
def fragment(parser: template.base.Parser, token: template.base.Token) -> FragmentNode:
    """{% fragment key %}…{% endfragment %}: a shared, viewer-independent piece of a
    page. The view fetches all keys in one get_many (context["fragments"]); a miss is
    rendered and stored. Never put a CSRF token or per-user control inside."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment %} takes exactly one key.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(parser.compile_filter(bits[1]), nodelist)
