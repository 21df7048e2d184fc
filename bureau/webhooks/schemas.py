"""Bodies of the webhook API (the edge only)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.inputs import RequestBody
from bureau.jsonvalue import Json
from bureau.pagination import PageInfo
from bureau.webhooks.events import EVENT_TYPES

EventType = StrEnum(  # type: ignore[misc]
    "EventType", {name.replace(".", "_").upper(): name for name in EVENT_TYPES}
)
"""The webhook event types (`bureau.webhooks.events.EVENT_TYPES`)."""


class EndpointIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://hooks.example.com/fairfile",
                                         "event_types": ["grant.created", "grant.revoked"]}]},
    )  # fmt: skip
    url: str = Field(max_length=2000, description="https (http only to loopback in the sandbox)")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))


class EndpointOut(BaseModel):
    endpoint_id: UUID
    org_id: UUID
    url: str
    event_types: list[str]
    created_at: datetime
    failing_since: datetime | None
    disabled_at: datetime | None


class NewEndpointOut(EndpointOut):
    secret: str = Field(description="the signing secret (Standard Webhooks); shown once")


class EndpointList(BaseModel):
    endpoints: list[EndpointOut]


class Attempt(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None


class DeliveryOut(BaseModel):
    message_id: str = Field(description="the `webhook-id` header: the same on every attempt")
    endpoint_id: UUID
    event_type: str
    payload: dict[str, Json]
    created_at: datetime
    status: str = Field(description="pending, delivered or failed (given up after 24 hours)")
    next_attempt_at: datetime | None
    attempts: list[Attempt]


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryOut]
    page: PageInfo


class OrgNoticeOut(BaseModel):
    notice_id: UUID
    kind: str
    body: dict[str, Json]
    created_at: datetime


class OrgNotices(BaseModel):
    notices: list[OrgNoticeOut]
    page: PageInfo
