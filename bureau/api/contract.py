"""The error half of the OpenAPI contract: every status an operation can answer, documented.

Every error the API returns is RFC 9457 problem+json (`bureau.api.problems`), so every operation
documents each error status it can give as `application/problem+json` with the one shared
`Problem` schema, narrowed to the refusal `type`s that operation can give. What an operation can
give comes from three places, merged here when the app's OpenAPI is built:

- what every operation can answer: a conflicting concurrent transaction (409), the database
  being unavailable (503), and the edge's layers (`EDGE_REFUSALS`: a body over its size limit,
  413; a rate limit, 429; on the creating POSTs, `IDEMPOTENCY_REFUSALS`: an `Idempotency-Key`
  reused with another body, 422, and the like);
- what its signature implies: a credential (401, and 403 for the wrong kind or a missing
  scope; 410 for a subject whose file was erased), parameters or a body (422 `invalid-input`),
  a path parameter (404);
- what the route declares with `refuses(...)`: the domain errors its service raises.

FastAPI's own `HTTPValidationError` (a 422 the server never sends) is removed. The OAuth token
and authorization endpoints answer as RFC 6749 requires instead (`RFC6749_PATHS`), so they get
only the edge's statuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from bureau.api.idempotency_store import IDEMPOTENT_ROUTES
from bureau.errors import DomainError

TYPE_BASE = "https://fairfile.dev/problems/"
MEDIA_TYPE = "application/problem+json"
RFC6749_PATHS = frozenset({"/oauth/token", "/oauth/authorize"})

Refusal = tuple[int, str, str]
"""(status, type slug, title) of one refusal an operation can give."""


class FieldError(BaseModel):
    """One offending input of an `invalid-input` problem."""

    field: str = Field(description="dotted path of the input, e.g. `scope` or `records.0.ssn`")
    reason: str = Field(description="what is wrong with it, for people")


class Problem(BaseModel):
    """An RFC 9457 problem: switch on `type`; `detail` is for people; `field` names the input."""

    type: str = Field(
        description="a stable URI naming the refusal; each operation lists the ones it gives",
        examples=[TYPE_BASE + "no-grant"],
    )
    title: str = Field(description="a short summary of the type")
    status: int = Field(ge=400, le=599, description="the HTTP status, repeated")
    detail: str = Field(description="what happened in this request, for people")
    instance: str | None = Field(
        default=None, description="identifies this occurrence (the request's id)"
    )
    field: str | None = Field(default=None, description="the offending input, when there is one")
    errors: list[FieldError] | None = Field(
        default=None, description="every offending input (`invalid-input` only)"
    )
    reason: str | None = Field(
        default=None, description="the access decision's reason (`access-denied` family)"
    )


EDGE_REFUSALS: tuple[Refusal, ...] = (
    (413, "body-too-large", "Request body too large"),  # bureau.api.body_limits
    (429, "rate-limited", "Too many requests"),  # bureau.api.rate_limits
)
"""Statuses the edge's layers (body-size and rate limits) add to every operation (their types
are the layers' `PROBLEM_TYPE`s; `tests/api/test_contract.py` checks they agree)."""

IDEMPOTENCY_REFUSALS: tuple[Refusal, ...] = (
    (422, "idempotency-key-reused", "Idempotency-Key already used for another request"),
    (409, "idempotent-answer-gone", "The answer to this Idempotency-Key is no longer kept"),
    (403, "file-closed", "The subject's file is closed"),
    (410, "file-shredded", "The subject's file was erased"),
)
"""What the `Idempotency-Key` layer (`bureau.api.idempotency`) can answer on the creating POSTs
it covers (`bureau.api.idempotency_store.IDEMPOTENT_ROUTES`): a key reused with another body,
an answer no longer kept, a stored answer about a file closed or erased since."""

EVERY_OPERATION: tuple[Refusal, ...] = (
    (409, "transaction-conflict", "Conflicting concurrent request"),
    (503, "database-unavailable", "Database unavailable"),
)
CREDENTIAL_REFUSALS: tuple[Refusal, ...] = (
    (401, "unauthenticated", "Missing, unknown or revoked credential"),
    (403, "wrong-credential", "This operation needs another kind of credential"),
)
ORG_REFUSALS: tuple[Refusal, ...] = (
    (403, "forbidden", "Credential lacks the required scope"),
)  # fmt: skip
SUBJECT_REFUSALS: tuple[Refusal, ...] = ((410, "file-shredded", "The subject's file was erased"),)
INPUT_REFUSALS: tuple[Refusal, ...] = ((422, "invalid-input", "Invalid input"),)
PATH_REFUSALS: tuple[Refusal, ...] = ((404, "not-found", "Not found"),)

_X_REFUSALS = "x-refusals"


def refusals_of(*errors: type[DomainError] | Refusal) -> list[Refusal]:
    return [e if isinstance(e, tuple) else (e.status, e.type, e.title) for e in errors]


def refuses(*errors: type[DomainError] | Refusal) -> dict[str, Any]:
    """`openapi_extra` for a route: the domain errors it can answer with, beyond those its
    signature implies (credential, input, path). Removed from the spec once merged."""
    return {_X_REFUSALS: [list(r) for r in refusals_of(*errors)]}


def operation_id(route: APIRoute) -> str:
    """A readable operationId (`pull_report`, `create_grant`): the route function's name, which
    is therefore unique across the API (the spec's test checks)."""
    return route.name


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _credential_refusals(route: APIRoute) -> list[Refusal]:
    # Imported here: bureau.api.deps imports the auth service, which the spec builder needs
    # only once, when /openapi.json is first asked for.
    from bureau.api.deps import _bearer, org_principal, subject_principal

    calls = set(_calls(route.dependant))
    found: list[Refusal] = []
    if subject_principal in calls:
        found += [*CREDENTIAL_REFUSALS, *SUBJECT_REFUSALS]
    if org_principal in calls or (_bearer in calls and subject_principal not in calls):
        found += [*CREDENTIAL_REFUSALS, *ORG_REFUSALS]
    return found


def _credential_sentence(route: APIRoute) -> str:
    """Who may call the operation, in words, from its signature's dependencies."""
    from bureau.api.deps import _bearer, org_principal, subject_principal

    calls = list(_calls(route.dependant))
    scopes = sorted(
        name[len("require_") : -len("_scope")]
        for name in (getattr(c, "__name__", "") for c in calls)
        if name.startswith("require_") and name.endswith("_scope")
    )
    if subject_principal in calls:
        return "Needs the subject's own token (`Authorization: Bearer ffs_...`)."
    if scopes:
        return (
            "Needs an organization's API key (`Authorization: Bearer ffk_...`) with the "
            + " and ".join(f"`{s}`" for s in scopes)
            + " scope."
        )
    if org_principal in calls or _bearer in calls:
        return "Needs an organization's API key (`Authorization: Bearer ffk_...`)."
    return "Needs no credential."


def _operation_refusals(path: str, route: APIRoute, operation: dict[str, Any]) -> list[Refusal]:
    declared = [tuple(r) for r in operation.pop(_X_REFUSALS, [])]
    if path in RFC6749_PATHS:
        return list(EDGE_REFUSALS)
    found: list[Refusal] = [*EDGE_REFUSALS, *EVERY_OPERATION, *_credential_refusals(route)]
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        found += INPUT_REFUSALS
    if any(p.get("in") == "path" for p in parameters):
        found += PATH_REFUSALS
    if "POST" in (route.methods or ()) and path in IDEMPOTENT_ROUTES:
        found += IDEMPOTENCY_REFUSALS
    found += [(int(s), str(t), str(title)) for s, t, title in declared]
    return found


def _problem_response(refusals: list[Refusal]) -> dict[str, Any]:
    slugs = sorted({slug for _, slug, _ in refusals})
    titles = "; ".join(f"`{slug}`: {title}" for _, slug, title in sorted(set(refusals)))
    return {
        "description": titles,
        "content": {
            MEDIA_TYPE: {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/Problem"}],
                    "properties": {
                        "type": {"type": "string", "enum": [TYPE_BASE + s for s in slugs]}
                    },
                }
            }
        },
    }


def _api_routes(routes: Iterable[Any]) -> dict[tuple[str, str], APIRoute]:
    """Every operation's route by (path, method), through included routers."""
    found: dict[tuple[str, str], APIRoute] = {}
    for context in iter_route_contexts(list(routes)):
        route = context.original_route
        if not isinstance(route, APIRoute) or not context.include_in_schema:
            continue
        for method in context.methods or ():
            found[(str(context.path_format), method.lower())] = route
    return found


def rewrite(schema: dict[str, Any], routes: Iterable[Any]) -> None:
    """Document every operation's problems in `schema` (FastAPI's OpenAPI, changed in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    by_operation = _api_routes(routes)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            route = by_operation[(path, method)]
            if not operation.get("description") and path not in RFC6749_PATHS:
                summary = operation.get("summary", "").rstrip(".")
                operation["description"] = f"{summary}. {_credential_sentence(route)}".lstrip(". ")
            responses = operation.setdefault("responses", {})
            if path not in RFC6749_PATHS:
                responses.pop("422", None)
            by_status: dict[int, list[Refusal]] = {}
            for refusal in _operation_refusals(path, route, operation):
                by_status.setdefault(refusal[0], []).append(refusal)
            for status, refusals in sorted(by_status.items()):
                responses[str(status)] = _problem_response(refusals)
    used = repr(schema["paths"])
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in used:
            components.pop(name, None)


def document_problems(app: FastAPI) -> None:
    """Build the app's OpenAPI with every operation's problems documented (each time FastAPI
    builds it afresh, i.e. once unless routes are added later)."""
    build = app.openapi
    rewritten: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = build()
        if not any(schema is done for done in rewritten):
            rewrite(schema, app.routes)
            rewritten[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
