"""Run assist-tui as ``python -m assist_tui``."""

from assist_tui.cli import main

raise SystemExit(main())
