"""What the gateway serves over HTTP, whoever calls: errors as JSON, bodies
within limits, bearer tokens, client addresses and security headers."""
