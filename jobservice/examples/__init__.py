"""Example workers built on jobservice.messaging.worker (no Django imports)."""
