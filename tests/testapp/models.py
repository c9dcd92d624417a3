from django.core.exceptions import ValidationError
from django.db import models


class Widget(models.Model):
    name = models.CharField(max_length=50, unique=True)
    size = models.IntegerField(default=1)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.size < 0:
            raise ValidationError(
                {"size": ValidationError("Size cannot be negative.", code="negative")}
            )


class Part(models.Model):
    widget = models.ForeignKey(Widget, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return f"part of {self.widget_id}"
