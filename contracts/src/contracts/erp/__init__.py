"""What the ERP publishes: orders, payments, shipments and products."""
