"""Praxis backend: the data layer, services and HTTP API of the lab-automation platform."""
