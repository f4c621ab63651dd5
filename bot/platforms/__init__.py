"""Thin adapters: turn platform updates into Events and render Replies. No programme rules here."""
