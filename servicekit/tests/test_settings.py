"""A deployment cannot run on the signing key published in this repository."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from servicekit.settings import ServiceSettings


def test_a_service_required_to_have_a_signing_key_refuses_the_development_one() -> None:
    with pytest.raises(ValidationError, match="CRM_JWT_SIGNING_KEY"):
        ServiceSettings(service_name="loyalty", port=0, jwt_require_key=True)


def test_a_service_with_its_own_signing_key_starts_where_one_is_required() -> None:
    settings = ServiceSettings(
        service_name="loyalty",
        port=0,
        jwt_require_key=True,
        jwt_signing_key=SecretStr("a-key-from-the-secret-store-0123456789abcdef"),
    )

    assert not settings.uses_development_key
