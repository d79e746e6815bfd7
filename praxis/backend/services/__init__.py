"""Business rules of Praxis: services receive the repositories and never build SQL themselves."""
