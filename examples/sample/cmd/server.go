package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

// Order is the payload the checkout page posts.
type Order struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
	Coupon   string `json:"coupon,omitempty"`
}

// handleOrder decodes an order and acknowledges it.
func handleOrder(w http.ResponseWriter, r *http.Request) {
	var order Order
	if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
		http.Error(w, "malformed order", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"status": "accepted", "sku": order.SKU})
}

func listenAddr() string {
	if port := os.Getenv("SHOP_PORT"); port != "" {
		return ":" + port
	}
	return ":8080"
}

func main() {
	http.HandleFunc("/orders", handleOrder)
	log.Fatal(http.ListenAndServe(listenAddr(), nil))
}
