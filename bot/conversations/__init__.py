"""The declared forms, one module per capability (profile, request, agreement, contact log, goals,
survey ...): their questions, checks and what completing them asks the service to do.

Modules here are found by `bot.app.load_capabilities`; a new module is registered by existing.
"""
