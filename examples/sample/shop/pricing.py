"""Discount codes and sales tax."""

from decimal import Decimal

COUPONS = {"WELCOME10": Decimal("0.10"), "VIP25": Decimal("0.25")}
TAX_RATES = {"CA": Decimal("0.0725"), "NY": Decimal("0.04"), "OR": Decimal(0)}


def apply_discount(amount: Decimal, coupon: str | None) -> Decimal:
    """Reduce ``amount`` by the coupon's percentage; unknown coupons are ignored."""
    if not coupon:
        return amount
    rate = COUPONS.get(coupon.upper(), Decimal(0))
    return (amount * (1 - rate)).quantize(Decimal("0.01"))


def tax_for(amount: Decimal, region: str) -> Decimal:
    """Sales tax owed on ``amount`` in ``region`` (a US state code)."""
    if region not in TAX_RATES:
        raise ValueError(f"no tax rate for region {region!r}")
    return (amount * TAX_RATES[region]).quantize(Decimal("0.01"))
