"""Everything that speaks to Genesys Cloud (or the emulator): auth, REST, streams, wire formats."""
