"""Protocols that ship with Praxis as examples; ``praxis db seed-demo`` discovers them."""
