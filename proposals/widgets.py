"""A select box that renders only its chosen option and finds the others as the user types.

A congress has hundreds of deputies and departments: rendering every one as an option on
each list page cost more than the page's queries (a million suggestions: 38 KB of a 70 KB
page, most of its Python time). static/js/searchable-select.js adds a search box that asks
proposals:choices for matching names and fills the select with them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SearchableSelect(forms.Select):
    """For a ModelChoiceField: the empty option and the selected object, nothing else."""

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-choices-url"] = reverse("proposals:choices", args=[self.kind])
        context["widget"]["attrs"]["data-search-label"] = str(_("Type part of a name"))
        return context

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> list[Any]:
        # Only what can be a primary key: ASCII digits ("²".isdigit() is true), 18 at most.
        chosen = [str(v) for v in value if str(v).isascii() and str(v).isdigit() and len(str(v)) <= 18]
        empty_label = getattr(self.choices, "field", None) and self.choices.field.empty_label
        groups = [(None, [self.create_option(name, "", empty_label or "", not chosen, 0)], 0)]
        if chosen:
            field = self.choices.field
            for index, obj in enumerate(self.choices.queryset.filter(pk__in=chosen), start=1):
                option = self.create_option(name, str(obj.pk), field.label_from_instance(obj), True, index)
                groups.append((None, [option], index))
        return groups


class ChipSelectMultiple(forms.SelectMultiple):
    """A multiple select with every option, which static/js/searchable-select.js turns into
    a search box with the chosen items as removable chips (keyboard: arrows, Enter,
    Backspace, Escape). Without JavaScript it stays a plain multiple select."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-multi-search": "",
                "data-search-label": str(_("Type part of a name, then Enter to add")),
                "data-remove-label": str(_("Remove")),
                "data-empty-label": str(_("No match")),
            }
        )
        return context
