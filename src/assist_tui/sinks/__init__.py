"""Delivery to the outside: the knowledge webhook (durable outbox) and Agent Assist pushes."""
