"""The programme's rules: who may do what, state changes, matching. No platform code here."""
