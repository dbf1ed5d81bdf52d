"""The call-board stages of the engine (issue 14): each owns its state per conversation,
its settings and its audit kinds. The engine runs them through
stages/runner.py; adding a stage is one module here and one line in that list."""
