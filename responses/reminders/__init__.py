"""The reminder engine (design.md §5), kept out of the models as healthchecks keeps its
alert loop in a command: the scan that claims due stages (scan), who hears at each
stage (audience), sending one digest per person and channel (delivery), and what an
operator checks (health). The ledger itself is responses.models.reminders."""
