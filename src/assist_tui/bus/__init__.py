"""The NATS JetStream bus: one engine (or several) serving many attached dashboards.

Nothing outside this package imports ``nats``; the embedded default never touches it.
"""
