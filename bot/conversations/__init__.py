"""Multi-step forms: profiles, request messages, the agreement, contact logs, surveys."""
