"""Commands and button actions, one module per capability, each thin over its service: a command or a
button becomes a service call, and the outcome becomes text from the catalogue and buttons.

Modules here are found by `bot.app.load_capabilities`; a new module is registered by existing.
"""
