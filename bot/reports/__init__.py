"""Public-space reports: storage, places, back ends, forwarding and status news."""
