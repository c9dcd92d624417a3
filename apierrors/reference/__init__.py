"""The public error reference: the page, its views and the OpenAPI error responses."""
