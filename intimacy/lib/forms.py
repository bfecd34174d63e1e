"""Accessible form rendering for every form, ours and allauth's."""

from typing import Any

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting


class DescribedBoundField(BoundField):
    """Point screen readers at the help text and at the error next to each field."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        ids = []
        if self.help_text and self.auto_id:
            ids.append(f"{self.auto_id}_helptext")
        if self.errors and self.auto_id:
            ids.append(f"{self.auto_id}_error")
        if ids and not self.use_fieldset:
            attrs["aria-describedby"] = " ".join(ids)
        return attrs


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = DescribedBoundField
