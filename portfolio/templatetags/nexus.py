from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from django import forms, template
from django.core.cache import cache
from django.forms import BoundField
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from portfolio.forms import CommentForm, MarkForm

if TYPE_CHECKING:
    from portfolio.dashboards import Heat

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


@register.simple_tag
def heatmap(heat: Heat, heat_id: str, title: str, compact: bool = False) -> SafeString:
    """An activity heatmap drawn on the server: weeks left to right, and days top to
    bottom unless compact. Built here rather than in a template because the mentor
    dashboard draws one per learner row, and a template loop per cell was most of the
    page's time."""
    # Plain formatting for the cells: a dashboard page has hundreds, format_html's lazy
    # escaping of every argument was a fifth of the page's time, and the labels are our
    # own words and numbers (escaped all the same).
    if compact:
        opening = 'class="heatmap heatmap-compact" viewBox="0 0 132 11" width="132" height="11"'
        cells = "".join(
            f'<rect class="heat-l{level}" x="{column * 11}" y="0" width="9" height="9" rx="2">'
            f"<title>{escape(label)}</title></rect>"
            for column, level, label in heat.week_cells
        )
        legend = ""
    else:
        # Days down the left (Mon, Wed, Fri), months along the top where a week starts
        # one, and a legend from "Less" to "More" under the grid.
        left, top = 26, 14
        width = left + 16 * len(heat.weeks)
        opening = f'class="heatmap" viewBox="0 0 {width} {top + 112}"'
        axis = "".join(
            f'<text class="heat-axis" x="0" y="{top + row * 16 + 11}">{day}</text>'
            for row, day in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
        )
        shown_month = None
        for column, week in enumerate(heat.weeks):
            month = week[0][0].month
            if month != shown_month and column < len(heat.weeks) - 1:
                axis += (
                    f'<text class="heat-axis" x="{left + column * 16}" y="10">'
                    f"{week[0][0]:%b}</text>"
                )
                shown_month = month
        cells = axis + "".join(
            f'<rect class="heat-l{level}" x="{left + column * 16}" y="{top + row * 16}" '
            f'width="14" height="14" rx="3"><title>{escape(label)}</title></rect>'
            for column, row, level, label in heat.cells
        )
        swatches = "".join(
            f'<rect class="heat-l{level}" x="{level * 14}" y="0" width="11" height="11" rx="2"/>'
            for level in range(5)
        )
        legend = (
            '<p class="heat-legend" aria-hidden="true">Less '
            f'<svg viewBox="0 0 67 11" width="67" height="11">{swatches}</svg> More</p>'
        )
    return format_html(
        '<svg {} role="img" aria-labelledby="{}-title {}-desc">\n'
        '  <title id="{}-title">{}: {} change{} in 12 weeks</title>\n'
        '  <desc id="{}-desc">{}</desc>\n  {}\n</svg>{}',
        SafeString(opening),
        heat_id,
        heat_id,
        heat_id,
        title,
        heat.total,
        "" if heat.total == 1 else "s",
        heat_id,
        heat.description,
        SafeString(cells),
        SafeString(legend),
    )


FRAGMENT_TTL = 60 * 60 * 24


class FragmentNode(template.Node):
    def __init__(self, key: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.key = key
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        found: dict[str, str] = context.get("fragments") or {}
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


@register.simple_tag
def person_options(people: Iterable[Mapping[str, str]], selected: str = "") -> SafeString:
    """`<option>`s for a select of people (dicts of username and display_name), built
    in one pass with the standard library's escaping: through the template engine, or
    even format_html, a 500-learner cohort's author filter cost 10-25 ms a page."""
    parts = []
    for person in people:
        username = person["username"]
        mark = " selected" if username == selected else ""
        label = escape(person["display_name"] or username)
        parts.append(f'<option value="{escape(username)}"{mark}>{label}</option>')
    return mark_safe("".join(parts))  # every value above is escaped


# Form widgets -------------------------------------------------------------------------

_BLANK_FORMS: dict[str, type[forms.Form]] = {"comment": CommentForm, "mark": MarkForm}


@register.simple_tag
def blank_form(kind: str) -> forms.Form:
    """An empty form of a kind, for a page that shows many of it (a comment box under
    every section): widgets and limits from the form, no values from anyone."""
    return _BLANK_FORMS[kind]()


@register.simple_tag
def widget(field: BoundField, **attrs: object) -> SafeString:
    """A form field's widget, rendered by the form renderer — its maxlength, required,
    value, choices and error state come from the form, never repeated in a template —
    with the page's own attributes added. Underscores in names become hyphens
    (hx_post → hx-post); False and None leave an attribute out, True sets it bare:
    {% widget section_form.body id="body-3" rows=14 autofocus=True hx_post=url %}
    The page says what describes the field (aria_describedby=…), if anything."""
    final: dict[str, str | bool] = {}
    if field.auto_id:
        final["id"] = field.auto_id
    # A select always has a value: `required` would want an empty first option.
    if (
        field.field.required
        and field.form.use_required_attribute
        and not isinstance(field.field.widget, forms.Select)
    ):
        final["required"] = True
    if field.errors:
        final["aria-invalid"] = "true"
    for name, value in attrs.items():
        if value is not None and value is not False:
            final[name.replace("_", "-")] = value if isinstance(value, bool) else str(value)
    widget = field.field.widget
    simple = _simple_widget(widget, field.html_name, field.value(), final)
    if simple is not None:
        return simple
    rendered: str = widget.render(
        field.html_name, field.value(), attrs=final, renderer=field.form.renderer
    )
    return mark_safe(rendered)


# Django's own templates for these widgets, written out: a page shows a comment box (a
# textarea) under every section, and the template renderer took a third of a 40-section
# page view. What the templates would write, byte for byte (a test holds it to that).
_SIMPLE_WIDGETS = (
    forms.Textarea, forms.TextInput, forms.HiddenInput, forms.NumberInput, forms.EmailInput,
    forms.URLInput,
)  # fmt: skip


def _simple_widget(
    widget: forms.Widget, name: str, value: object, attrs: dict[str, str | bool]
) -> SafeString | None:
    kind = type(widget)
    if kind not in _SIMPLE_WIDGETS or widget.template_name != kind.template_name:
        return None
    context = widget.get_context(name, value, attrs)["widget"]
    written = "".join(
        f" {conditional_escape(key)}"
        + ("" if given is True else f'="{conditional_escape(str(given))}"')
        for key, given in context["attrs"].items()
        if given is not False
    )
    shown = context["value"]
    if kind is forms.Textarea:
        text = conditional_escape(shown) if shown else ""
        return mark_safe(
            f'<textarea name="{conditional_escape(name)}"{written}>\n{text}</textarea>'
        )
    value_attr = "" if shown is None else f' value="{conditional_escape(str(shown))}"'
    return mark_safe(
        f'<input type="{conditional_escape(context["type"])}" name="{conditional_escape(name)}"'
        f"{value_attr}{written}>"
    )


# Times --------------------------------------------------------------------------------


def relative(moment: datetime, now: datetime | None = None) -> str:
    """How long ago (or until), the way people say it: "just now", "5 minutes ago",
    "yesterday at 18:40", "Tuesday at 9:05", "3 Dec", "3 Dec 2025"."""
    now = timezone.localtime(now or timezone.now())
    moment = timezone.localtime(moment)
    seconds = (now - moment).total_seconds()
    if abs(seconds) < 45:
        return "just now"
    if seconds < 0:
        ahead = -seconds
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if ahead >= size:
                count = round(ahead / size)
                return f"in {count} {unit}{'s' if count != 1 else ''}"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    days = (now.date() - moment.date()).days
    if days == 0:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    clock = f"{moment.hour}:{moment.minute:02d}"
    if days == 1:
        return f"yesterday at {clock}"
    if days < 7:
        return f"{moment:%A} at {clock}"
    if moment.year == now.year:
        return f"{moment.day} {moment:%b}"
    return f"{moment.day} {moment:%b %Y}"


@register.simple_tag
def when(moment: datetime | None) -> SafeString:
    """A moment as a <time>: relative words to read, the exact time on hover and in a
    valid datetime attribute (whole seconds: the HTML checker refuses microseconds)."""
    if moment is None:
        return mark_safe("")
    local = timezone.localtime(moment)
    exact = f"{local.day} {local:%b %Y, %H:%M}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.replace(microsecond=0).isoformat(),
        exact,
        relative(local),
    )


@register.simple_tag
def since(moment: datetime | None) -> SafeString:
    """How long since a moment, as a wait: "3 days", "less than a minute", with the
    exact time on hover — for queues, where the length of the wait is the point."""
    if moment is None:
        return mark_safe("")
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.replace(microsecond=0).isoformat(),
        f"since {local.day} {local:%b %Y, %H:%M}",
        timedelta_human(timezone.now() - moment),
    )
