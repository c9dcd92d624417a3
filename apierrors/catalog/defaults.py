"""The default catalog: each error the reference pages document, in English, marked to translate."""

from __future__ import annotations

from typing import Any, Final


def _(message: str) -> str:
    """Mark a string for makemessages and return it untranslated.

    Django's own gettext_noop reads settings.USE_I18N when called, which would make this data
    module unimportable without configured settings; the catalog stores the English source text
    and callers translate it through the gettext catalogs in locale/.
    """
    return message


DEFAULT_ENTRIES: Final[tuple[dict[str, object], ...]] = (
    # The catalog-style page (catalog-style-errors.txt), its slips corrected.
    {
        "code": "bad_request",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Bad Request"),
        "message": _("The request can't be processed."),
        "action": _("Review and fix the request parameters."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "unauthorized",
        "status_code": 401,
        "category": "authentication_error",
        "title": _("Unauthorized"),
        "message": _("Authentication failed."),
        "action": _("Authenticate with the correct credentials."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "forbidden",
        "status_code": 403,
        "category": "authorization_error",
        "title": _("Forbidden"),
        "message": _("Permission denied."),
        "action": _(
            "Verify that the user making the request has permission to access this resource."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "credit_card_check",
        "status_code": 403,
        "category": "authorization_error",
        "title": _("Credit Card Validation Error"),
        "message": _("Failed to validate the credit card."),
        "action": _("Verify the credit card information and make sure the card is valid."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "not_found",
        "status_code": 404,
        "category": "resource_not_found",
        "title": _("Not Found"),
        "message": _("Resource not found."),
        "action": _(
            "Verify the endpoint path and the parameters of the resource you are trying to access."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "not_allowed",
        "status_code": 405,
        "category": "invalid_request",
        "title": _("Method Not Allowed"),
        "message": _(
            "A request was made of a resource using a request method not supported "
            "by that resource."
        ),
        "action": _("Verify that the endpoint supports the HTTP method used."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "not_acceptable",
        "status_code": 406,
        "category": "invalid_request",
        "title": _("Not Acceptable"),
        "message": _(
            "The content type is not supported. In most cases it must be application/json."
        ),
        "action": _("Verify the content type headers and the payload of the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "request_timeout",
        "status_code": 408,
        "category": "invalid_request",
        "title": _("Request Timeout"),
        "message": _("The server timed out waiting for the request."),
        "action": _("Try again later or contact support with the error_id."),
        "is_public": True,
        "is_retryable": True,
    },
    {
        "code": "conflict",
        "status_code": 409,
        "category": "conflict",
        "title": _("Conflict"),
        "message": _(
            "The request could not be completed due to a conflict with the current "
            "state of the target resource."
        ),
        "action": _(
            "Check the request parameters against the current state of the target "
            "resource and make sure they do not conflict with it."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "payload_too_large",
        "status_code": 413,
        "category": "invalid_request",
        "title": _("Payload Too Large"),
        "message": _(
            "The request payload is larger than the server is willing or able to process."
        ),
        "action": _("Check the request payload and, if possible, reduce its size."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "too_many_requests",
        "status_code": 429,
        "category": "rate_limit",
        "title": _("Too Many Requests"),
        "message": _("You have sent too many requests in a given amount of time."),
        "action": _(
            "Reduce the rate of your requests and retry later, or contact support "
            "with the error_id if you suspect unusual activity."
        ),
        "is_public": True,
        "is_retryable": True,
    },
    {
        "code": "token_required",
        "status_code": 499,
        "category": "authentication_error",
        "title": _("Token Required"),
        "message": _("A token is required and was not provided."),
        "action": _("Send the required token with the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "server_error",
        "status_code": 500,
        "category": "server_error",
        "title": _("Internal Server Error"),
        "message": _("An internal server error has occurred."),
        "action": _("Contact support with the error_id."),
        "is_public": False,
        "is_retryable": False,
    },
    {
        "code": "sql_multiple_results_found",
        "status_code": 500,
        "category": "server_error",
        "title": _("Multiple Results Found"),
        "message": _("A single database result was required but more than one was found."),
        "action": _("Verify the parameters or contact support with the error_id."),
        "is_public": False,
        "is_retryable": False,
    },
    {
        "code": "missing_default_value",
        "status_code": 500,
        "category": "server_error",
        "title": _("Default Value Missing"),
        "message": _("A default value is missing when querying the object."),
        "action": _(
            "Verify the parameters, or contact support with the error_id if the error persists."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "bad_gateway",
        "status_code": 502,
        "category": "server_error",
        "title": _("Bad Gateway"),
        "message": _(
            "The server was acting as a gateway or proxy and received an invalid "
            "response from the upstream server."
        ),
        "action": _("Try again later, or contact support with the error_id if the error persists."),
        "is_public": True,
        "is_retryable": True,
    },
    {
        "code": "service_unavailable",
        "status_code": 503,
        "category": "server_error",
        "title": _("Service Unavailable"),
        "message": _("The server is currently unavailable."),
        "action": _("Try again later, or contact support with the error_id if the error persists."),
        "is_public": True,
        "is_retryable": True,
    },
    {
        "code": "gateway_timeout",
        "status_code": 504,
        "category": "server_error",
        "title": _("Gateway Timeout"),
        "message": _(
            "The server was acting as a gateway or proxy and did not receive a "
            "timely response from the upstream server."
        ),
        "action": _("Try again later, or contact support with the error_id if the error persists."),
        "is_public": True,
        "is_retryable": True,
    },
    # The OCTO page (octo-errors.md); the octo format upper-cases these codes.
    {
        "code": "invalid_product_id",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid Product ID"),
        "message": _("The Product ID was invalid or missing"),
        "action": _("Provide a valid productId in the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_option_id",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid Option ID"),
        "message": _("The Option ID was invalid or missing"),
        "action": _("Provide a valid optionId in the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_unit_id",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid Unit ID"),
        "message": _("The Unit ID was invalid or missing"),
        "action": _("Provide a valid unitId in the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_availability_id",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid Availability ID"),
        "message": _("The Availability ID was invalid or missing"),
        "action": _("Provide a valid availabilityId in the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_booking_uuid",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid Booking UUID"),
        "message": _(
            "The booking UUID was invalid or missing, or the booking has already expired."
        ),
        "action": _(
            "Provide a valid booking UUID. If you are confirming a booking, make "
            "sure it has not expired."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "unprocessable_entity",
        "status_code": 422,
        "category": "invalid_request",
        "title": _("Unprocessable Entity"),
        "message": _("The request was well-formed but could not be processed."),
        "action": _(
            "Check that the operation is permitted in the resource's current state, "
            "for example that the cancellation cutoff has not passed."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "internal_server_error",
        "status_code": 500,
        "category": "server_error",
        "title": _("Internal Server Error"),
        "message": _("The backend server is down or there is a network outage."),
        "action": _("Try again later, or contact support with the error_id if the error persists."),
        "is_public": False,
        "is_retryable": False,
    },
    # The Stripe-style page (stripe-style-errors.txt).
    {
        "code": "missing_required_field",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Missing Required Field"),
        "message": _("The '{param}' field is required."),
        "action": _("Provide every required field in the request."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_field_value",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid Field Value"),
        "message": _("The '{param}' field has an invalid value: {reason}"),
        "action": _("Check the field's expected type and allowed range, and send a valid value."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_json",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Invalid JSON"),
        "message": _("The request body is not valid JSON."),
        "action": _("Send a request body that is well-formed JSON."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "invalid_api_key",
        "status_code": 401,
        "category": "authentication_error",
        "title": _("Invalid API Key"),
        "message": _("The API key provided is invalid."),
        "action": _(
            "Check your API key and make sure it is not expired or revoked. Verify "
            "the format of the Authorization header."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "insufficient_scope",
        "status_code": 403,
        "category": "authorization_error",
        "title": _("Insufficient Scope"),
        "message": _("This API key does not have the required scope."),
        "action": _(
            "Check the scopes assigned to your API key. Generate a new key with the "
            "required scopes."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "booking_not_found",
        "status_code": 404,
        "category": "resource_not_found",
        "title": _("Booking Not Found"),
        "message": _("No booking was found with the given ID."),
        "action": _("Verify the booking ID and check whether the booking was deleted."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "booking_already_cancelled",
        "status_code": 409,
        "category": "conflict",
        "title": _("Booking Already Cancelled"),
        "message": _("This booking has already been cancelled."),
        "action": _("Check the booking's current status before cancelling it."),
        "is_public": True,
        "is_retryable": False,
    },
    # The violations page (violations-style-errors.txt).
    {
        "code": "validation_error",
        "status_code": 400,
        "category": "invalid_request",
        "title": _("Validation Failed"),
        "message": _(
            "The request is invalid and cannot be processed. Update your request and try again."
        ),
        "action": _(
            "Correct the invalid fields reported in the error details and send the request again."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "reservation_not_found",
        "status_code": 404,
        "category": "resource_not_found",
        "title": _("Reservation Not Found"),
        "message": _("Reservation not found"),
        "action": _("Verify the reservation ID."),
        "is_public": True,
        "is_retryable": False,
    },
    # Needed by the exception handler for failures the pages leave unnamed.
    {
        "code": "authentication_failed",
        "status_code": 401,
        "category": "authentication_error",
        "title": _("Authentication Failed"),
        "message": _("Incorrect authentication credentials."),
        "action": _("Check your credentials and authenticate again."),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "unsupported_media_type",
        "status_code": 415,
        "category": "invalid_request",
        "title": _("Unsupported Media Type"),
        "message": _("The media type of the request body is not supported."),
        "action": _(
            "Send the request body in a supported format, such as application/json, "
            "with a matching Content-Type header."
        ),
        "is_public": True,
        "is_retryable": False,
    },
    {
        "code": "database_unavailable",
        "status_code": 503,
        "category": "server_error",
        # Titled like service_unavailable: the client needn't learn which backend failed.
        "title": _("Service Unavailable"),
        "message": _("The service is temporarily unavailable. Please retry shortly."),
        "action": _(
            "Retry the request after a short delay, or contact support with the "
            "error_id if the error persists."
        ),
        "is_public": False,
        "is_retryable": True,
    },
)

DEFAULTS_BY_CODE: Final[dict[str, dict[str, Any]]] = {
    str(entry["code"]): entry for entry in DEFAULT_ENTRIES
}
