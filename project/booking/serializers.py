"""What a booking request must look like."""

from __future__ import annotations

from rest_framework import serializers


class ContactSerializer(serializers.Serializer):
    fullName = serializers.CharField(max_length=200)
    emailAddress = serializers.EmailField()


class UnitItemSerializer(serializers.Serializer):
    unitId = serializers.CharField(max_length=64)


class BookingRequestSerializer(serializers.Serializer):
    productId = serializers.CharField(max_length=64)
    optionId = serializers.CharField(max_length=64)
    availabilityId = serializers.CharField(max_length=64)
    unitItems = UnitItemSerializer(many=True, allow_empty=False)
    contact = ContactSerializer()


# What successful answers look like; used by the OpenAPI schema.


class NamedSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class OptionSerializer(NamedSerializer):
    units = NamedSerializer(many=True)


class ProductSerializer(NamedSerializer):
    options = OptionSerializer(many=True)


class BookingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["CONFIRMED", "CANCELLED"])
    availabilityId = serializers.CharField()
    unitId = serializers.CharField()
    quantity = serializers.IntegerField()
