"""Digital + Print cannot be bought without a postal address; with one, the grant includes print."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from masthead.access.entitlements import gets_print
from masthead.billing import services
from masthead.billing.tests.conftest import subscribe


def test_print_plan_asks_for_an_address_first(stripe_env: Any, print_plan: Any, reader: Any, access: Any, client: Any) -> None:
    client.force_login(reader)
    page = client.get(reverse("billing:subscribe", args=[print_plan.slug])).content.decode()
    assert "Add your postal address" in page and "/fulfilment/address/" in page
    assert "data-client-secret" not in page  # no card form until there is an address
    with pytest.raises(services.BillingError, match="postal address"):
        services.start_checkout(user=reader, plan=print_plan)


def test_with_an_address_print_is_granted(stripe_env: Any, print_plan: Any, reader: Any, access: Any) -> None:
    from masthead.fulfilment.services import save_address

    save_address(
        user=reader, name="Ada Reader", line1="1 Main St", city="Springfield", region="IL", postcode="62701", country="US"
    )
    subscribe(stripe_env, reader, print_plan)
    assert access.has(reader) and gets_print(reader)
