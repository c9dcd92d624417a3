from rest_framework import serializers


class AddressSerializer(serializers.Serializer):
    street = serializers.CharField()
    zipcode = serializers.CharField(max_length=5)


class ItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    quantity = serializers.IntegerField(min_value=1)
    address = AddressSerializer(required=False)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)
    items = ItemSerializer(many=True, required=False)

    def validate(self, attrs):
        if attrs.get("name") == "overlap":
            raise serializers.ValidationError("Dates overlap.", code="overlap")
        return attrs
