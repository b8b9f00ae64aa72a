"""``Inventory.role_for``: a function's ``Role`` is found by ARN, name, or the name at the end of an ARN of the same
account; a role of the same name in another account is another role (IAM role names are unique per account)."""

from __future__ import annotations

from rdslink.model import Inventory, Provenance, Role

A, B, PLACEHOLDER = "111111111111", "222222222222", "123456789012"


def _inv(arn: str) -> Inventory:
    inv = Inventory()
    inv.roles[arn] = Role(arn, arn, "orders-role", (), (), Provenance("roles.json", arn))
    inv.index()
    return inv


def test_same_account_by_arn_name_or_other_path() -> None:
    inv = _inv(f"arn:aws:iam::{A}:role/orders-role")
    assert inv.role_for(f"arn:aws:iam::{A}:role/orders-role") is not None
    assert inv.role_for("orders-role") is not None
    assert inv.role_for(f"arn:aws:iam::{A}:role/service-role/orders-role") is not None


def test_role_of_the_same_name_in_another_account_is_not_this_one() -> None:
    inv = _inv(f"arn:aws:iam::{A}:role/orders-role")
    assert inv.role_for(f"arn:aws:iam::{B}:role/orders-role") is None


def test_template_placeholder_account_matches_either_way() -> None:
    assert _inv(f"arn:aws:iam::{PLACEHOLDER}:role/orders-role").role_for(f"arn:aws:iam::{A}:role/orders-role")
    assert _inv(f"arn:aws:iam::{A}:role/orders-role").role_for(f"arn:aws:iam::{PLACEHOLDER}:role/orders-role")
