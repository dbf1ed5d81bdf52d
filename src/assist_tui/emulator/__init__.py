"""A local Genesys Cloud stand-in: real HTTP + WebSocket server on loopback.

It plays scripted and synthetic conversations, and injects faults on demand.
"""
