"""What the OpenAPI document cannot state, for the schemathesis run.

A request the document allows may still be refused for a reason JSON Schema
cannot express: a rule between the body and the path, or one about what the
webhook already is (its scheme, its auth, its own fields under a change).
The document names each of these in its descriptions. The run excludes the
built-in `positive_data_acceptance` check and runs
`positive_data_acceptance_beyond_the_schema` instead: the same check, except
that a refusal explained by one of the rules below passes. Each rule is
checked against the request and, where it is about the stored webhook,
against that webhook read back with the admin key.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request

import jsonschema_rs
import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

WEBHOOK = "/v1/caches/{cache}/webhooks/{name}"
# The form of a secret of each scheme (components of the document).
SECRET_FORMS = {
    "standard": "HmacSecret",
    "standard-v1a": "Ed25519SigningKey",
    "momento": "StringSecret",
    "github": "StringSecret",
    "stripe": "StringSecret",
    "commenda": "StringSecret",
}
# The field of each `auth` type that holds its secret.
AUTH_SECRET = {"oauth2": "clientSecret", "basic": "password"}


def webhook_path(response):
    """The path of the webhook a request was about, as sent (each name
    percent-encoded): its first five segments."""
    path = urllib.parse.urlsplit(response.request.url).path
    return "/".join(path.split("/")[:6])


def path_names(response):
    """The cache and webhook names of the request, percent-decoded."""
    segments = webhook_path(response).split("/")
    return urllib.parse.unquote(segments[3]), urllib.parse.unquote(segments[5])


def stored_webhook(response):
    """The webhook a request was about, as the API shows it, or None."""
    request = urllib.request.Request(
        os.environ["EDGEHOOKS_URL"] + webhook_path(response),
        headers={"authorization": "Bearer " + os.environ["EDGEHOOKS_ADMIN_KEY"]},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.load(reply)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def given(body, field):
    """A field of the body, None when absent or null (as the API reads it)."""
    return body.get(field) if isinstance(body, dict) else None


def header(case, name):
    for key, value in (case.headers or {}).items():
        if key.lower() == name:
            return value
    return None


def lowercase_repeats(headers):
    """Whether two header names differ only in case (the API lowercases them)."""
    names = [name.lower() for name in (headers or {})]
    return len(set(names)) < len(names)


def auth_secret_missing(body, stored):
    """An `auth` without its secret, where the webhook holds none of its type to keep."""
    auth = given(body, "auth")
    if not isinstance(auth, dict) or auth.get(AUTH_SECRET.get(auth.get("type"), "")) is not None:
        return False
    held = (stored or {}).get("auth") or {}
    return held.get("type") != auth.get("type")


def fits_scheme(case, secret, scheme):
    component = case.operation.schema.raw_schema["components"]["schemas"][SECRET_FORMS[scheme]]
    return jsonschema_rs.validator_for(component).is_valid(secret)


def explains_put(case, response, code, message):
    body, status = case.body, response.status_code
    if status == 412 and code == "already_exists":
        return (header(case, "if-none-match") or "").strip() == "*" and stored_webhook(response) is not None
    if status != 400:
        return False
    if code == "invalid_name" and message.startswith("invalid id"):
        # `id` must name the cache and webhook of the path.
        ident = given(body, "id") or {}
        return (ident.get("cacheName"), ident.get("webhookName")) != path_names(response)
    if code == "invalid_header_name" and lowercase_repeats(given(body, "headers")):
        return True
    stored = stored_webhook(response)
    if code == "immutable_field":
        # A replace keeps the scheme.
        return stored is not None and given(body, "scheme") not in (None, stored["scheme"])
    if code == "invalid_secret":
        # On replace the secret is of the webhook's own scheme.
        return stored is not None and stored["scheme"] != (given(body, "scheme") or "standard")
    if code == "invalid_auth":
        return auth_secret_missing(body, stored)
    return False


def explains_patch(case, response, code, message):
    body, status = case.body, response.status_code
    if status != 400:
        return False
    if code == "invalid_header_name" and lowercase_repeats(given(body, "headers")):
        return True
    stored = stored_webhook(response)
    if stored is None:
        return False
    if code == "immutable_field":
        return given(body, "scheme") not in (None, stored["scheme"])
    if code == "invalid_auth":
        return auth_secret_missing(body, stored)
    if code == "invalid_ordering":
        # The webhook's own mode or ordering counts where the change leaves it.
        mode = given(body, "mode") or stored["mode"]
        ordering = given(body, "ordering") or stored["ordering"]
        return (mode, ordering) == ("sync", "fifo")
    if code == "invalid_header_name":
        # An `authorization` header, where the change leaves `auth` set.
        headers = given(body, "headers")
        if headers is None:
            headers = stored.get("headers") or {}
        auth = body.get("auth") if "auth" in body else stored.get("auth")
        return auth is not None and any(name.lower() == "authorization" for name in headers)
    return False


def explains_rotate(case, response, code, message):
    secret, status = given(case.body, "secret"), response.status_code
    if status != 400 or code != "invalid_secret" or secret is None:
        return False
    # The new secret is of the webhook's own scheme.
    stored = stored_webhook(response)
    return stored is not None and not fits_scheme(case, secret, stored["scheme"])


def explains_attempts(case, response, code, message):
    # `since` and `until` are a window: not since later than until.
    query = case.query or {}
    since, until = query.get("since"), query.get("until")
    return (
        response.status_code == 400
        and code == "invalid_filter"
        and since is not None
        and until is not None
        and int(since) > int(until)
    )


RULES = {
    "PUT " + WEBHOOK: explains_put,
    "PATCH " + WEBHOOK: explains_patch,
    "POST " + WEBHOOK + "/secret/rotate": explains_rotate,
    "GET " + WEBHOOK + "/attempts": explains_attempts,
}


def error_of(response):
    """The code and message of an error response, or (None, "")."""
    try:
        error = response.json()["error"]
        return error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        return None, ""


@schemathesis.check
def positive_data_acceptance_beyond_the_schema(ctx, response, case):
    """`positive_data_acceptance`, but for refusals the rules above explain."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        rule = RULES.get(case.operation.label)
        code, message = error_of(response)
        if rule is not None and code is not None and rule(case, response, code, message):
            return None
        raise
