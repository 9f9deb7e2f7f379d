"""Generic runtime shared by the services; it knows no business words."""
