"""Request and response bodies of the operator API (the edge only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.inputs import RequestBody
from bureau.pagination import PageInfo

Role = Literal["furnisher", "user", "operator", "auditor"]
Scope = Literal["furnish", "pull", "operator", "auditor"]


class OrganizationIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Harbor Credit Union", "roles": ["furnisher", "user"],
                                         "furnisher_code": "HCU0000042",
                                         "address": "1 Pier Rd, Salem MA 01970",
                                         "phone": "8005550142"}]},
    )  # fmt: skip
    name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)
    furnisher_code: str | None = Field(default=None, min_length=1, max_length=20)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=30)


class OrganizationOut(BaseModel):
    org_id: UUID
    name: str
    roles: list[str]
    furnisher_code: str | None = None
    address: str | None = None
    phone: str | None = None


class OrganizationRow(OrganizationOut):
    """An `organizations` row (`bureau.orgs.repo.organizations_page`), as listed."""

    created_at: datetime


class OrganizationPage(BaseModel):
    organizations: list[OrganizationRow]
    page: PageInfo


class KeyIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scopes": ["pull"], "label": "underwriting"}]},
    )
    scopes: list[Scope] = Field(min_length=1)
    label: str = Field(default="", max_length=100)


class KeyOut(BaseModel):
    key_id: str
    key: str = Field(description="Shown once; only its hash is stored")
    scopes: list[str]


class EnrolmentIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Ana Maria Souza", "national_id": "123-45-6789",
                                         "dob": "1988-04-02",
                                         "addresses": ["12 Elm St, Springfield IL 62701"],
                                         "phones": ["2175550123"]}]},
    )  # fmt: skip
    name: str = Field(min_length=1, max_length=200)
    national_id: str = Field(pattern=r"^\d{3}-?\d{2}-?\d{4}$")
    dob: date = Field(ge=date(1900, 1, 1), description="in the past")
    addresses: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=5
    )
    phones: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=5
    )


class EnrolmentOut(BaseModel):
    subject_id: UUID
    created: bool
    token: str = Field(description="The subject's credential; shown once")


class WhoAmI(BaseModel):
    org_id: UUID
    name: str
    key_id: str
    scopes: list[str]
    roles: list[str]
