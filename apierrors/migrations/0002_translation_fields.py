"""One column per site language for each translated catalog text.

The languages are the site's LANGUAGES, which the app cannot know when it ships: the
operations are computed from settings when migrations load, so the migration state always
matches the model that modeltranslation builds, and `makemigrations --check` stays clean.
A language added after this migration ran gets its columns from `apierrors_sync` (also run
after every `migrate`); see docs/languages.md, "Any site's LANGUAGES".
"""

from django.db import migrations, models
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

import apierrors.core.placeholders

# The translated fields as 0001 created them; each language's column is the same field, nullable.
TRANSLATED = {
    "title": models.CharField(
        max_length=200,
        validators=[apierrors.core.placeholders.validate_template],
        verbose_name="title",
    ),
    "message": models.TextField(
        help_text="What the client is told. {name} is replaced by the error's param of that name.",
        validators=[apierrors.core.placeholders.validate_template],
        verbose_name="message",
    ),
    "action": models.TextField(
        blank=True,
        help_text="What the client can do about it.",
        validators=[apierrors.core.placeholders.validate_template],
        verbose_name="action",
    ),
}


def translation_field(base: models.Field) -> models.Field:
    _name, _path, args, kwargs = base.deconstruct()
    kwargs["null"] = True
    return type(base)(*args, **kwargs)


class Migration(migrations.Migration):
    dependencies = [("apierrors", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="errorcode",
            name=build_localized_fieldname(name, language),
            field=translation_field(base),
        )
        for name, base in TRANSLATED.items()
        for language in AVAILABLE_LANGUAGES
    ]
