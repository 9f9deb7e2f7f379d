"""The customer master record: the one the ERP and every service refer to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypedDict
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from acquisition.domain.consent import Consent, key_of, merged
from acquisition.domain.errors import IllegalTransition, InvalidInput


class Address(TypedDict):
    kind: str  # home, billing, shipping, work
    line1: str
    line2: str | None
    postal_code: str
    city: str
    region: str | None
    country: str


PROFILE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "emails",
        "phones",
        "addresses",
        "company",
        "birthday",
        "preferred_channel",
    }
)


class Customer(Aggregate):
    TOPIC = "acquisition:Customer"  # pinned, like every event below: stored events survive renames

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "acquisition:Customer.Created"

    class Registered(Aggregate.Created):
        TOPIC = "acquisition:Customer.Registered"
        first_name: str
        last_name: str
        email: str | None
        phone: str | None
        company: str | None
        birthday: date | None
        source: str
        lead_id: UUID | None
        campaign_id: str | None
        erp_customer_number: str | None

    class ErpNumberLinked(Aggregate.Event):
        TOPIC = "acquisition:Customer.ErpNumberLinked"
        erp_customer_number: str

    class ProfileChanged(Aggregate.Event):
        """Only the fields that changed, with their new values (birthday as ISO text)."""

        TOPIC = "acquisition:Customer.ProfileChanged"
        changes: dict[str, Any]
        request_id: str | None

    class ConsentsChanged(Aggregate.Event):
        """Every consent after the change: consumers replace theirs with it."""

        TOPIC = "acquisition:Customer.ConsentsChanged"
        consents: list[Consent]

    class Absorbed(Aggregate.Event):
        """Another record of the same person was merged into this one."""

        TOPIC = "acquisition:Customer.Absorbed"
        customer_id: UUID
        request_id: str | None

    class MergedInto(Aggregate.Event):
        TOPIC = "acquisition:Customer.MergedInto"
        survivor_id: UUID

    @staticmethod
    def id_for_lead(lead_id: UUID) -> UUID:
        """Converting a lead always yields the same customer id: conversion is idempotent."""
        return uuid5(NAMESPACE_URL, f"/crm/customers/from-lead/{lead_id}")

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        birthday: date | None,
        source: str,
        lead_id: UUID | None = None,
        campaign_id: str | None = None,
        erp_customer_number: str | None = None,
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.emails: list[str] = [email] if email else []
        self.phones: list[str] = [phone] if phone else []
        self.addresses: list[Address] = []
        self.company = company
        self.birthday = birthday
        self.preferred_channel: str | None = None
        self.source = source
        self.lead_id = lead_id
        self.campaign_id = campaign_id
        self.erp_customer_number = erp_customer_number
        self.consents: dict[str, Consent] = {}
        self.merged_into: UUID | None = None
        self.merged_customers: list[UUID] = []
        self.request_ids: set[str] = set()

    @property
    def email(self) -> str | None:
        """The primary e-mail: the first of the list."""
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None

    def _seen(self, request_id: str | None) -> bool:
        return request_id is not None and request_id in self.request_ids

    def _remember(self, request_id: str | None) -> None:
        if request_id is not None:
            self.request_ids.add(request_id)

    def _refuse_if_merged(self, doing: str) -> None:
        if self.merged_into is not None:
            raise IllegalTransition(
                f"customer {self.id} was merged into {self.merged_into}: cannot {doing}"
            )

    def link_erp_customer_number(self, erp_customer_number: str) -> bool:
        """The ERP knows this customer by its own number; returns False if already known."""
        if erp_customer_number == self.erp_customer_number:
            return False
        self._erp_number_linked(erp_customer_number)
        return True

    @event(ErpNumberLinked)
    def _erp_number_linked(self, erp_customer_number: str) -> None:
        self.erp_customer_number = erp_customer_number

    def change_profile(self, changes: Mapping[str, Any], request_id: str | None = None) -> bool:
        """Replace the given profile fields; values equal to the current ones change nothing."""
        if self._seen(request_id):
            return False
        self._refuse_if_merged("change its profile")
        for name in sorted(set(changes) - PROFILE_FIELDS):
            raise InvalidInput(name, "is not a field of the customer profile")
        for name in ("first_name", "last_name"):
            if name in changes and not str(changes[name] or "").strip():
                raise InvalidInput(name, "a customer needs a name")
        differing = {name: value for name, value in changes.items() if getattr(self, name) != value}
        if not differing:
            return False
        if isinstance(differing.get("birthday"), date):
            differing["birthday"] = differing["birthday"].isoformat()
        self._profile_changed(differing, request_id)
        return True

    @event(ProfileChanged)
    def _profile_changed(self, changes: dict[str, Any], request_id: str | None) -> None:
        for name, value in changes.items():
            if name == "birthday" and isinstance(value, str):
                value = date.fromisoformat(value)
            setattr(self, name, list(value) if isinstance(value, list) else value)
        self._remember(request_id)

    def give_consents(self, consents: Sequence[Consent]) -> bool:
        """Record the customer's answers per channel and purpose; the same answer is no change."""
        self._refuse_if_merged("record consents")
        after = merged(self.consents, consents)
        if after == self.consents:
            return False
        self._consents_changed(sorted(after.values(), key=lambda c: (c["channel"], c["purpose"])))
        return True

    @event(ConsentsChanged)
    def _consents_changed(self, consents: list[Consent]) -> None:
        self.consents = {key_of(consent): consent for consent in consents}

    def absorb(self, duplicate: Customer, request_id: str | None = None) -> bool:
        """Take over ``duplicate``'s history and the contact data this record lacks.

        Call ``duplicate.merge_into`` in the same save. The survivor's own values
        win; lists (e-mails, phones, addresses) are united; consents keep the
        latest answer per channel and purpose.
        """
        if self._seen(request_id):
            return False
        if duplicate.id == self.id:
            raise IllegalTransition("a customer cannot be merged into itself")
        self._refuse_if_merged("take a merge")
        duplicate._refuse_if_merged("be merged")
        self._absorbed(duplicate.id, request_id)
        changes: dict[str, Any] = {
            "emails": _united(self.emails, duplicate.emails),
            "phones": _united(self.phones, duplicate.phones),
            "addresses": _united(self.addresses, duplicate.addresses),
        }
        for name in ("company", "birthday", "preferred_channel"):
            if getattr(self, name) is None and getattr(duplicate, name) is not None:
                changes[name] = getattr(duplicate, name)
        self.change_profile(changes)
        self.give_consents(list(duplicate.consents.values()))
        if self.erp_customer_number is None and duplicate.erp_customer_number:
            self.link_erp_customer_number(duplicate.erp_customer_number)
        return True

    @event(Absorbed)
    def _absorbed(self, customer_id: UUID, request_id: str | None) -> None:
        self.merged_customers.append(customer_id)
        self._remember(request_id)

    def merge_into(self, survivor_id: UUID) -> None:
        self._refuse_if_merged("be merged")
        self._merged_into(survivor_id)

    @event(MergedInto)
    def _merged_into(self, survivor_id: UUID) -> None:
        self.merged_into = survivor_id


def _united(first: Sequence[Any], second: Sequence[Any]) -> list[Any]:
    return list(first) + [item for item in second if item not in first]
