import ipaddress
import itertools

import pytest

from odoo_platform.config.network import SubnetPlanError, plan_subnets

DEFAULT_PREFIXES = {"public": 24, "private": 20, "database": 24}


@pytest.mark.parametrize("azs", range(2, 7))
@pytest.mark.parametrize(
    ("vpc", "prefixes"),
    [
        ("10.0.0.0/16", DEFAULT_PREFIXES),
        ("10.64.0.0/17", {"public": 25, "private": 21, "database": 25}),
        ("172.16.0.0/20", {"public": 27, "private": 24, "database": 27}),
    ],
)
def test_subnets_fit_the_vpc_without_overlap(azs: int, vpc: str, prefixes: dict[str, int]) -> None:
    network = ipaddress.IPv4Network(vpc)
    plan = plan_subnets(network, azs, prefixes)
    subnets = plan.all()
    assert len(subnets) == 3 * azs
    assert all(s.subnet_of(network) for s in subnets)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(subnets, 2))
    assert {s.prefixlen for s in plan.private} == {prefixes["private"]}


def test_adding_an_az_keeps_existing_subnets() -> None:
    network = ipaddress.IPv4Network("10.0.0.0/16")
    three = plan_subnets(network, 3, DEFAULT_PREFIXES)
    four = plan_subnets(network, 4, DEFAULT_PREFIXES)
    assert four.private[:3] == three.private
    assert four.public[:3] == three.public
    assert four.database[:3] == three.database


def test_known_layout() -> None:
    plan = plan_subnets(ipaddress.IPv4Network("10.0.0.0/16"), 2, DEFAULT_PREFIXES)
    assert [str(s) for s in plan.private] == ["10.0.0.0/20", "10.0.16.0/20"]
    assert [str(s) for s in plan.public] == ["10.0.96.0/24", "10.0.97.0/24"]
    assert [str(s) for s in plan.database] == ["10.0.102.0/24", "10.0.103.0/24"]


def test_too_small_vpc_is_refused_with_the_numbers() -> None:
    with pytest.raises(SubnetPlanError, match=r"need 27648 addresses but 10.0.0.0/20 has 4096"):
        plan_subnets(ipaddress.IPv4Network("10.0.0.0/20"), 3, DEFAULT_PREFIXES)
