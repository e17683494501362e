from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from allauth.account import forms as account_forms
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.forms.renderers import TemplatesSetting
from django.forms.utils import ErrorList
from django.utils import timezone
from django.utils.text import slugify

from portfolio.limits import MAX_HEADING, MAX_IMPORT_FILE_BYTES, MAX_PAGE_BYTES, MAX_SECTION_BODY
from portfolio.models import (
    RESERVED_COHORT_SLUGS,
    Cohort,
    Delivery,
    Mark,
    NotificationKind,
    Role,
    SavedReply,
    Status,
    User,
    Verdict,
    Visibility,
)
from portfolio.presence import MAX_TOKEN as MAX_EDITOR_TOKEN
from portfolio.readme import normalise, too_big
from portfolio.search import MAX_QUERY

# ModelForm is generic in django-stubs only: Django's takes no [Model] at run time.
if TYPE_CHECKING:
    CohortModelForm = forms.ModelForm[Cohort]
    UserModelForm = forms.ModelForm[User]
else:
    CohortModelForm = UserModelForm = forms.ModelForm


def first_error(errors: ErrorList) -> str:
    """A field's first error message. An ErrorList hands out its errors as message
    strings (ErrorList.__getitem__), which its stubs do not say."""
    return str(errors[0])


class MultilineField(forms.CharField):
    """Text from a textarea. Browsers send its line breaks as CRLF yet count each as one
    character against `maxlength`; normalising before the length check lets in what
    the browser let the user type."""

    def to_python(self, value: object) -> str | None:
        text = super().to_python(value)
        return text if text is None else text.replace("\r\n", "\n")


class NexusFormRenderer(TemplatesSetting):
    """Render fields with templates/forms/field.html: label, errors, input, help."""

    field_template_name = "forms/field.html"


class WithoutPlaceholders:
    """allauth's account forms repeat each label as a placeholder, which disappears
    as you type and reads twice to a screen reader: Nexus shows the label only."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class LoginForm(WithoutPlaceholders, account_forms.LoginForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"


class SignupForm(WithoutPlaceholders, account_forms.SignupForm):  # type: ignore[misc]
    pass


class AddEmailForm(WithoutPlaceholders, account_forms.AddEmailForm):  # type: ignore[misc]
    pass


class ChangePasswordForm(WithoutPlaceholders, account_forms.ChangePasswordForm):  # type: ignore[misc]
    pass


class SetPasswordForm(WithoutPlaceholders, account_forms.SetPasswordForm):  # type: ignore[misc]
    pass


class ResetPasswordForm(WithoutPlaceholders, account_forms.ResetPasswordForm):  # type: ignore[misc]
    pass


class ResetPasswordKeyForm(WithoutPlaceholders, account_forms.ResetPasswordKeyForm):  # type: ignore[misc]
    pass


class CohortForm(CohortModelForm):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields[
            "slug"
        ].help_text = "Its address: /cohorts/your-cohort/. Leave empty to derive it from the name."

    def clean_slug(self) -> str:
        slug = slugify(self.cleaned_data.get("slug") or "")
        if slug in RESERVED_COHORT_SLUGS:
            raise forms.ValidationError("“%(slug)s” is reserved.", params={"slug": slug})
        return slug

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
    others = Cohort.objects.filter(slug__startswith=base)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    taken = set(others.values_list("slug", flat=True))
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

    def expires_at(self) -> datetime:
        return timezone.now() + timedelta(days=self.cleaned_data["expires_in"])


# Journal pages --------------------------------------------------------------------------

# What an import may weigh before its metadata comment is set aside (summary and tags
# fit in this much); the page limit itself is checked on what the learner wrote.
_META_ALLOWANCE = 8 * 1024


def _model_choices(field: forms.Field) -> forms.ModelChoiceField[Cohort]:
    """A form's copy of its cohort field: self.fields holds every field as a plain Field."""
    return cast("forms.ModelChoiceField[Cohort]", field)


class NewPageForm(forms.Form):
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(),
        empty_label=None,
        help_text="Who can review it: the page belongs to this cohort.",
    )
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    start = forms.ChoiceField(
        choices=[
            ("template", "From the Project Nexus template"),
            ("blank", "Blank page"),
        ],
        initial="template",
        widget=forms.RadioSelect,
        label="Start",
    )

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choices(self.fields["cohort"]).queryset = cohorts
        self.fields["title"].widget.attrs["placeholder"] = "e.g. My ProDev Backend journey"


class SectionForm(forms.Form):
    heading = forms.CharField(
        max_length=MAX_HEADING,
        help_text="Markdown works here too: `code`, **bold**, emoji.",
    )
    body = MultilineField(
        required=False,
        max_length=MAX_SECTION_BODY,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        label="Text (Markdown)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, lead: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lead:
            # The text before the first heading has no heading to edit.
            del self.fields["heading"]

    def clean_heading(self) -> str:
        return " ".join(self.cleaned_data["heading"].split())

    def clean_body(self) -> str:
        # The blank lines around the text belong to the document's layout, kept apart.
        body: str = self.cleaned_data["body"]
        return body.strip("\n").rstrip()


class DraftForm(forms.Form):
    """An open editor's text, kept as a draft: the section form's limits, nothing
    required but the version the editor was opened on."""

    heading = forms.CharField(max_length=MAX_HEADING, required=False, strip=False)
    body = MultilineField(required=False, max_length=MAX_SECTION_BODY, strip=False)
    version = forms.IntegerField(min_value=1)
    # The sending editor's own token ("who is editing"); made by the page's script.
    editor = forms.CharField(max_length=MAX_EDITOR_TOKEN, required=False)

    def __init__(self, *args: Any, lead: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lead:
            del self.fields["heading"]

    def first_error(self) -> str:
        for name, errors in self.errors.items():
            label = "" if name == "__all__" else f"{name.capitalize()}: "
            return f"{label}{first_error(errors)}"
        return ""


class NewSectionForm(forms.Form):
    heading = forms.CharField(max_length=MAX_HEADING, label="New section heading")

    def clean_heading(self) -> str:
        return " ".join(self.cleaned_data["heading"].split())


class PageMetaForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = MultilineField(
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences shown under the title and in listings.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean_summary(self) -> str:
        summary: str = self.cleaned_data["summary"]
        return summary.strip()


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices, label="Who can see this page")


class TagForm(forms.Form):
    name = forms.CharField(max_length=40, label="Add a tag")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not slugify(name):
            raise forms.ValidationError("A tag needs at least one letter or digit.")
        return name


class ImportForm(forms.Form):
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), empty_label=None)
    file = forms.FileField(
        required=False,
        label="Markdown file",
        help_text=f"A README.md or any .md file, up to {MAX_PAGE_BYTES // 1024} KB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,.txt,text/markdown"}),
    )
    text = forms.CharField(
        required=False,
        label="…or paste Markdown",
        widget=forms.Textarea(attrs={"rows": 10}),
        strip=False,
    )

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choices(self.fields["cohort"]).queryset = cohorts

    def clean_file(self) -> str | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size is not None and upload.size > MAX_IMPORT_FILE_BYTES:
            raise forms.ValidationError(too_big(upload.size))
        text = normalise(decode_markdown(upload.read()))
        if len(text.encode()) > MAX_PAGE_BYTES + _META_ALLOWANCE:
            raise forms.ValidationError(too_big(len(text.encode())))
        return text

    def clean_text(self) -> str:
        text = normalise(self.cleaned_data.get("text", ""))
        if len(text.encode()) > MAX_PAGE_BYTES + _META_ALLOWANCE:
            raise forms.ValidationError(too_big(len(text.encode())))
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and not (data.get("file") or (data.get("text") or "").strip()):
            raise forms.ValidationError("Choose a Markdown file or paste some Markdown.")
        data["markdown"] = data.get("file") or data.get("text") or ""
        return data


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (some Windows editors do): mostly
    ASCII, so every other byte is NUL, on the odd bytes (little-endian) or the even."""
    if len(raw) < 2 or len(raw) % 2:
        return None
    sample = raw[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for encoding, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
        if zeros >= half * 0.6:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode_markdown(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in raw:
        text = _utf16_without_bom(raw)
        if text is not None and "\x00" not in text:
            return text
        raise forms.ValidationError("That file is not text. Choose a Markdown (.md) file.")
    else:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise forms.ValidationError(
        "That file is not UTF-8 text. Save it as UTF-8 Markdown and try again."
    )


class CommentForm(forms.Form):
    body = MultilineField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment",
        error_messages={"required": "Write something before posting."},
    )
    quote = forms.CharField(
        required=False,
        max_length=500,
        label="About these words (optional)",
        help_text="Paste or select the words in the section this comment is about.",
    )
    section = forms.IntegerField(required=False, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        return body.strip()

    def clean_quote(self) -> str:
        return " ".join(self.cleaned_data.get("quote", "").split())


class CommentEditForm(forms.Form):
    body = MultilineField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment",
        error_messages={"required": "Write something, or delete the comment instead."},
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        return body.strip()


class ProfileForm(UserModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio", "links"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 3}),
            "links": forms.Textarea(attrs={"rows": 3, "placeholder": "https://github.com/you"}),
        }
        help_texts = {
            "bio": "A sentence or two about you and what you are learning.",
            "links": "Up to five links, one per line (https://…).",
        }

    def clean_links(self) -> str:
        from django.core.validators import URLValidator

        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(lines) > 5:
            raise forms.ValidationError("Up to five links, please.")
        check = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                check(line)
            except forms.ValidationError:
                raise forms.ValidationError(
                    "“%(link)s” is not a web address starting with https://.",
                    params={"link": line},
                ) from None
        return "\n".join(lines)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand my pages are deleted and my comments stay as “deleted user”.",
        error_messages={"required": "Tick the box to confirm."},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


# Reviews --------------------------------------------------------------------------------

# ModelForm is generic in django-stubs only: Django's takes no [Model] at run time.
if TYPE_CHECKING:
    SavedReplyModelForm = forms.ModelForm[SavedReply]
else:
    SavedReplyModelForm = forms.ModelForm


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices, widget=forms.RadioSelect)
    summary = MultilineField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What works, what to change next. The learner reads this first.",
        error_messages={"required": "Write a short summary for the learner."},
    )


class MarkForm(forms.Form):
    mark = forms.ChoiceField(choices=Mark.choices)
    comment = MultilineField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": "A comment can be up to %(limit_value)d characters; "
            "this one has %(show_value)d. Nothing was saved."
        },
    )
    saved_reply = forms.IntegerField(required=False)


class SavedReplyForm(SavedReplyModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


# Notifications --------------------------------------------------------------------------


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Delivery.choices,
                initial=current.get(kind, Delivery.IMMEDIATE),
                widget=forms.RadioSelect,
            )


# The cohort directory's filters -----------------------------------------------------------


class DirectoryForm(forms.Form):
    tag = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    learner = forms.CharField(required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[("updated", "Recently updated"), ("title", "Title")],
        initial="updated",
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=MAX_QUERY,
        label="Search journal pages",
        widget=forms.SearchInput,
        # Past the limit the query is cut, not refused (portfolio.search.clean_query).
    )


class SubmitForm(forms.Form):
    publish_on_approval = forms.BooleanField(
        required=False, label="Publish it on my portfolio as soon as a mentor approves it"
    )
    # Set by the warning page: the author saw the empty sections and submits anyway.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
