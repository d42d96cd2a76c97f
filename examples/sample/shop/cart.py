"""Shopping cart: line items, discounts and totals."""

from dataclasses import dataclass, field
from decimal import Decimal

from shop.pricing import apply_discount, tax_for


@dataclass
class LineItem:
    sku: str
    quantity: int
    unit_price: Decimal

    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class Cart:
    """A customer's cart. Totals are computed on demand, never stored."""

    items: list[LineItem] = field(default_factory=list)
    coupon: str | None = None

    def add(self, sku: str, quantity: int, unit_price: Decimal) -> None:
        """Add an item, merging with an existing line for the same SKU."""
        for item in self.items:
            if item.sku == sku:
                item.quantity += quantity
                return
        self.items.append(LineItem(sku, quantity, unit_price))

    def remove(self, sku: str) -> None:
        self.items = [i for i in self.items if i.sku != sku]

    def total(self, region: str) -> Decimal:
        """Subtotal minus the coupon discount, plus the region's sales tax."""
        subtotal = sum((i.subtotal() for i in self.items), Decimal(0))
        discounted = apply_discount(subtotal, self.coupon)
        return discounted + tax_for(discounted, region)
