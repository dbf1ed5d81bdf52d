"""The assist engine: pipeline stages over normalized events, state, metrics, engine API."""
