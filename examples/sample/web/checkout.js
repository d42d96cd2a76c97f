// Checkout page: validates the form and posts the order.

const MAX_QUANTITY = 99;

function validateQuantity(value) {
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n) || n < 1 || n > MAX_QUANTITY) {
    throw new RangeError(`quantity must be between 1 and ${MAX_QUANTITY}`);
  }
  return n;
}

class CheckoutForm {
  constructor(element, api) {
    this.element = element;
    this.api = api;
  }

  /** Collect the form fields into an order payload. */
  readOrder() {
    const data = new FormData(this.element);
    return {
      sku: data.get("sku"),
      quantity: validateQuantity(data.get("quantity")),
      coupon: data.get("coupon") || null,
    };
  }

  async submit() {
    const order = this.readOrder();
    const response = await this.api.post("/orders", order);
    if (!response.ok) {
      throw new Error(`order failed: ${response.status}`);
    }
    return response.json();
  }
}

module.exports = { CheckoutForm, validateQuantity };
