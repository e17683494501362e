"""The {% widget %} tag writes the simple widgets itself, for speed: byte for byte what
Django's widget templates write, for every value and attribute a page can give it."""

from __future__ import annotations

import itertools

import pytest
from django import forms

from portfolio.forms import CommentForm, NexusFormRenderer, SectionForm
from portfolio.templatetags.nexus import _SIMPLE_WIDGETS, _simple_widget, widget

VALUES = [None, "", "plain", 'quote " and <b>tags</b> & ampersands', "line\none", 0, 42, "é ✓"]
ATTRS = [
    {},
    {"id": "body-3", "required": True},
    {"id": "x", "required": False, "aria-invalid": "true", "rows": "2"},
    {"placeholder": 'say "hi" <now>', "data-autofocus": True, "maxlength": "5000"},
]


@pytest.mark.parametrize("kind", _SIMPLE_WIDGETS, ids=lambda kind: kind.__name__)
def test_the_simple_widgets_are_written_as_django_s_templates_write_them(kind):
    renderer = NexusFormRenderer()
    for value, attrs in itertools.product(VALUES, ATTRS):
        made = kind(attrs={"class": "field"})
        expected = made.render("body", value, attrs=dict(attrs), renderer=renderer)
        assert _simple_widget(made, "body", value, dict(attrs)) == expected, (value, attrs)


def test_other_widgets_and_changed_templates_go_through_the_renderer():
    assert _simple_widget(forms.Select(choices=[("a", "A")]), "x", "a", {}) is None
    assert _simple_widget(forms.CheckboxInput(), "x", True, {}) is None
    custom = forms.TextInput()
    custom.template_name = "forms/custom.html"
    assert _simple_widget(custom, "x", "", {}) is None


@pytest.mark.parametrize("form", [CommentForm(), SectionForm(initial={"body": "a <b>"})])
def test_the_tag_gives_a_form_s_fields_what_the_renderer_gives_them(form):
    for bound in form:
        fast = widget(bound, id="f", rows=3, hx_post="/x/?a=1&b=2", data_autofocus=True)
        # In the tag's order: its id, required, then what the page gave.
        attrs: dict[str, str | bool] = {"id": "f"}
        if bound.field.required and not isinstance(bound.field.widget, forms.Select):
            attrs["required"] = True
        attrs.update({"rows": "3", "hx-post": "/x/?a=1&b=2", "data-autofocus": True})
        slow = bound.field.widget.render(
            bound.html_name, bound.value(), attrs=attrs, renderer=form.renderer
        )
        assert fast == slow, bound.name
