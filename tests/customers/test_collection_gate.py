"""The one collection gate answers with the reasons, and every rule holds everywhere."""

import pytest

from fiscus.customers.gate import Action, may_collect
from fiscus.customers.services import update_customer
from tests.factories import customer, invoice


def test_a_customer_in_good_standing_may_be_sent_a_notice(city):
    who = customer(city.clerk)
    decision = may_collect(who, action=Action.NOTICE)
    assert decision.allowed and decision.reasons == ()


def test_hold_and_bankruptcy_refuse_with_every_reason(city):
    who = customer(city.clerk)
    who = update_customer(who, by=city.clerk, changes={"on_hold": True, "in_bankruptcy": True})
    decision = may_collect(who, action=Action.FINANCE_CHARGE)
    assert not decision
    assert decision.reasons == (
        "the account is on hold",
        "the customer is in bankruptcy (the automatic stay)",
    )


def test_a_disputed_item_is_left_alone_but_the_customers_other_items_are_not(city):
    who = customer(city.clerk)
    disputed, other = invoice(city, who, "10.00"), invoice(city, who, "20.00")
    disputed.disputed = True
    assert may_collect(who, item=disputed, action=Action.NOTICE).reason == (
        f"{disputed.number} is disputed"
    )
    assert may_collect(who, item=other, action=Action.NOTICE).allowed


def test_an_unknown_action_is_a_programming_error(city):
    with pytest.raises(ValueError, match="Unknown collection action"):
        may_collect(customer(city.clerk), action="bill_collector_at_the_door")
