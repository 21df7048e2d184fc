"""Who may see what: consent grants, freezes, fraud alerts and the access decision."""
