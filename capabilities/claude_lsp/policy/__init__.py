"""Who may do what: permission modes, rules and the decisions they produce."""
