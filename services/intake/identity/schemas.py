from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# An opaque contact reference, as case.submitted carries it (secrets.token_urlsafe(32)).
ContactRef = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# A claim of notices takes at most 50 (notification's delivery batch); room for a larger one.
MAX_REFS = 200


class ContactsAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refs: list[ContactRef] = Field(min_length=1, max_length=MAX_REFS)


class ContactsFound(BaseModel):
    # reference -> channel ("email", "sms") -> address; unknown references are left out
    contacts: dict[str, dict[str, str]]
