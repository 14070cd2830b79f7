"""The OpenAPI schema's generator: every operation also documents the errors it can answer with, in the one JSON
shape of procurement.api.errors, so that a client (and the fuzz test) knows every status it may get."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_DESCRIPTIONS = {
    "400": "The request is not valid: `errors` says which field and why.",
    "401": "Not signed in, or the token is not valid.",
    "403": "The signed-in user may not do this.",
    "404": "Not found, or not the caller's to see.",
    "409": "Not possible in the current state: `allowed_actions` lists what is.",
    "415": "The request body is not in a media type the operation reads.",
    "429": "Too many attempts: try again after `Retry-After` seconds.",
}


class ApiTokenScheme(KnoxTokenScheme):
    """`Authorization: Token <token>`, as django-rest-knox's (procurement.api.authentication)."""

    target_class = "procurement.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine-readable code.")
    detail = serializers.CharField(help_text="A sentence in the user's language.")
    errors = serializers.JSONField(
        required=False, help_text="Per field: a list of {code, message}; nested as the request was."
    )


class AutoSchema(SpectacularAutoSchema):
    def _is_extra_action(self) -> bool:
        """An @action of a viewset (questions, versions, members…): it answers with a plain list, neither paginated
        nor filtered, even where the viewset's own list is."""
        return getattr(self.view, "action", None) not in (None, "list")

    def _get_paginator(self):
        return None if self._is_extra_action() else super()._get_paginator()

    def get_filter_backends(self):
        return [] if self._is_extra_action() else super().get_filter_backends()

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # drf-spectacular offers a blank string beside a pattern or format as `oneOf`; where the pattern itself
        # accepts "" (a CPV prefix of 0–8 digits), "" matches both and is invalid under oneOf: anyOf is meant.
        if schema.get("oneOf", [None])[-1] == {"type": "string", "maxLength": 0}:
            schema["anyOf"] = schema.pop("oneOf")

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self._error_codes(operation):
            operation["responses"].setdefault(
                code,
                {"content": {"application/json": {"schema": error}}, "description": ERROR_DESCRIPTIONS[code]},
            )
        return operation

    def _error_codes(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        unsafe = self.method in UNSAFE_METHODS
        codes = []
        if unsafe or "requestBody" in operation or any(p["in"] in ("query", "header") for p in parameters):
            codes.append("400")
        if self.view.authentication_classes:
            codes += ["401", "403"]
        if any(p["in"] == "path" for p in parameters) or self.view.authentication_classes:
            codes.append("404")
        if unsafe:
            codes.append("409")
        if "requestBody" in operation:
            codes.append("415")
        if self.view.throttle_classes:
            codes.append("429")
        return codes
