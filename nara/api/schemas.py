"""Request and response bodies of the JSON API."""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

KindName = Literal["grievance", "law_question", "procedure_question", "proposal", "other"]


class In(Schema):
    """Base of request bodies: unknown fields are refused, NUL characters are refused, and a
    value of another JSON type is refused rather than converted (strict: `0` is not `false`,
    `"5"` is not `5`), as the OpenAPI document declares."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class TokenIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)
    otp: str | None = Field(default=None, max_length=10, description="TOTP code (officials only)")
    device: str | None = Field(
        default=None,
        max_length=300,
        description="The `device` of this app's last sign-in: spares it the account's wait",
    )


class LocationIn(In):
    address: str = Field(default="", max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    region: str | None = Field(default=None, max_length=10, description="Region code (시도/시군구)")


class ComplaintIn(In):
    kind: KindName
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
    category: str | None = Field(default=None, max_length=40, description="Category code")
    location: LocationIn | None = None
    publish_consent: bool = False
    parent: str | None = Field(
        default=None, max_length=20, description="Receipt number of the complaint this follows up"
    )
    confirm_repeat: bool = Field(
        default=False, description="File again although the same content was filed before"
    )


class UnitOut(Schema):
    code: str
    name: str
    parent: str | None = None


class UnitRef(Schema):
    code: str
    name: str


class InfoRequestOut(Schema):
    question: str
    asked_at: datetime
    reply: str
    replied_at: datetime | None


class ComplaintOut(Schema):
    receipt_no: str
    status: str
    kind: str
    title: str
    body: str
    category: str | None
    unit: UnitRef | None
    received_at: datetime
    due_at: datetime
    extended: bool
    extension_reason: str
    paused: bool
    flagged: bool
    parent: str | None
    info_requests: list[InfoRequestOut]
    answer: str | None
    answered_at: datetime | None
    rating: int | None
    rating_comment: str


class ComplaintListOut(Schema):
    count: int
    items: list[ComplaintOut]


class TransferIn(In):
    to_unit: str = Field(max_length=40, description="Code of the receiving unit")
    reason: str = Field(min_length=1, max_length=5000)


class ExtendIn(In):
    new_due: date = Field(strict=False)  # JSON has no dates: an ISO string ("2026-03-31")
    reason: str = Field(min_length=1, max_length=5000)


class QuestionIn(In):
    question: str = Field(min_length=1, max_length=5000)


class ReplyIn(In):
    reply: str = Field(min_length=1, max_length=20000)


class AnswerIn(In):
    body: str = Field(min_length=1, max_length=50000)


class ReturnIn(In):
    comment: str = Field(min_length=1, max_length=5000)


class EmptyIn(In):
    pass


class RatingIn(In):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=5000)


class ErrorOut(Schema):
    errors: dict[str, list[str]]


class DetailOut(Schema):
    detail: str


class EarlierOut(Schema):
    receipt_no: str
    status: str


class RepeatOut(ErrorOut):
    """409 for a complaint filed before with the same content: the earlier one."""

    earlier: EarlierOut


def local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


# --- petitions -------------------------------------------------------------------------------

PetitionListName = Literal[
    "open", "popular", "recent", "awaiting", "answered", "closed", "rejected"
]


class ThresholdsOut(Schema):
    refer: int = Field(description="Signatures that refer the petition to the competent agency")
    answer: int = Field(description="Signatures that oblige an official answer")
    supporters: int = Field(description="Early supporters needed before moderation")


class PetitionAnswerOut(Schema):
    text: str
    published_at: datetime


class RejectionOut(Schema):
    reason: str = Field(description="duplicate, personal_data, defamation, out_of_scope, …")
    text: str
    duplicate_of: int | None = Field(description="Id of the petition this one duplicates")


class PetitionSummaryOut(Schema):
    id: int
    title: str
    status: str
    category: str | None
    unit: UnitRef | None
    signature_count: int
    opened_at: datetime | None
    closes_at: datetime | None
    answer_due_at: datetime | None


class PetitionOut(PetitionSummaryOut):
    body: str
    thresholds: ThresholdsOut
    answer: PetitionAnswerOut | None
    rejection: RejectionOut | None


class PetitionListOut(Schema):
    count: int
    items: list[PetitionSummaryOut]


class RegionCountOut(Schema):
    code: str
    name: str
    count: int


class PetitionRegionsOut(Schema):
    items: list[RegionCountOut] = Field(description="Every 시도, largest count first")
    unknown: int = Field(description="Valid signatures without a region")


class SignatureIn(In):
    """Without a token, name, e-mail and region are required; with a token, the body may be
    empty (the signature is the token's user)."""

    name: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254, description="A confirmation link is sent here")
    region: str = Field(
        default="", max_length=10, description="Region code: 시도 (2 digits) or 시군구 (5 digits)"
    )
    notify: bool = Field(default=False, description="E-mail me the official answer")


class SignedOut(Schema):
    signature_count: int
    signed: bool


class ConfirmationSentOut(Schema):
    status: Literal["confirmation_sent"]
